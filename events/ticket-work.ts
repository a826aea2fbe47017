import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { priority } from './ticket-triaged';

/** Events of agents working tickets through the API. Ids and labels only, never note or message text. */

/** The signed-in agent or supervisor who made the change. */
const agentActor = z.object({ type: z.literal('agent'), id: z.string().min(1) });

export const ticketFields = ['status', 'priority', 'category', 'tags', 'assigneeId', 'customFields'] as const;

export const TicketUpdated = defineEvent({
  detailType: 'TicketUpdated',
  description:
    'An agent or supervisor changed a ticket (PATCH /tickets/{id}): which fields, and the ticket as it now is. A status change also publishes TicketStatusChanged, an assignment TicketAssigned.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    actor: agentActor,
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

/** What a sub-task change may touch (PATCH /tickets/{id}/tasks/{taskId}). */
export const taskFields = ['status', 'title', 'assigneeId', 'team', 'dueAt'] as const;
const taskStatus = z.enum(['open', 'done', 'cancelled']);
/** A sub-task is an agent's (assigneeId) or a team's (team). Its title is free text, so it is not in events. */
const subTask = {
  ticketId: z.string(),
  customerId: z.string(),
  taskId: z.string(),
  assigneeId: z.string().optional(),
  team: z.string().optional(),
};

export const SubTaskCreated = defineEvent({
  detailType: 'SubTaskCreated',
  description: 'A sub-task was added to a ticket (POST /tickets/{id}/tasks), for an agent or a team; SubTaskAssigned tells them.',
  schema: eventEnvelope.extend({
    ...subTask,
    actor: agentActor,
    status: taskStatus,
    dueAt: z.iso.datetime().optional(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v8:task',
    version: 1,
    occurredAt: '2026-11-24T11:07:00.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    taskId: 'task_6d0f3b2a91c4e857',
    team: 'billing',
    actor: { type: 'agent', id: 'alice' },
    status: 'open',
    dueAt: '2026-11-25T17:00:00.000Z',
  },
});

export const SubTaskUpdated = defineEvent({
  detailType: 'SubTaskUpdated',
  description: 'A sub-task changed (PATCH /tickets/{id}/tasks/{taskId}): which fields, and its status and owner now. The ticket\'s taskProgress follows.',
  schema: eventEnvelope.extend({
    ...subTask,
    actor: agentActor,
    fields: z.array(z.enum(taskFields)).min(1),
    status: taskStatus,
    dueAt: z.iso.datetime().optional(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v9:task',
    version: 1,
    occurredAt: '2026-11-24T14:30:00.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    taskId: 'task_6d0f3b2a91c4e857',
    assigneeId: 'mei',
    actor: { type: 'agent', id: 'mei' },
    fields: ['status'],
    status: 'done',
  },
});

export const SubTaskAssigned = defineEvent({
  detailType: 'SubTaskAssigned',
  description: 'A sub-task came to an agent (assigneeId) or a team (team), when added or handed over; the agent now sees the ticket (a collaborator) and can be notified.',
  schema: eventEnvelope.extend({ ...subTask, assignedBy: z.string() }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v8:task-assigned',
    version: 1,
    occurredAt: '2026-11-24T11:07:00.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    taskId: 'task_6d0f3b2a91c4e857',
    team: 'billing',
    assignedBy: 'alice',
  },
});

const moved = z.object({ messages: z.number().int().nonnegative(), replies: z.number().int().nonnegative(), notes: z.number().int().nonnegative() });

export const TicketMerged = defineEvent({
  detailType: 'TicketMerged',
  description:
    'A supervisor merged sourceTicketId into ticketId (POST /tickets/{id}/merge): its messages, replies and notes moved there (counts in moved), and it was closed (TicketStatusChanged, which frees its agent).',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    sourceTicketId: z.string(),
    customerId: z.string(),
    actor: agentActor,
    moved,
  }),
  example: {
    eventId: 'tkt_9a0c3e71d2b45f68:merged-into:tkt_5f1c0a3e9b7d2c41',
    version: 1,
    occurredAt: '2026-11-24T11:20:02.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    sourceTicketId: 'tkt_9a0c3e71d2b45f68',
    customerId: 'cus_0b3e7d92a4c81f56',
    actor: { type: 'agent', id: 'lin' },
    moved: { messages: 3, replies: 1, notes: 0 },
  },
});

export const TicketSplit = defineEvent({
  detailType: 'TicketSplit',
  description:
    'An agent split a customer message out of sourceTicketId into a new open ticket, ticketId (POST /tickets/{id}/split). A MessageReceived for the new ticket follows, so it is triaged and routed like any new ticket.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    sourceTicketId: z.string(),
    customerId: z.string(),
    messageId: z.string(),
    channel: z.string(),
    actor: agentActor,
  }),
  example: {
    eventId: 'tkt_3d81b09e6c2fa547:split',
    version: 1,
    occurredAt: '2026-11-24T11:31:45.000Z',
    ticketId: 'tkt_3d81b09e6c2fa547',
    sourceTicketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    messageId: 'web:msg-77a1c0',
    channel: 'web',
    actor: { type: 'agent', id: 'alice' },
  },
});
