import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { priority } from './ticket-triaged';

export const TicketAssigned = defineEvent({
  detailType: 'TicketAssigned',
  description: 'A ticket was given to an agent: its previous agent, the least loaded eligible one, one who freed up while it waited in its queue, or by hand.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    agentId: z.string(),
    previousAgentId: z.string().optional(),
    /** `manual`: a supervisor gave it, or an agent took it (PATCH /tickets/{id}). */
    reason: z.enum(['previous-agent', 'least-loaded', 'from-queue', 'manual']),
    priority,
    requiredSkills: z.array(z.string()),
    /** From the ticket's creation (or reopening) to this assignment. */
    waitedMs: z.number().int().nonnegative(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v3',
    version: 1,
    occurredAt: '2026-11-23T09:15:01.910Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    agentId: 'mei',
    reason: 'least-loaded',
    priority: 'critical',
    requiredSkills: ['category:delivery', 'language:zh'],
    waitedMs: 1790,
  },
});

export const TicketQueued = defineEvent({
  detailType: 'TicketQueued',
  description: 'No online agent with the skills and free capacity: the ticket waits in its skill queue, highest priority then oldest first.',
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    /** The skill queue: its required skills, joined with "+" (or "any"). */
    queue: z.string(),
    requiredSkills: z.array(z.string()),
    priority,
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:v3',
    version: 1,
    occurredAt: '2026-11-23T09:15:01.910Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    queue: 'category:delivery+language:zh',
    requiredSkills: ['category:delivery', 'language:zh'],
    priority: 'critical',
  },
});

export const AgentAvailabilityChanged = defineEvent({
  detailType: 'AgentAvailabilityChanged',
  description: "An agent may take more tickets: came online, got more capacity or skills, or finished a ticket. Queued tickets they can take are assigned.",
  schema: eventEnvelope.extend({
    agentId: z.string(),
    presence: z.enum(['online', 'away', 'offline']),
    capacity: z.number().int().nonnegative(),
    reason: z.enum(['presence', 'capacity', 'skills', 'ticket-finished']),
  }),
  example: {
    eventId: 'agent:mei:v7',
    version: 1,
    occurredAt: '2026-11-23T09:00:00.000Z',
    agentId: 'mei',
    presence: 'online',
    capacity: 5,
    reason: 'presence',
  },
});
