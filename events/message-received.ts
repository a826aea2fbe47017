import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';

/** Carries ids and facts, never the text or the customer's handles: read those from the table. */
export const MessageReceived = defineEvent({
  detailType: 'MessageReceived',
  description: 'A customer message was stored on a ticket (new, merged into an open one, or reopening a solved one).',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    messageId: z.string(),
    channel: z.string(),
    placement: z.enum(['created', 'merged', 'reopened']),
    sentAt: z.iso.datetime(),
    receivedAt: z.iso.datetime(),
    textLength: z.number().int().nonnegative(),
    attachmentCount: z.number().int().nonnegative(),
  }),
  example: {
    eventId: 'web:msg-2f6c1d:received',
    version: 1,
    occurredAt: '2026-11-23T09:15:00.120Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    messageId: 'web:msg-2f6c1d',
    channel: 'web',
    placement: 'created',
    sentAt: '2026-11-23T09:14:58.000Z',
    receivedAt: '2026-11-23T09:15:00.120Z',
    textLength: 59,
    attachmentCount: 1,
  },
});
