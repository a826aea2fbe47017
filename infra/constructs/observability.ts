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
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { priorities, type SwitchboardConfig } from '../../shared/config';
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
  /** The ticket workflow, and the dead-letter queue of the rules that start it. */
  readonly workflow: { readonly stateMachine: sfn.IStateMachine; readonly deadLetterQueue: sqs.IQueue };
}

const namespace = 'Switchboard';
const service = 'switchboard';
const period = Duration.minutes(5);
const hour = Duration.hours(1);

const businessMetric = (metricName: string, statistic: string = cloudwatch.Stats.SUM, label?: string) =>
  new cloudwatch.Metric({ namespace, metricName, dimensionsMap: { service }, statistic, period, label });

/** One value of a bounded dimension, as MeteredPublisher emits it: its own metric, with the service dimension. */
const metricOf = (metricName: string, dimension: string, value: string, options: { period?: Duration; label?: string | null } = {}) =>
  new cloudwatch.Metric({
    namespace,
    metricName,
    dimensionsMap: { service, [dimension]: value },
    statistic: cloudwatch.Stats.SUM,
    period: options.period ?? period,
    label: options.label === null ? undefined : (options.label ?? value),
  });
/** The same over the last hour, for alarms (no label, so the alarm is on the metric itself). */
const hourlyOf = (metricName: string, dimension: string, value: string) => metricOf(metricName, dimension, value, { period: hour, label: null });

/** Sentiment labels on TicketsTriaged: Comprehend's four, and UNSCORED while triage is pending. */
const sentiments = ['POSITIVE', 'NEUTRAL', 'MIXED', 'NEGATIVE', 'UNSCORED'] as const;
const slaClocks = ['firstResponse', 'resolution'] as const;
/**
 * Below this many tickets triaged in the hour, the SLA breach rate is taken over this many, so one
 * or two breaches in a quiet hour (typically of tickets that arrived the day before) are not a rate.
 */
export const SLA_RATE_MIN_TICKETS = 20;

/** Every category triage can set: the configured ones and the default. */
export const categoriesOf = (config: SwitchboardConfig) => [...new Set([...config.triage.categories.map((c) => c.name), config.triage.defaultCategory])];

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

    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      description: string,
      { threshold = 1, comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD } = {},
    ) => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator,
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
      triage:
        'customer messages that were not triaged. A ticket triage never reached has no urgency, SLA clock or agent yet (one given defaults tagged triage:pending while Comprehend was unavailable is routed on those). Read the triage function\'s logs for the cause (Comprehend errors and throttles are on the dashboard), fix it, then redrive the dead-letter queue to triage them.',
      routing:
        'agent-availability and ticket-finished events routing did not act on: queued tickets may be waiting for agents who are free, or a finished ticket still counts against its agent\'s capacity. Read the routing function\'s logs for the cause, fix it, then redrive the dead-letter queue.',
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

    const { stateMachine, deadLetterQueue: workflowDeadLetters } = props.workflow;
    alarm(
      'WorkflowStartsDeadLetterQueueNotEmpty',
      workflowDeadLetters.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
      'Events that should have started a ticket workflow run (triage set or moved a priority, a ticket was reopened or changed status) could not start it, even after EventBridge\'s retries: those tickets\' assignment and SLA checks are not running or are out of date. Each message is the event, with the reason in its ERROR_CODE and ERROR_MESSAGE attributes. Fix the cause (usually permissions or Step Functions throttling), then start a run with each message body as its input (aws stepfunctions start-execution --state-machine-arn <TicketWorkflowArn output> --input <body>) and delete the message.',
    );
    alarm(
      'WorkflowRunsFailed',
      stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM, period }),
      'A ticket workflow run failed after its task retries: that ticket\'s assignment, SLA checks and escalations stopped until its priority or status changes again. Open the failed execution in the Step Functions console for the failing state and its error, read the workflow function\'s logs at that time, fix the cause, then redrive the execution (aws stepfunctions redrive-execution --execution-arn <arn>) to resume it from the failed state; a run a newer one has taken over ends at its next step.',
    );

    // SLA breaches over the last hour, as a percent of the new tickets of that hour (NewTickets counts
    // each ticket once, at its first triage, under its category); in a steady state that is breaches
    // per incoming ticket. SEARCH is not allowed in alarms, hence the metrics one by one.
    const categories = categoriesOf(config);
    const breachRate = new cloudwatch.MathExpression({
      expression: `100 * breaches / IF(triaged < ${SLA_RATE_MIN_TICKETS}, ${SLA_RATE_MIN_TICKETS}, triaged)`,
      usingMetrics: {
        breaches: new cloudwatch.MathExpression({
          expression: slaClocks.map((clock) => `FILL(${clock}Breaches, 0)`).join(' + '),
          usingMetrics: Object.fromEntries(slaClocks.map((clock) => [`${clock}Breaches`, hourlyOf('SlaBreaches', 'Clock', clock)])),
          period: hour,
        }),
        triaged: new cloudwatch.MathExpression({
          expression: categories.map((_, i) => `FILL(new${i}, 0)`).join(' + '),
          usingMetrics: Object.fromEntries(categories.map((category, i) => [`new${i}`, hourlyOf('NewTickets', 'Category', category)])),
          period: hour,
        }),
      },
      label: 'SLA breaches, % of new tickets (last hour)',
      period: hour,
    });
    const breachRateAlarm = alarm(
      'SlaBreachRate',
      breachRate,
      `More than ${config.alarms.slaBreachRatePercent}% SLA breaches (first response and resolution together) against the new tickets of the last hour (counted over at least ${SLA_RATE_MIN_TICKETS} tickets). Too few agents are online for the load, or tickets wait in skill queues no online agent has: compare "Tickets queued per skill queue" and the assignment latency on the dashboard, bring agents online or give them the missing skills (PUT /agents/{id}).`,
      { threshold: config.alarms.slaBreachRatePercent, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
    );

    // A spike in one category is a backlog building there (an outage, a billing run, a courier's bad
    // day); the categories are the configured ones, so an alarm each, over the last hour.
    for (const category of categories) {
      alarm(
        `${category}CategoryTicketsSpike`,
        hourlyOf('NewTickets', 'Category', category),
        `More than ${config.alarms.categoryTicketsPerHour} new tickets in category "${category}" in the last hour: a backlog is building there. Look at the tickets tagged category:${category} for a common cause, tell the agents with the category:${category} skill, or bring more of them online.`,
        { threshold: config.alarms.categoryTicketsPerHour, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
      );
    }

    const graph = (title: string, left: cloudwatch.IMetric[], width = 8, more: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6, period, ...more });

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
      new cloudwatch.TextWidget({ markdown: '## Triage, routing and SLAs', width: 24, height: 1 }),
      graph('Tickets triaged by urgency', priorities.map((urgency) => metricOf('TicketsTriaged', 'Urgency', urgency))),
      graph('Tickets triaged by category', categories.map((category) => metricOf('TicketsTriaged', 'Category', category))),
      graph('Sentiment of triaged messages', sentiments.map((sentiment) => metricOf('TicketsTriaged', 'Sentiment', sentiment)), 8, {
        view: cloudwatch.GraphWidgetView.PIE,
        setPeriodToTimeRange: true,
      }),
      graph('Assignment latency (ms)', [
        businessMetric('AssignmentLatency', cloudwatch.Stats.p(50), 'p50'),
        businessMetric('AssignmentLatency', cloudwatch.Stats.p(90), 'p90'),
      ]),
      graph('Tickets assigned by reason', [metricByDimension('TicketsAssigned', 'Reason')]),
      graph('Tickets queued per skill queue, triage and routing backlog', [metricByDimension('TicketsQueued', 'Queue')], 8, {
        right: (['triage', 'routing'] as const).map((queueId) =>
          props.queues[queueId].queue.metricApproximateNumberOfMessagesVisible({ label: `${queueId} SQS queue (messages)`, statistic: cloudwatch.Stats.MAXIMUM, period }),
        ),
      }),
      graph('SLA warnings, breaches and escalations', [
        ...slaClocks.map((clock) => metricOf('SlaWarnings', 'Clock', clock, { label: `${clock} warnings` })),
        ...slaClocks.map((clock) => metricOf('SlaBreaches', 'Clock', clock, { label: `${clock} breaches` })),
        ...config.sla.escalation.map((_, i) => metricOf('TicketsEscalated', 'Level', String(i + 1), { label: `escalated to level ${i + 1}` })),
      ]),
      new cloudwatch.AlarmWidget({ title: 'SLA breach rate (% of tickets triaged, last hour)', alarm: breachRateAlarm, width: 8, height: 6 }),
      graph('Comprehend errors and throttles, pending triage', [
        businessMetric('ComprehendErrors'),
        businessMetric('ComprehendThrottles'),
        businessMetric('TriagePending'),
      ]),
      graph('Ticket workflow runs', [
        stateMachine.metricStarted({ statistic: cloudwatch.Stats.SUM, period, label: 'started' }),
        stateMachine.metricSucceeded({ statistic: cloudwatch.Stats.SUM, period, label: 'succeeded' }),
        stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM, period, label: 'failed' }),
        workflowDeadLetters.metricApproximateNumberOfMessagesVisible({ label: 'starts dead-lettered', statistic: cloudwatch.Stats.MAXIMUM, period }),
      ]),
      graph('Customer satisfaction (average score, 1–5)', [businessMetric('CsatScore', cloudwatch.Stats.AVERAGE, 'average score')], 8, {
        leftYAxis: { min: 1, max: 5 },
        right: [businessMetric('CsatScore', cloudwatch.Stats.SAMPLE_COUNT, 'answers'), businessMetric('CsatRequests', cloudwatch.Stats.SUM, 'requests')],
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }),
    );
  }

  get dashboardUrl(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
