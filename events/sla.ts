import * as z from 'zod';
import { defineEvent, eventEnvelope } from './define';
import { priority } from './ticket-triaged';

const slaFields = {
  ticketId: z.string(),
  customerId: z.string(),
  clock: z.enum(['firstResponse', 'resolution']),
  dueAt: z.iso.datetime(),
  priority,
  assigneeId: z.string().optional(),
};

export const SlaWarning = defineEvent({
  detailType: 'SlaWarning',
  description: "A ticket has used the configured share (sla.warningAt) of its first-response or resolution target and is still not answered or solved.",
  schema: eventEnvelope.extend(slaFields),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:sla:firstResponse:warning',
    version: 1,
    occurredAt: '2026-11-23T09:26:15.000Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    clock: 'firstResponse',
    dueAt: '2026-11-23T09:30:00.120Z',
    priority: 'critical',
    assigneeId: 'mei',
  },
});

export const SlaBreached = defineEvent({
  detailType: 'SlaBreached',
  description: 'A ticket missed its first-response or resolution target.',
  schema: eventEnvelope.extend(slaFields),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:sla:firstResponse:breach',
    version: 1,
    occurredAt: '2026-11-23T09:30:00.120Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    clock: 'firstResponse',
    dueAt: '2026-11-23T09:30:00.120Z',
    priority: 'critical',
    assigneeId: 'mei',
  },
});

export const TicketEscalated = defineEvent({
  detailType: 'TicketEscalated',
  description: "A breached ticket reached a level of the escalation ladder: its supervisor is told, its priority raised, or it moved to the escalation queue.",
  schema: eventEnvelope.extend({
    ticketId: z.string(),
    customerId: z.string(),
    level: z.number().int().positive(),
    actions: z.array(z.enum(['notify-supervisor', 'raise-priority', 'escalation-queue'])),
    priority,
    previousPriority: priority,
    assigneeId: z.string().optional(),
    /** Who is told: the assignee's supervisor. */
    supervisorId: z.string().optional(),
  }),
  example: {
    eventId: 'tkt_5f1c0a3e9b7d2c41:sla:escalated:1',
    version: 1,
    occurredAt: '2026-11-23T09:30:00.300Z',
    ticketId: 'tkt_5f1c0a3e9b7d2c41',
    customerId: 'cus_0b3e7d92a4c81f56',
    level: 1,
    actions: ['notify-supervisor', 'raise-priority'],
    priority: 'critical',
    previousPriority: 'high',
    assigneeId: 'mei',
    supervisorId: 'lin',
  },
});
