import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type ChannelName, channelNames, type SwitchboardConfig } from '../../shared/config';
import { env, type FunctionName, queues, visibilityTimeoutSeconds } from '../topology';
import type { SwitchboardFunction } from './function';

export interface IngestProps {
  readonly config: SwitchboardConfig;
  readonly functions: Record<FunctionName, SwitchboardFunction>;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
}

export interface IngestQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/**
 * Webhooks in, tickets out: each topology queue with its dead-letter queue, producer and consumer,
 * and the channel secrets the webhook function verifies requests with.
 */
export class Ingest extends Construct {
  readonly queues: Record<string, IngestQueue> = {};
  readonly channelSecrets: Partial<Record<ChannelName, secretsmanager.Secret>> = {};

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const { config, functions } = props;

    for (const spec of queues) {
      const deadLetterQueue = new sqs.Queue(this, `${spec.id}DeadLetterQueue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const queue = new sqs.Queue(this, `${spec.id}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(spec)),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: config.ingest.maxReceiveCount },
      });
      this.queues[spec.id] = { queue, deadLetterQueue };

      functions[spec.producer].bindQueue(queue, spec);
      const consumer = functions[spec.consumer];
      consumer.addEventSource(
        new SqsEventSource(queue, {
          batchSize: config.ingest.batchSize,
          maxBatchingWindow: Duration.seconds(1),
          reportBatchItemFailures: true,
        }),
      );
      consumer.bindTable(props.table);
      consumer.bindEventBus(props.bus);
    }

    const secretArns: Record<string, string> = {};
    for (const channel of channelNames.filter((c) => config.channels[c].enabled)) {
      const secret = new secretsmanager.Secret(this, `${channel}ChannelSecret`, {
        secretName: `switchboard/channels/${channel}`,
        description: `Signing secret of the ${channel} channel. Replace the generated placeholder with the value the channel provider issues (README: Channels).`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The value is issued by the channel provider and shared with it; rotating it is the provider-side action, which a Secrets Manager rotation Lambda cannot perform',
      });
      secret.grantRead(functions.webhook);
      secretArns[channel] = secret.secretArn;
      this.channelSecrets[channel] = secret;
    }
    functions.webhook.addJsonEnvironment(env.channelSecretArns, secretArns);
  }
}
