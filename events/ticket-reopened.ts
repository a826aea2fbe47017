import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { actor } from './ticket-status';

export const TicketReopened = defineEvent({
  detailType: 'TicketReopened',
  description: 'A customer wrote again within the merge window after their ticket was solved.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    channel: z.string(),
    from: z.literal('solved'),
    to: z.literal('open'),
    actor,
    messageId: z.string(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v3',
    version: 1,
    occurredAt: '2026-11-24T08:01:12.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    channel: 'web',
    from: 'solved',
    to: 'open',
    actor: { type: 'customer', id: 'cus_0b3e7d92a4c81f56' },
    messageId: 'web:msg-77aa01',
  },
});
