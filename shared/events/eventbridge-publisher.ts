import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type DomainEvent } from '../../events/define';
import type { EventPublisher } from '../ingest/ports';

const BATCH = 10;

/** Publishes domain events to the Switchboard bus; throws if any entry is not accepted. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: events.slice(i, i + BATCH).map((e) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
          })),
        }),
      );
      if (out.FailedEntryCount) {
        const reasons = (out.Entries ?? []).filter((e) => e.ErrorCode).map((e) => e.ErrorCode);
        throw new Error(`the event bus refused ${out.FailedEntryCount} event(s): ${reasons.join(', ')}`);
      }
    }
  }
}
