import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundMessage } from '../../events/inbound-message';

export interface MessageQueue {
  /** Resolves only once every message is durably queued; throws otherwise. */
  enqueue(messages: readonly InboundMessage[]): Promise<void>;
}

/** SQS takes at most 10 entries in one batch, and 256 KiB in one message and in one batch. */
const BATCH_ENTRIES = 10;
export const SQS_MAX_BYTES = 262_144;

/** A message that SQS cannot take whatever we retry: the sender has to send less. */
export class MessageTooLarge extends Error {}

export class SqsMessageQueue implements MessageQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(messages: readonly InboundMessage[]): Promise<void> {
    const entries = messages.map((m) => ({ body: JSON.stringify(m), channel: m.channel }));
    const sizeOf = (e: (typeof entries)[number]) => Buffer.byteLength(e.body) + 'channel'.length + 'String'.length + Buffer.byteLength(e.channel);
    // Checked before sending anything: a message SQS can never take rejects the webhook before any of its messages is queued.
    if (entries.some((e) => sizeOf(e) > SQS_MAX_BYTES)) throw new MessageTooLarge(`a message is over SQS's ${SQS_MAX_BYTES} bytes`);
    let batch: typeof entries = [];
    let bytes = 0;
    for (const entry of entries) {
      if (batch.length === BATCH_ENTRIES || bytes + sizeOf(entry) > SQS_MAX_BYTES) {
        await this.send(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += sizeOf(entry);
    }
    if (batch.length > 0) await this.send(batch);
  }

  private async send(batch: readonly { body: string; channel: string }[]): Promise<void> {
    const out = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: batch.map((e, n) => ({
          Id: String(n),
          MessageBody: e.body,
          MessageAttributes: { channel: { DataType: 'String', StringValue: e.channel } },
        })),
      }),
    );
    if (out.Failed?.length) {
      throw new Error(`the queue refused ${out.Failed.length} message(s): ${out.Failed.map((f) => f.Code).join(', ')}`);
    }
  }
}
