import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { priority } from './ticket-triaged';

/** Events of agents working tickets through the API. Ids and labels only, never note or message text. */

export const ticketFields = ['status', 'priority', 'category', 'tags', 'assigneeId', 'customFields'] as const;

export const TicketUpdated = defineEvent({
  detailType: 'TicketUpdated',
  description:
    'An agent or supervisor changed a ticket (PATCH /tickets/{id}): which fields, and the ticket as it now is. A status change also publishes TicketStatusChanged, an assignment TicketAssigned.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    actor: z.object({ type: z.literal('agent'), id: z.string().min(1) }),
    fields: z.array(z.enum(ticketFields)).min(1),
    status: z.string(),
    priority: priority.optional(),
    category: z.string().optional(),
    assigneeId: z.string().optional(),
    /** The priority or category moved, or the ticket was given back unassigned: its workflow starts again (deadlines, assignment). */
    routingChanged: z.boolean(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v7:updated',
    version: 1,
    occurredAt: '2026-11-24T11:02:13.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    actor: { type: 'agent', id: 'lin' },
    fields: ['priority', 'tags'],
    status: 'open',
    priority: 'high',
    category: 'delivery',
    assigneeId: 'mei',
    routingChanged: true,
  },
});

export const AgentMentioned = defineEvent({
  detailType: 'AgentMentioned',
  description: 'An internal note on a ticket @mentioned an agent; they now see the ticket (a collaborator) and can be notified.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    noteId: z.string(),
    agentId: z.string(),
    mentionedBy: z.string(),
  }),
  example: {
    eventId: 'note_2b7c91d04e5f6a13:mei',
    version: 1,
    occurredAt: '2026-11-24T11:05:40.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    noteId: 'note_2b7c91d04e5f6a13',
    agentId: 'mei',
    mentionedBy: 'alice',
  },
});
