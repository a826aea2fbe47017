import type { InboundMessage } from '../../events/inbound-message';
import type { DomainEvent } from '../../events/define';
import type { EventPublisher } from '../../shared/ingest/ports';

let seq = 0;

/** A canonical inbound message with sensible defaults; override what the test is about. */
export function inbound(overrides: Partial<InboundMessage> & { at?: string } = {}): InboundMessage {
  const { at, ...rest } = overrides;
  const time = at ?? '2026-11-23T09:00:00.000Z';
  return {
    schemaVersion: 1,
    channel: 'web',
    providerMessageId: `m-${++seq}`,
    customer: { handles: [{ kind: 'email', value: 'ana@example.com' }] },
    text: 'Hello, my parcel is late',
    attachments: [],
    sentAt: time,
    receivedAt: time,
    ...rest,
  };
}

/** Collects what would be published, in order. */
export class RecordingPublisher implements EventPublisher {
  readonly published: DomainEvent[] = [];
  async publish(events: readonly DomainEvent[]) {
    this.published.push(...events);
  }
  types() {
    return this.published.map((e) => e.detailType);
  }
}
