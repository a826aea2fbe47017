import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError, type SwitchboardConfig } from '../../shared/config';
import { type FunctionName, type QueueSpec, queues, visibilityTimeoutSeconds } from '../topology';
import type { SwitchboardFunction } from './function';

export interface QueuesProps {
  readonly config: SwitchboardConfig;
  readonly functions: Record<FunctionName, SwitchboardFunction>;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
}

export interface WorkQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly maxReceiveCount: number;
}

/**
 * How Lambda gathers a queue's batch: the spec's window if it sets one, else a second for batches
 * over one. Lambda refuses batches over 10 without a window of at least a second.
 */
export function batching(spec: QueueSpec, config: SwitchboardConfig): { batchSize: number; maxBatchingWindow?: Duration } {
  const batchSize = spec.batchSize(config);
  const windowSeconds = spec.maxBatchingWindowSeconds?.(config) ?? (batchSize > 1 ? 1 : 0);
  if (batchSize > 10 && windowSeconds < 1) {
    throw new ConfigError(`The ${spec.id} queue's batch of ${batchSize} needs a batching window of at least 1 second (Lambda's rule for batches over 10); the config gives ${windowSeconds}`);
  }
  return { batchSize, ...(windowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(windowSeconds) } : {}) };
}

/**
 * The topology's queues — messages into ingest and triage, replies out to delivery, routing's
 * events — each with its dead-letter queue, producers and consumer. The consumer gets the table and the bus.
 */
export class Queues extends Construct {
  readonly queues = {} as Record<QueueSpec['id'], WorkQueue>;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    const { config, functions } = props;

    for (const spec of queues) {
      const deadLetterQueue = new sqs.Queue(this, `${spec.id}DeadLetterQueue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const maxReceiveCount = spec.maxReceiveCount(config);
      const queue = new sqs.Queue(this, `${spec.id}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(spec)),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
      });
      this.queues[spec.id] = { queue, deadLetterQueue, maxReceiveCount };

      for (const producer of spec.producers) functions[producer].bindQueue(queue, spec);
      const consumer = functions[spec.consumer];
      consumer.addEventSource(new SqsEventSource(queue, { ...batching(spec, config), reportBatchItemFailures: true }));
      // The consumer knows its queue too: delivery stretches a failed reply's visibility to back off.
      consumer.addEnvironment(spec.urlEnv, queue.queueUrl);
      consumer.bindTable(props.table);
      consumer.bindEventBus(props.bus);
    }
  }
}
