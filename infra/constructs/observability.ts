import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { SwitchboardConfig } from '../../shared/config';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { QueueSpec } from '../topology';
import type { WorkQueue } from './queues';

export interface ObservabilityProps {
  readonly config: SwitchboardConfig;
  readonly functions: Record<string, lambda.IFunction>;
  /** The function whose errors mean messages are not becoming tickets. */
  readonly ingestFunction: lambda.IFunction;
  readonly queues: Record<QueueSpec['id'], WorkQueue>;
  /** The email function's failed invocations, when email is enabled. */
  readonly emailFailures?: sqs.IQueue;
  readonly httpApi: apigw.HttpApi;
}

const namespace = 'Switchboard';
const service = 'switchboard';
const period = Duration.minutes(5);

const businessMetric = (metricName: string) =>
  new cloudwatch.Metric({ namespace, metricName, dimensionsMap: { service }, statistic: cloudwatch.Stats.SUM, period });

/** One line per value of an open-ended dimension (channel, reason): a SEARCH finds them as they appear. */
const metricByDimension = (metricName: string, dimension: string) =>
  new cloudwatch.MathExpression({
    expression: `SEARCH('{${namespace},${dimension},service} MetricName="${metricName}" service="${service}"', 'Sum', ${period.toSeconds()})`,
    usingMetrics: {},
    label: '',
    period,
  });

/** The Switchboard dashboard, and alarms into an encrypted SNS topic for what needs a person. */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config } = props;

    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts ${config.name} alarm notifications`,
      enableKeyRotation: true,
      // It protects notifications in flight only; nothing stored depends on it after the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes alarms to an encrypted topic only if the key lets it.
    topicKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: `${config.name} alarms`, masterKey: topicKey, enforceSSL: true });
    if (config.alarms.email) this.alarmTopic.addSubscription(new EmailSubscription(config.alarms.email));

    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(this.alarmTopic));
      this.alarms.push(created);
      return created;
    };

    const deadLetterAdvice: Record<QueueSpec['id'], string> = {
      ingest: 'customer messages that did not become tickets. Read the ingest function\'s logs ("message not placed") for the cause, fix it, then redrive the dead-letter queue.',
      delivery: 'replies that could not be delivered (the tickets show "delivery failed" with the provider\'s reason). Fix the provider side (credentials, sender, quota), then redrive the dead-letter queue to send them.',
    };
    for (const [queueId, { deadLetterQueue, maxReceiveCount }] of Object.entries(props.queues) as [QueueSpec['id'], WorkQueue][]) {
      alarm(
        `${queueId}DeadLetterQueueNotEmpty`,
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
        `Messages of the ${queueId} queue failed ${maxReceiveCount} times and wait in its dead-letter queue: ${deadLetterAdvice[queueId]}`,
      );
    }
    if (props.emailFailures) {
      alarm(
        'EmailFailuresNotEmpty',
        props.emailFailures.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
        'SES delivered mail the email function could not read or queue, three times; the SES events wait in the EmailFailures queue (the mail itself is in the mail bucket). Read the email function\'s logs, fix the cause, then re-invoke the function with each event.',
      );
    }
    alarm(
      'IngestErrors',
      new cloudwatch.MathExpression({
        // A whole invocation failing is a Lambda error; one record failing in a batch is only IngestFailures.
        expression: 'FILL(invocationErrors, 0) + FILL(recordFailures, 0)',
        usingMetrics: {
          invocationErrors: props.ingestFunction.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
          recordFailures: businessMetric('IngestFailures'),
        },
        label: 'Ingest errors and failed messages',
        period,
      }),
      'Messages failed to become tickets in the last 5 minutes; they are retried and then dead-lettered. The ingest function logs "message not placed" with the SQS message id and the error.',
    );
    alarm(
      'Api5xx',
      props.httpApi.metricServerError({ statistic: cloudwatch.Stats.SUM, period }),
      'The HTTP API (channel webhooks and agent API) answered 5xx in the last 5 minutes: channels may be retrying or giving up. Read the API access logs and the function logs.',
    );

    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6, period });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: 'Switchboard' });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `# ${config.name}`, width: 24, height: 1 }),
      graph('Messages received by channel', [metricByDimension('MessagesReceived', 'channel')]),
      graph('Tickets created, merged, reopened', [
        businessMetric('TicketsCreated'),
        businessMetric('MessagesMerged'),
        businessMetric('TicketsReopened'),
      ]),
      graph('Duplicates dropped, failed messages', [businessMetric('DuplicatesDropped'), businessMetric('IngestFailures')]),
      graph('Rejected webhooks by reason', [metricByDimension('WebhooksRejected', 'reason')]),
      graph('Provider events acknowledged without a message', [metricByDimension('ProviderEventsIgnored', 'kind')]),
      graph('Replies sent, retried, failed', [businessMetric('RepliesSent'), businessMetric('DeliveryRetries'), businessMetric('DeliveryFailures')]),
      graph(
        'Queue and dead-letter queue depth',
        Object.entries(props.queues).flatMap(([queueId, q]) => [
          q.queue.metricApproximateNumberOfMessagesVisible({ label: `${queueId} queue`, period }),
          q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${queueId} dead-letter queue`, period }),
        ]),
      ),
      graph('API 5xx and 4xx', [
        props.httpApi.metricServerError({ statistic: cloudwatch.Stats.SUM, period }),
        props.httpApi.metricClientError({ statistic: cloudwatch.Stats.SUM, period }),
      ]),
      graph(
        'Function errors',
        Object.entries(props.functions).map(([name, fn]) => fn.metricErrors({ label: name, statistic: cloudwatch.Stats.SUM, period })),
        12,
      ),
      graph(
        'Function duration (p95)',
        Object.entries(props.functions).map(([name, fn]) => fn.metricDuration({ label: name, statistic: cloudwatch.Stats.p(95), period })),
        12,
      ),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }),
    );
  }

  get dashboardUrl(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
