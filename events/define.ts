import * as z from 'zod';

/** Every Switchboard domain event is published on the Switchboard bus with this source. */
export const EVENT_SOURCE = 'switchboard';

/** Fields every event detail carries; `eventId` is stable across retries, so consumers can dedupe. */
export const eventEnvelope = z.object({
  eventId: z.string().min(1),
  version: z.literal(1),
  occurredAt: z.iso.datetime(),
});

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  /** EventBridge `detail-type`. */
  readonly detailType: string;
  readonly source: typeof EVENT_SOURCE;
  readonly description: string;
  readonly schema: S;
  readonly example: z.infer<S>;
}

export function defineEvent<S extends z.ZodType>(def: Omit<EventDefinition<S>, 'source'>): EventDefinition<S> {
  return { ...def, source: EVENT_SOURCE };
}

/** An event ready to publish: the definition's detail-type with a detail that passed its schema. */
export interface DomainEvent {
  readonly detailType: string;
  readonly detail: { eventId: string } & Record<string, unknown>;
}

export function domainEvent<S extends z.ZodType>(def: EventDefinition<S>, detail: z.input<S>): DomainEvent {
  return { detailType: def.detailType, detail: def.schema.parse(detail) as DomainEvent['detail'] };
}
