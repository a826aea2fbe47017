import * as z from 'zod';
import { customerHandle, inboundMessage } from '../../events/inbound-message';
import { actor, ticketStatus } from '../../events/ticket-status';
import { priorities } from '../config';
import { ticketSummaryAttributes } from '../store/table-design';
import { ticketLinkSchema } from './links';
import { subTaskSchema, taskProgressSchema } from './tasks';

/**
 * What the ticket API answers, as zod schemas: the OpenAPI document is generated from them, and
 * tests check real answers against them (test/unit/openapi.test.ts checks at compile time that the
 * domain types they describe have no field left out).
 */

const time = z.string().describe('An ISO-8601 UTC time.');
const priority = z.enum(priorities);

export const changeActions = [
  'ticket.created',
  'ticket.reopened',
  'ticket.status-changed',
  'ticket.triaged',
  'ticket.assigned',
  'ticket.queued',
  'ticket.unassigned',
  'ticket.sla',
  'ticket.csat',
  'ticket.escalated',
  'ticket.updated',
  'ticket.closed',
  'ticket.noted',
  'ticket.task',
  'ticket.linked',
  'ticket.merged',
  'ticket.split',
  'ticket.customer-changed',
] as const;

/** A recorded change: who, what, when, and the fields before and after. */
export const changeSchema = z.object({
  version: z.number().int().describe('The ticket version this change made.'),
  action: z.enum(changeActions),
  actor,
  at: time,
  cause: z.string().optional().describe('What caused it: the customer message, or a digest of the request.'),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()),
});

const clock = z.enum(['firstResponse', 'resolution']);
export const slaStateSchema = z.object({
  generation: z.number().int(),
  startedAt: time,
  pausedMs: z.number(),
  pausedSince: time.optional(),
  firstResponseDueAt: time.optional(),
  resolutionDueAt: time.optional(),
  warnings: z.partialRecord(clock, time),
  breaches: z.partialRecord(clock, time),
  escalationLevel: z.number().int(),
});

export const ticketCsatSchema = z.object({
  score: z.number().int().min(1).max(5),
  comment: z.string().optional(),
  at: time,
  via: z.enum(['link', 'reply']),
  agentId: z.string().optional(),
  messageId: z.string().optional(),
});

export const csatRequestStateSchema = z.object({
  replyId: z.string(),
  requestedAt: time,
  channel: z.string(),
  sent: z.boolean(),
  agentId: z.string().optional(),
  linkedAt: time.optional(),
  expiresAt: time.optional(),
});

export const ticketTriageSchema = z.object({
  at: time,
  messageIds: z.array(z.string()),
  lastReceivedAt: time,
  sentiment: z.enum(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED']).optional(),
  scores: z.object({ positive: z.number(), negative: z.number(), neutral: z.number(), mixed: z.number() }).optional(),
  reasons: z.array(z.string()),
  pending: z.literal(true).optional(),
});

/** A ticket, as stored (shared/domain/ticket.ts explains each field). */
export const ticketSchema = z
  .object({
    ticketId: z.string(),
    customerId: z.string(),
    status: ticketStatus,
    channel: z.string().describe('The channel the ticket was opened on.'),
    lastChannel: z.string().describe("The channel of the customer's latest message: where a reply goes by default."),
    subject: z.string(),
    createdAt: time,
    updatedAt: time,
    lastMessageKey: z.string(),
    solvedAt: time.optional(),
    closedAt: time.optional(),
    assigneeId: z.string().optional(),
    team: z.string().optional(),
    dueAt: time.optional().describe('The deadline that matters next while the SLA clocks run.'),
    firstResponseAt: time.optional(),
    lastDelivery: z.object({ replyId: z.string(), status: z.enum(['sent', 'failed']), at: time, reason: z.string().optional() }).optional(),
    priority: priority.optional(),
    prioritySource: z.enum(['triage', 'escalation', 'agent']).optional(),
    urgency: priority.optional(),
    category: z.string().optional(),
    language: z.string().optional(),
    tags: z.array(z.string()).optional(),
    tier: z.string().optional(),
    triage: ticketTriageSchema.optional(),
    previousAgentId: z.string().optional(),
    requiredSkills: z.array(z.string()).optional(),
    assignedAt: time.optional(),
    queuedAt: time.optional(),
    escalated: z.boolean().optional(),
    lastRouting: changeSchema.optional(),
    sla: slaStateSchema.optional(),
    erasedAt: time.optional(),
    csat: ticketCsatSchema.optional(),
    csatRequest: csatRequestStateSchema.optional(),
    customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    collaborators: z.array(z.string()).optional(),
    tasks: z.array(subTaskSchema).optional(),
    taskProgress: taskProgressSchema.optional(),
    links: z.array(ticketLinkSchema).optional(),
    mergingInto: z.string().optional(),
    mergedInto: z.string().optional(),
    mergedFrom: z.array(z.string()).optional(),
    splitFrom: z.string().optional(),
    splitTo: z.array(z.string()).optional(),
    version: z.number().int().min(1).describe('Moves on every change: the ETag, and what If-Match names.'),
    lastChange: changeSchema,
  })
  .describe('A ticket.');

/** A row of GET /tickets: the fields the list indexes carry (shared/store/table-design.ts `ticketSummaryAttributes`). */
export const ticketSummarySchema = ticketSchema.pick(Object.fromEntries(ticketSummaryAttributes.map((a) => [a, true])) as { [K in (typeof ticketSummaryAttributes)[number]]: true });

export const ticketListResponse = z.object({
  tickets: z.array(ticketSummarySchema),
  nextCursor: z.string().nullable().describe('Pass back as `cursor` for the next page; null on the last page.'),
});

const delivery = z.object({
  status: z.enum(['queued', 'sending', 'retrying', 'sent', 'failed', 'recorded']),
  attempts: z.number().int(),
  at: time,
  providerMessageId: z.string().optional(),
  reason: z.string().optional(),
  retryable: z.boolean().optional(),
  leaseUntil: time.optional(),
});

/** An agent's reply or a notification to the customer (shared/replies/reply.ts `Reply`). */
export const replySchema = z.object({
  replyId: z.string(),
  ticketId: z.string(),
  customerId: z.string(),
  direction: z.literal('outbound'),
  kind: z.enum(['reply', 'notification']),
  channel: z.string(),
  to: z.string().optional().describe("The channel's address for the customer; absent when the channel only records (voice, web)."),
  text: z.string(),
  subject: z.string(),
  inReplyTo: z.string().optional(),
  author: actor,
  createdAt: time,
  delivery,
  csatRequest: z.literal(true).optional(),
});

/** An internal note (shared/tickets/notes.ts `Note`). */
export const noteSchema = z.object({
  noteId: z.string(),
  ticketId: z.string(),
  kind: z.literal('note'),
  author: actor,
  body: z.string(),
  mentions: z.array(z.string()).describe('The agents it @mentions who exist; they became collaborators.'),
  createdAt: time,
});

/** A customer message as an agent reads it (the canonical inbound message, stored). */
export const storedMessageSchema = inboundMessage.extend({
  messageId: z.string().describe('`<channel>:<provider message id>`.'),
  ticketId: z.string(),
  customerId: z.string(),
  direction: z.literal('inbound'),
  customer: z.object({ handles: z.array(customerHandle).describe('Empty once the customer was erased.'), displayName: z.string().optional() }),
});

export const auditEntrySchema = changeSchema.extend({ ticketId: z.string() });

/** What any timeline item may also carry: where a merge moved it from, and when its content was erased. */
const timelineItem = {
  movedFrom: z.string().optional().describe('The ticket a merge or split moved it from.'),
  erasedAt: time.optional().describe("When its personal content was erased with its customer's."),
};

/** One entry of a ticket's timeline, `type` saying which (shared/tickets/timeline.ts `timelineEntryTypes`). */
export const timelineEntrySchema = z.discriminatedUnion('type', [
  storedMessageSchema.extend({ type: z.literal('message'), ...timelineItem }),
  replySchema.extend({ type: z.literal('reply'), ...timelineItem }),
  noteSchema.extend({ type: z.literal('note'), ...timelineItem }),
  auditEntrySchema.extend({ type: z.literal('audit'), ...timelineItem }),
]);

/** GET /tickets/{id}. */
export const ticketDetailResponse = z.object({
  ticket: ticketSchema,
  customer: z.object({
    customerId: z.string(),
    displayName: z.string().optional(),
    createdAt: time,
    tier: z.string().optional(),
    identities: z.array(customerHandle),
  }),
  timeline: z.array(timelineEntrySchema).describe('One page of the timeline, in the order asked.'),
  nextCursor: z.string().optional().describe('Where the next page starts (pass it as `cursor`); absent on the last page.'),
});
