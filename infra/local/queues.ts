import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SwitchboardConfig } from '../../shared/config';
import { queues, type QueueSpec } from '../topology';
import { lambdaContext } from './lambda-context';

/**
 * The queues in local mode: fauxqs (an SQS emulator) in this process, reached through the real SQS
 * client, with each queue's dead-letter queue and redrive policy as the stack defines them, and a
 * poller per queue that invokes its consumer like Lambda's event source mapping: batches,
 * partial batch failures, redelivery after the visibility timeout, then the dead-letter queue.
 */

export interface LocalQueue {
  readonly spec: QueueSpec;
  readonly url: string;
  readonly deadLetterUrl: string;
  readonly maxReceiveCount: number;
}

export interface LocalQueues {
  readonly endpoint: string;
  readonly client: SQSClient;
  readonly queues: LocalQueue[];
  close(): Promise<void>;
}

export const queueName = (spec: QueueSpec) => `switchboard-${spec.id}`;
export const deadLetterName = (spec: QueueSpec) => `switchboard-${spec.id}-dlq`;

export async function startQueues(config: SwitchboardConfig, visibilityTimeoutSeconds: number): Promise<LocalQueues> {
  // fauxqs ships ES modules only.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });
  const created: LocalQueue[] = [];
  for (const spec of queues) {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: deadLetterName(spec), Attributes: { MessageRetentionPeriod: '1209600' } }));
    const arn = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const maxReceiveCount = spec.maxReceiveCount(config);
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: queueName(spec),
        Attributes: {
          VisibilityTimeout: String(visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn.Attributes!.QueueArn, maxReceiveCount }),
        },
      }),
    );
    created.push({ spec, url: queue.QueueUrl!, deadLetterUrl: dlq.QueueUrl!, maxReceiveCount });
  }
  return {
    endpoint,
    client,
    queues: created,
    close: async () => {
      client.destroy();
      await server.stop();
    },
  };
}

export type SqsConsumer = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse | void>;

/** SQS hands out at most 10 messages a receive; like Lambda's poller, a larger batch takes several. */
const SQS_RECEIVE_LIMIT = 10;

async function receiveBatch(client: SQSClient, url: string, batchSize: number): Promise<Message[]> {
  const messages: Message[] = [];
  while (messages.length < batchSize) {
    const out = await client
      .send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(SQS_RECEIVE_LIMIT, batchSize - messages.length),
          // Long-poll for the first messages only; then take what is already waiting.
          WaitTimeSeconds: messages.length === 0 ? 1 : 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
      .catch(() => ({ Messages: undefined }));
    const received = out.Messages ?? [];
    messages.push(...received);
    if (received.length === 0) break;
  }
  return messages;
}

/** Polls a queue and hands batches to its consumer until stopped; `concurrency` batches at once. */
export function pollQueue(client: SQSClient, queue: LocalQueue, consumer: SqsConsumer, batchSize: number, concurrency = 2) {
  let running = true;
  const loop = async () => {
    while (running) {
      const messages = await receiveBatch(client, queue.url, batchSize);
      if (messages.length === 0 || !running) continue;
      const event: SQSEvent = {
        Records: messages.map((m) => ({
          messageId: m.MessageId!,
          receiptHandle: m.ReceiptHandle!,
          body: m.Body ?? '',
          attributes: {
            ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
            SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          },
          messageAttributes: Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { dataType: v.DataType ?? 'String', stringValue: v.StringValue }]),
          ),
          md5OfBody: m.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName(queue.spec)}`,
          awsRegion: 'us-east-1',
        })),
      };
      let failed = new Set(messages.map((m) => m.MessageId!));
      try {
        const result = await consumer(event, lambdaContext(queue.spec.consumer));
        failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch {
        // A thrown handler fails the whole batch, as in Lambda: every message comes back later.
      }
      const done = messages.filter((m) => !failed.has(m.MessageId!));
      for (let i = 0; i < done.length; i += SQS_RECEIVE_LIMIT) {
        const chunk = done.slice(i, i + SQS_RECEIVE_LIMIT);
        await client.send(new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })) }));
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
