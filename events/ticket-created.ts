import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { actor } from './ticket-status';

export const TicketCreated = defineEvent({
  detailType: 'TicketCreated',
  description: 'A customer message opened a new ticket.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    channel: z.string(),
    status: z.literal('new'),
    actor,
    messageId: z.string(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:created',
    version: 1,
    occurredAt: '2026-11-23T09:15:00.120Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    channel: 'web',
    status: 'new',
    actor: { type: 'customer', id: 'cus_0b3e7d92a4c81f56' },
    messageId: 'web:msg-2f6c1d',
  },
});
