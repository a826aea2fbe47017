import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { actor, ticketStatus } from './ticket-status';

export const TicketStatusChanged = defineEvent({
  detailType: 'TicketStatusChanged',
  description: 'A ticket moved between statuses other than by reopening, e.g. pending → open on a customer reply.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    from: ticketStatus,
    to: ticketStatus,
    actor,
    messageId: z.string().optional(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v4',
    version: 1,
    occurredAt: '2026-11-24T10:30:00.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    from: 'pending',
    to: 'open',
    actor: { type: 'customer', id: 'cus_0b3e7d92a4c81f56' },
    messageId: 'web:msg-90be33',
  },
});
