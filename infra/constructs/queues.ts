import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SwitchboardConfig } from '../../shared/config';
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
 * The topology's queues — messages into ingest, replies out to delivery — each with its
 * dead-letter queue, producers and consumer. The consumer gets the table and the bus.
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
      consumer.addEventSource(
        new SqsEventSource(queue, {
          batchSize: spec.batchSize(config),
          maxBatchingWindow: spec.batchSize(config) > 1 ? Duration.seconds(1) : undefined,
          reportBatchItemFailures: true,
        }),
      );
      // The consumer knows its queue too: delivery stretches a failed reply's visibility to back off.
      consumer.addEnvironment(spec.urlEnv, queue.queueUrl);
      consumer.bindTable(props.table);
      consumer.bindEventBus(props.bus);
    }
  }
}
