import * as z from 'zod';
import { priorities } from '../shared/config';
import { defineEvent, eventEnvelope } from './define';

export const priority = z.enum(priorities);

/** Carries labels and scores, never the text. */
export const TicketTriaged = defineEvent({
  detailType: 'TicketTriaged',
  description:
    "A customer's message was analyzed: the ticket's language, sentiment, urgency, category and tags were set (pending: the analyzer was unavailable and defaults apply until it is back).",
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    messageIds: z.array(z.string()).min(1),
    language: z.string(),
    sentiment: z.enum(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED']).optional(),
    urgency: priority,
    previousUrgency: priority.optional(),
    priority,
    previousPriority: priority.optional(),
    category: z.string(),
    tags: z.array(z.string()),
    pending: z.boolean(),
    /** The ticket's priority is new or moved: its SLA deadlines move with it. */
    priorityChanged: z.boolean(),
    /** Its priority, language or category is new or moved: its workflow starts again (deadlines, assignment). */
    routingChanged: z.boolean(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v2',
    version: 1,
    occurredAt: '2026-11-23T09:15:01.480Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    messageIds: ['wechat:7301923847561'],
    language: 'zh',
    sentiment: 'NEGATIVE',
    urgency: 'critical',
    priority: 'critical',
    category: 'delivery',
    tags: ['category:delivery', 'language:zh', 'sentiment:negative', 'urgency:critical'],
    pending: false,
    priorityChanged: true,
    routingChanged: true,
  },
});
