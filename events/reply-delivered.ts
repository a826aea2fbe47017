import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';

/** What both delivery outcomes say about the reply. */
const replyFields = {
  replyId: z.string(),
  ticketId: z.string(),
  customerId: z.string(),
  kind: z.enum(['reply', 'notification']),
  channel: z.string(),
  attempts: z.number().int().positive(),
};

export const ReplyDelivered = defineEvent({
  detailType: 'ReplyDelivered',
  description: "An agent's reply or a notification was accepted by the customer's channel provider.",
  schema: eventEnvelope.extend({ ...replyFields, providerMessageId: z.string() }),
  example: {
    eventId: 'rpl_1d2c3b4a5f6e7d8c:delivered',
    version: 1,
    occurredAt: '2026-11-23T09:20:02.310Z',
    replyId: 'rpl_1d2c3b4a5f6e7d8c',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    kind: 'reply',
    channel: 'sms',
    providerMessageId: 'SM3f2a9c0d4b1e4f5a8c7d6e5f4a3b2c1d',
    attempts: 1,
  },
});

export const ReplyDeliveryFailed = defineEvent({
  detailType: 'ReplyDeliveryFailed',
  description: "A reply or notification could not be delivered: the provider refused it, or every retry failed. The reply and the ticket show the provider's reason (not in the event: providers quote the recipient in it).",
  schema: eventEnvelope.extend({
    ...replyFields,
    /** False when retrying could not help (the provider refused it); true when the retries ran out. */
    retryable: z.boolean(),
  }),
  example: {
    eventId: 'rpl_1d2c3b4a5f6e7d8c:failed',
    version: 1,
    occurredAt: '2026-11-23T09:20:02.310Z',
    replyId: 'rpl_1d2c3b4a5f6e7d8c',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    kind: 'reply',
    channel: 'whatsapp',
    retryable: false,
    attempts: 1,
  },
});
