import { createHash } from 'node:crypto';
import * as z from 'zod';
import { domainEvent, type DomainEvent, TicketAssigned, TicketStatusChanged, TicketUpdated } from '../../events';
import { type TicketStatus, ticketStatuses } from '../../events/ticket-status';
import { ticketFields } from '../../events/ticket-work';
import { type CustomFieldDefinition, priorities, type Priority, type SwitchboardConfig } from '../config';
import type { Change, Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { HttpProblem, parseJsonRequest, problems, storableNumber } from '../http/problem';
import type { WorkFields } from '../store/dynamodb-ticket-changes';
import { isOpen } from '../workflow/assignment';
import { isSupervisor, mayWork, moverOf } from './access';
import { allowedTransitions, mayTransition, statusTimestamps } from './lifecycle';

/** PATCH /tickets/{id}: the request, and the pure decision of what it changes. */

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^\s,]{1,64}$/u, 'must be 1 to 64 characters without spaces or commas');
const agentIdValue = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must be an agent id (their sign-in "sub"), or null to unassign');
const customValue = z.union([z.string().max(2000), storableNumber, z.boolean(), z.null()]);

export const ticketPatchRequest = z
  .strictObject({
    status: z.enum(ticketStatuses, { error: `must be one of ${ticketStatuses.join(', ')}` }).optional(),
    priority: z.enum(priorities, { error: `must be one of ${priorities.join(', ')}` }).optional(),
    category: z.string().min(1).max(64).optional(),
    /** Replaces the ticket's tags. */
    tags: z.array(tag).max(50).optional(),
    assigneeId: agentIdValue.nullable().optional(),
    /** Sets each named field; null removes it. */
    customFields: z.record(z.string(), customValue).optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: `name at least one of ${ticketFields.join(', ')}`, path: [] });
export type TicketPatch = z.infer<typeof ticketPatchRequest>;

export function parseTicketPatch(body: string | undefined): TicketPatch {
  return parseJsonRequest(body, ticketPatchRequest, '{"status": "pending", "tags": ["refund"]}', 'The ticket change is not valid.');
}

/** The assignee a patch names, as the handler found it: whether that agent exists. */
export interface AssigneeLookup {
  readonly agentId: string;
  readonly exists: boolean;
  readonly team?: string;
}

export interface PlannedUpdate {
  readonly change: Change;
  readonly set: WorkFields;
  readonly remove: (keyof WorkFields)[];
  /** The agent who newly holds the ticket, and the one who no longer does. */
  readonly assign?: string;
  readonly release?: string;
}

/** A digest of the request, kept on the change: a retried request is recognised as already applied. */
export const requestDigest = (caller: Caller, patch: TicketPatch): string =>
  `request:${createHash('sha256').update(JSON.stringify([caller.sub, canonical(patch)])).digest('hex').slice(0, 32)}`;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
  return value;
}

/**
 * What the patch changes on the ticket, or undefined when it changes nothing. Throws the problem
 * to answer: 403 when the caller may not make it, 409 for a transition the lifecycle forbids
 * (naming those it allows), 400 for a value the config does not know.
 */
export function planUpdate(ticket: Ticket, caller: Caller, patch: TicketPatch, config: SwitchboardConfig, at: string, assignee?: AssigneeLookup): PlannedUpdate | undefined {
  if (!mayWork(ticket, caller)) {
    throw problems.forbidden(`Ticket ${ticket.ticketId} is assigned to another agent. A supervisor can reassign it, or they can @mention you in a note.`);
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const set: Record<string, unknown> = {};
  const remove: (keyof WorkFields)[] = [];
  const changed = (field: string, from: unknown, to: unknown) => {
    before[field] = from ?? null;
    after[field] = to ?? null;
  };

  if (patch.status !== undefined && patch.status !== ticket.status) {
    const mover = moverOf(caller);
    if (!mayTransition(ticket.status, patch.status, mover)) throw transitionRefused(ticket.status, patch.status, allowedTransitions(ticket.status, mover));
    changed('status', ticket.status, patch.status);
    const stamps = statusTimestamps(ticket, patch.status, at);
    Object.assign(set, { status: patch.status }, stamps.set);
    remove.push(...stamps.remove.filter((f) => ticket[f] !== undefined));
  }
  if (patch.priority !== undefined && patch.priority !== ticket.priority) {
    changed('priority', ticket.priority, patch.priority);
    Object.assign(set, { priority: patch.priority, prioritySource: 'agent' });
  }
  if (patch.category !== undefined && patch.category !== ticket.category) {
    const known = [...config.triage.categories.map((c) => c.name), config.triage.defaultCategory];
    if (!known.includes(patch.category)) throw problems.badRequest('The ticket change is not valid.', [{ field: 'category', message: `must be one of ${known.join(', ')}` }]);
    changed('category', ticket.category, patch.category);
    set.category = patch.category;
  }
  if (patch.tags !== undefined) {
    const tags = [...new Set(patch.tags)].sort();
    if (JSON.stringify(tags) !== JSON.stringify([...(ticket.tags ?? [])].sort())) {
      changed('tags', ticket.tags ?? [], tags);
      set.tags = tags;
    }
  }
  let assign: string | undefined;
  let release: string | undefined;
  if (patch.assigneeId !== undefined && patch.assigneeId !== (ticket.assigneeId ?? null)) {
    checkAssignment({ ...ticket, status: patch.status ?? ticket.status }, caller, patch.assigneeId, assignee);
    changed('assigneeId', ticket.assigneeId, patch.assigneeId);
    release = ticket.assigneeId;
    if (patch.assigneeId) {
      assign = patch.assigneeId;
      Object.assign(set, { assigneeId: patch.assigneeId, assignedAt: at, ...(assignee?.team ? { team: assignee.team } : {}) });
      if (ticket.queuedAt) remove.push('queuedAt');
    } else remove.push('assigneeId', 'assignedAt', ...(ticket.team ? (['team'] as const) : []));
  }
  if (patch.customFields !== undefined) {
    const fields = customFieldsAfter(ticket.customFields ?? {}, patch.customFields, config.workspace.customFields);
    if (JSON.stringify(fields) !== JSON.stringify(sortedKeys(ticket.customFields ?? {}))) {
      changed('customFields', ticket.customFields ?? {}, fields);
      set.customFields = fields;
    }
  }
  if (Object.keys(after).length === 0) return undefined;

  const change: Change = {
    version: ticket.version + 1,
    action: 'ticket.updated',
    actor: { type: 'agent', id: caller.sub },
    at,
    cause: requestDigest(caller, patch),
    before,
    after,
  };
  return { change, set: set as WorkFields, remove, ...(assign ? { assign } : {}), ...(release ? { release } : {}) };
}

function transitionRefused(from: TicketStatus, to: TicketStatus, allowed: TicketStatus[]): HttpProblem {
  const options = allowed.length ? `From ${from} you may move it to: ${allowed.join(', ')}.` : `Nothing moves a ${from} ticket on${from === 'closed' ? ': the customer\'s next message opens a new ticket' : ''}.`;
  return problems.conflict('transition-not-allowed', 'This status change is not allowed', `A ticket cannot go from ${from} to ${to} by your hand. ${options}`, { from, to, allowed });
}

/**
 * Agents take an unassigned ticket or give theirs back; supervisors give any open ticket to any
 * agent (beyond the agent's capacity if they must: a supervisor's call) or unassign it.
 */
function checkAssignment(ticket: Ticket, caller: Caller, to: string | null, assignee: AssigneeLookup | undefined): void {
  if (!isOpen(ticket)) {
    throw problems.conflict('ticket-not-open', 'The ticket is not open', `Ticket ${ticket.ticketId} is ${ticket.status}: only open tickets are assigned. Reopen it first (status: open).`, { ticketStatus: ticket.status });
  }
  if (!isSupervisor(caller)) {
    const takes = to === caller.sub && !ticket.assigneeId;
    const givesBack = to === null && ticket.assigneeId === caller.sub;
    if (!takes && !givesBack) throw problems.forbidden('Agents may take an unassigned ticket (assigneeId: your id) or give theirs back (assigneeId: null); reassigning is for supervisors.');
  }
  if (to !== null && !(assignee?.agentId === to && assignee.exists)) {
    throw problems.badRequest('The ticket change is not valid.', [{ field: 'assigneeId', message: `there is no agent ${to}; GET /agents lists them` }]);
  }
}

function customFieldsAfter(current: Readonly<Record<string, string | number | boolean>>, patch: Record<string, string | number | boolean | null>, definitions: Readonly<Record<string, CustomFieldDefinition>>) {
  const errors: { field: string; message: string }[] = [];
  const next: Record<string, string | number | boolean> = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    const field = `customFields.${name}`;
    const definition = Object.hasOwn(definitions, name) ? definitions[name] : undefined;
    if (!definition) {
      errors.push({ field, message: `is not a custom field; configured: ${Object.keys(definitions).join(', ') || 'none (config workspace.customFields)'}` });
      continue;
    }
    if (value === null) {
      delete next[name];
      continue;
    }
    const problem = customFieldProblem(definition, value);
    if (problem) errors.push({ field, message: problem });
    else next[name] = value;
  }
  if (errors.length) throw problems.badRequest('Some custom fields are not valid.', errors);
  return sortedKeys(next);
}

function customFieldProblem(definition: CustomFieldDefinition, value: string | number | boolean): string | undefined {
  switch (definition.type) {
    case 'text':
      return typeof value === 'string' && value.length <= definition.maxLength ? undefined : `must be text of at most ${definition.maxLength} characters`;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (definition.min !== undefined && value < definition.min) return `must be at least ${definition.min}`;
      if (definition.max !== undefined && value > definition.max) return `must be at most ${definition.max}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'choice':
      return typeof value === 'string' && definition.values.includes(value) ? undefined : `must be one of ${definition.values.join(', ')}`;
  }
}

const sortedKeys = <T>(record: Readonly<Record<string, T>>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * The events of an applied update, rebuilt from its recorded change alone, so a retry that finds
 * the change already applied publishes the very same events (same ids).
 */
export function updateEvents(ticket: Ticket, change: Change): DomainEvent[] {
  const { before, after } = change as { before: Record<string, unknown>; after: Record<string, unknown> };
  const base = { version: 1 as const, occurredAt: change.at, ticketId: ticket.ticketId, customerId: ticket.customerId };
  const id = `${ticket.ticketId}:v${change.version}`;
  const fields = ticketFields.filter((f) => f in after);
  const events: DomainEvent[] = [];
  if ('status' in after) {
    events.push(domainEvent(TicketStatusChanged, { ...base, eventId: id, from: before.status as TicketStatus, to: after.status as TicketStatus, actor: change.actor }));
  }
  if (typeof after.assigneeId === 'string') {
    events.push(
      domainEvent(TicketAssigned, {
        ...base,
        eventId: `${id}:assigned`,
        agentId: after.assigneeId,
        ...(typeof before.assigneeId === 'string' ? { previousAgentId: before.assigneeId } : {}),
        reason: 'manual',
        priority: (ticket.priority ?? 'normal') as Priority,
        requiredSkills: [...(ticket.requiredSkills ?? [])],
        waitedMs: Math.max(0, Date.parse(change.at) - Date.parse(ticket.sla?.startedAt ?? ticket.createdAt)),
      }),
    );
  }
  const status = (after.status ?? ticket.status) as TicketStatus;
  const routingChanged = isOpen({ status }) && ('priority' in after || 'category' in after || ('assigneeId' in after && after.assigneeId === null));
  events.push(
    domainEvent(TicketUpdated, {
      ...base,
      eventId: `${id}:updated`,
      actor: { type: 'agent', id: change.actor.id },
      fields,
      status,
      ...(ticket.priority ? { priority: ticket.priority } : {}),
      ...(ticket.category ? { category: ticket.category } : {}),
      ...(ticket.assigneeId ? { assigneeId: ticket.assigneeId } : {}),
      routingChanged,
    }),
  );
  return events;
}
