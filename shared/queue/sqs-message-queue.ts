import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundMessage } from '../../events/inbound-message';

export interface MessageQueue {
  /** Resolves only once every message is durably queued; throws otherwise. */
  enqueue(messages: readonly InboundMessage[]): Promise<void>;
}

const BATCH = 10;

export class SqsMessageQueue implements MessageQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(messages: readonly InboundMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += BATCH) {
      const batch = messages.slice(i, i + BATCH);
      const out = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((m, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(m),
            MessageAttributes: { channel: { DataType: 'String', StringValue: m.channel } },
          })),
        }),
      );
      if (out.Failed?.length) {
        throw new Error(`the queue refused ${out.Failed.length} message(s): ${out.Failed.map((f) => f.Code).join(', ')}`);
      }
    }
  }
}
