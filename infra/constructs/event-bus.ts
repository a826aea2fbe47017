import { ArnFormat, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../events';
import type { SwitchboardConfig } from '../../shared/config';
import { eventRules, type QueueSpec } from '../topology';

/**
 * The Switchboard event bus, an archive of everything published on it (for replay), and one rule
 * per topology event rule.
 */
export class EventBus extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, config: SwitchboardConfig) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: 'switchboard' });
    this.bus.archive('Archive', {
      description: `Every ${config.name} event, for replay`,
      eventPattern: { source: [EVENT_SOURCE] },
      // 0 means keep forever, which is also what an archive without retention does.
      retention: config.eventArchiveRetentionDays > 0 ? Duration.days(config.eventArchiveRetentionDays) : undefined,
    });

  }

  /** The topology's rules, once the queues and the ticket workflow they feed exist. */
  addRules(config: SwitchboardConfig, queues: Record<QueueSpec['id'], { queue: sqs.IQueue; deadLetterQueue: sqs.IQueue }>, workflow: { stateMachine: sfn.IStateMachine; deadLetterQueue: sqs.IQueue }): void {
    for (const spec of eventRules) {
      const eventPattern: events.EventPattern = {
        source: spec.pattern.source && [...spec.pattern.source],
        detailType: spec.pattern['detail-type'] && [...spec.pattern['detail-type']],
        ...(spec.pattern.detail ? { detail: Object.fromEntries(Object.entries(spec.pattern.detail).map(([k, v]) => [k, [...v]])) } : {}),
      };
      if (spec.target.type === 'workflow') {
        // The event is the run's input; a start EventBridge cannot make waits in the dead-letter queue (alarmed).
        new events.Rule(this, spec.id, {
          eventBus: this.bus,
          description: spec.description,
          eventPattern,
          targets: [new targets.SfnStateMachine(workflow.stateMachine, { deadLetterQueue: workflow.deadLetterQueue, retryAttempts: 185 })],
        });
        continue;
      }
      if (spec.target.type === 'queue') {
        const { queue, deadLetterQueue } = queues[spec.target.queue];
        // An event the queue refuses waits in the queue's dead-letter queue rather than being dropped.
        new events.Rule(this, spec.id, { eventBus: this.bus, description: spec.description, eventPattern, targets: [new targets.SqsQueue(queue, { deadLetterQueue, retryAttempts: 185 })] });
        continue;
      }
      const target = spec.target;
      const logGroup = new logs.LogGroup(this, `${spec.id}Logs`, {
        logGroupName: `/switchboard/${target.name}`,
        retention: config.logRetentionDays,
      });
      // A native resource policy instead of the CloudWatchLogGroup target, which installs it with a
      // custom-resource Lambda.
      logGroup.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );
      new events.Rule(this, spec.id, { eventBus: this.bus, description: spec.description, eventPattern, targets: [{ bind: () => ({ arn: logGroupTargetArn(logGroup) }) }] });
    }
  }
}

/** EventBridge wants the log group ARN without the `:*` suffix that `logGroupArn` carries. */
function logGroupTargetArn(logGroup: logs.LogGroup): string {
  return logGroup.stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
