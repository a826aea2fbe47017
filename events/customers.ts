import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { actor } from './ticket-status';

/** The customer API's events: ids and field names only, never names, handles or notes. */

const customerId = z.string().regex(/^cus_[0-9a-f]{16}$/);

export const CustomerUpdated = defineEvent({
  detailType: 'CustomerUpdated',
  description: "An agent changed a customer's profile or identities; `fields` names what changed (not the values), `customerVersion` is the new ETag.",
  schema: eventEnvelope.extend({
    customerId,
    customerVersion: z.number().int().min(2),
    fields: z.array(z.enum(['displayName', 'tier', 'language', 'notes', 'attributes', 'identities'])).min(1),
    actor,
  }),
  example: {
    eventId: 'cus_0b3e7d92a4c81f56:v3',
    version: 1,
    occurredAt: '2026-11-23T11:02:10.000Z',
    customerId: 'cus_0b3e7d92a4c81f56',
    customerVersion: 3,
    fields: ['tier'],
    actor: { type: 'agent', id: 'alice' },
  },
});

export const CustomerMerged = defineEvent({
  detailType: 'CustomerMerged',
  description: 'A supervisor merged one customer into another: its identities and tickets are the target\'s, and its id points there (`mergedInto`).',
  schema: eventEnvelope.extend({
    /** The customer that remains. */
    customerId,
    /** The customer merged into it; its id now only points at `customerId`. */
    sourceCustomerId: customerId,
    identitiesMoved: z.number().int().min(0),
    ticketsMoved: z.number().int().min(0),
    actor,
  }),
  example: {
    eventId: 'cus_7c1d9e0a2b3f4a58:merged-into:cus_0b3e7d92a4c81f56',
    version: 1,
    occurredAt: '2026-11-23T11:20:00.000Z',
    customerId: 'cus_0b3e7d92a4c81f56',
    sourceCustomerId: 'cus_7c1d9e0a2b3f4a58',
    identitiesMoved: 2,
    ticketsMoved: 3,
    actor: { type: 'agent', id: 'lin' },
  },
});

export const CustomerErased = defineEvent({
  detailType: 'CustomerErased',
  description: "An admin erased a customer's personal data (profile, identities, ticket subjects and timeline content); ids and ticket metrics remain.",
  schema: eventEnvelope.extend({
    customerId,
    tickets: z.number().int().min(0),
    actor,
  }),
  example: {
    eventId: 'cus_0b3e7d92a4c81f56:erased',
    version: 1,
    occurredAt: '2026-11-24T08:00:00.000Z',
    customerId: 'cus_0b3e7d92a4c81f56',
    tickets: 4,
    actor: { type: 'agent', id: 'admin-ada' },
  },
});
