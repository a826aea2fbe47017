import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';

/** Customer satisfaction (README: Customer satisfaction). Ids and the score only: never the comment, which may say anything. */

export const CsatRequested = defineEvent({
  detailType: 'CsatRequested',
  description: 'A solved ticket\'s customer was asked for a satisfaction score: the request (with the solved notification) was accepted by their channel\'s provider, or, when that channel cannot carry text to them, recorded on the ticket only.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    /** The notification carrying the request, on the ticket's timeline. */
    replyId: z.string(),
    channel: z.string(),
    /** False: the channel cannot carry text to the customer (a call, a web form); recorded on the timeline only. */
    sent: z.boolean(),
  }),
  example: {
    eventId: 'rpl_7a1e3c5b9d2f4a60:csat-requested',
    version: 1,
    occurredAt: '2026-11-24T16:02:11.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    replyId: 'rpl_7a1e3c5b9d2f4a60',
    channel: 'sms',
    sent: true,
  },
});

export const CsatRecorded = defineEvent({
  detailType: 'CsatRecorded',
  description: 'A customer scored their satisfaction with a solved ticket, 1 to 5, by the request\'s link or by replying with the number; once per ticket.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    agentId: z.string().optional(),
    score: z.number().int().min(1).max(5),
    via: z.enum(['link', 'reply']),
    /** Whether a comment came with it (the comment itself is on the ticket, not in the event). */
    commented: z.boolean(),
    /** For a reply, the message that carried the score. */
    messageId: z.string().optional(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:csat',
    version: 1,
    occurredAt: '2026-11-24T18:40:05.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    agentId: 'mei',
    score: 5,
    via: 'link',
    commented: true,
  },
});
