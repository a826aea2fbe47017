import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { InboundMessage } from '../../events/inbound-message';
import { REDELIVERY_ATTRIBUTE } from './attributes';

export interface EnqueueOptions {
  /**
   * The messages may already be stored (a caller that placed them itself failed afterwards): ingest
   * then republishes a stored message's events instead of treating it as a provider's repeat.
   */
  readonly redelivery?: boolean;
}

export interface MessageQueue {
  /** Resolves only once every message is durably queued; throws otherwise. */
  enqueue(messages: readonly InboundMessage[], options?: EnqueueOptions): Promise<void>;
}

export { REDELIVERY_ATTRIBUTE };

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

  async enqueue(messages: readonly InboundMessage[], options: EnqueueOptions = {}): Promise<void> {
    const entries = messages.map((m) => ({ body: JSON.stringify(m), channel: m.channel, redelivery: options.redelivery === true }));
    const attributeBytes = (e: (typeof entries)[number]) =>
      'channel'.length + 'String'.length + Buffer.byteLength(e.channel) + (e.redelivery ? REDELIVERY_ATTRIBUTE.length + 'String'.length + 'true'.length : 0);
    const sizeOf = (e: (typeof entries)[number]) => Buffer.byteLength(e.body) + attributeBytes(e);
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

  private async send(batch: readonly { body: string; channel: string; redelivery: boolean }[]): Promise<void> {
    const out = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: batch.map((e, n) => ({
          Id: String(n),
          MessageBody: e.body,
          MessageAttributes: {
            channel: { DataType: 'String', StringValue: e.channel },
            ...(e.redelivery ? { [REDELIVERY_ATTRIBUTE]: { DataType: 'String', StringValue: 'true' } } : {}),
          },
        })),
      }),
    );
    if (out.Failed?.length) {
      throw new Error(`the queue refused ${out.Failed.length} message(s): ${out.Failed.map((f) => f.Code).join(', ')}`);
    }
  }
}
