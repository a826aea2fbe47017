import * as z from 'zod';
import { domainEvent, type DomainEvent, MessageReceived, TicketMerged, TicketSplit, TicketStatusChanged } from '../../events';
import { type TicketStatus, ticketStatuses } from '../../events/ticket-status';
import type { SwitchboardConfig } from '../config';
import { splitTicketIdFor } from '../domain/identity';
import { type Change, messageKeyOf, subjectOf, type Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { type HttpProblem, parseJsonRequest, problems } from '../http/problem';
import type { WorkFields } from '../store/dynamodb-ticket-changes';
import { maySee, mayWork, noSuchTicket } from './access';
import { statusTimestamps } from './lifecycle';
import { ticketIdPattern } from './ticket-detail';
import { entryTypeOf } from './timeline';

/**
 * Merging two tickets of one customer that are one conversation, and splitting a message out of a
 * ticket into a new one: the pure decisions. The service (merge-tickets.ts) runs the steps, each
 * idempotent, so a retried request finishes what a crash cut short.
 */

// Requests and answers

const ticketId = z.string().regex(ticketIdPattern, 'must be a ticket id: "tkt_" followed by 16 hex digits');

export const ticketMergeRequest = z.strictObject({
  /** The ticket to fold into the one in the path; it is closed, pointing there (`mergedInto`). */
  sourceTicketId: ticketId,
});
export type TicketMergeRequest = z.infer<typeof ticketMergeRequest>;

export function parseTicketMergeRequest(body: string | undefined): TicketMergeRequest {
  return parseJsonRequest(body, ticketMergeRequest, '{"sourceTicketId": "tkt_9a0c3e71d2b45f68"}', 'The merge request is not valid.');
}

export const ticketSplitRequest = z.strictObject({
  /** A customer message on the ticket (`<channel>:<provider message id>`, as the timeline shows it). */
  messageId: z
    .string()
    .max(600)
    .regex(/^[a-z][a-z0-9-]{0,31}:\S/, 'must be a customer message id as the ticket\'s timeline shows it, like "web:msg-77a1c0"'),
});
export type TicketSplitRequest = z.infer<typeof ticketSplitRequest>;

export function parseTicketSplitRequest(body: string | undefined): TicketSplitRequest {
  return parseJsonRequest(body, ticketSplitRequest, '{"messageId": "web:msg-77a1c0"}', 'The split request is not valid.');
}

export const movedCounts = z.object({
  messages: z.number().int().nonnegative(),
  replies: z.number().int().nonnegative(),
  notes: z.number().int().nonnegative(),
});
export type MovedCounts = z.infer<typeof movedCounts>;

/** The ticket as these answers show it: what merging and splitting set, and the rest as stored. */
export const mergedTicketSchema = z.looseObject({
  ticketId,
  customerId: z.string(),
  status: z.enum(ticketStatuses),
  version: z.number().int(),
  mergedFrom: z.array(ticketId).readonly().optional(),
  mergedInto: ticketId.optional(),
  splitFrom: ticketId.optional(),
  splitTo: z.array(ticketId).readonly().optional(),
});

export const ticketMergeResponse = z.object({
  /** The target, after the merge. */
  ticket: mergedTicketSchema,
  sourceTicketId: ticketId,
  /** What moved from the source, in all (a retried request answers the same). */
  moved: movedCounts,
});
export type TicketMergeResponse = z.infer<typeof ticketMergeResponse>;
/** What a merge answers, before it is JSON. */
export type MergeOutcome = Omit<TicketMergeResponse, 'ticket'> & { readonly ticket: Ticket };

export const ticketSplitResponse = z.object({
  /** The new ticket. */
  ticket: mergedTicketSchema,
  sourceTicketId: ticketId,
  messageId: z.string(),
});
export type TicketSplitResponse = z.infer<typeof ticketSplitResponse>;
export type SplitOutcome = Omit<TicketSplitResponse, 'ticket'> & { readonly ticket: Ticket };

// Merge

export type MergeStart = { readonly kind: 'start' } | { readonly kind: 'resume' };

const mergeRefused = (title: string, detail: string, extensions: Record<string, unknown> = {}) => problems.conflict('merge-not-allowed', title, detail, extensions);

/** Why `target` cannot take `source`'s conversation now, if it cannot. */
export function targetProblem(target: Ticket, source: Ticket): HttpProblem | undefined {
  const id = target.ticketId;
  if (target.mergedInto) return mergeRefused('The target was merged into another ticket', `Ticket ${id} was merged into ${target.mergedInto}: merge into that one instead.`, { mergedInto: target.mergedInto });
  if (target.mergingInto) {
    return mergeRefused('The target is being merged into another ticket', `Ticket ${id} is being merged into ${target.mergingInto}: merge into that one instead.`, { mergingInto: target.mergingInto });
  }
  if (target.erasedAt) return mergeRefused('The target was erased', `Ticket ${id}'s customer was erased; nothing can be merged into it.`);
  if (target.status === 'closed') return mergeRefused('The target is closed', `Ticket ${id} is closed, and closed tickets take nothing more. Merge it the other way round, or into another open ticket.`, { ticketStatus: 'closed' });
  if (target.customerId !== source.customerId) {
    return problems.conflict(
      'different-customers',
      'The tickets belong to different customers',
      `Ticket ${source.ticketId} belongs to customer ${source.customerId}, ticket ${id} to ${target.customerId}. If they are one person, merge the customers first: POST /customers/${target.customerId}/merge with {"sourceCustomerId": "${source.customerId}"} (a supervisor's call); their tickets then belong to one customer.`,
      { customerId: target.customerId, sourceCustomerId: source.customerId, merge: { method: 'POST', path: `/customers/${target.customerId}/merge`, body: { sourceCustomerId: source.customerId } } },
    );
  }
  return undefined;
}

/**
 * Whether `source` may be merged into `target`: both exist and the caller sees them, they are two
 * tickets of one customer, neither closed nor taking part in another merge. A source already being
 * merged (or merged) into this target is a merge to finish, not a conflict: a retry after a crash.
 */
export function checkMerge(targetId: string, sourceId: string, target: Ticket | undefined, source: Ticket | undefined, caller: Caller, config: SwitchboardConfig): MergeStart {
  if (sourceId === targetId) throw problems.badRequest('A ticket cannot be merged into itself.', [{ field: 'sourceTicketId', message: 'is the ticket in the path; name the other ticket, the one to fold into this one' }]);
  if (!target || !maySee(target, caller, config)) throw noSuchTicket(targetId);
  if (!source || !maySee(source, caller, config)) throw problems.notFound(`There is no ticket ${sourceId} (sourceTicketId) to merge.`);
  if (source.mergedInto === targetId || source.mergingInto === targetId) return { kind: 'resume' };
  if (source.mergedInto) throw mergeRefused('The source was already merged', `Ticket ${sourceId} was merged into ${source.mergedInto} already.`, { mergedInto: source.mergedInto });
  if (source.mergingInto) {
    throw mergeRefused('The source is being merged into another ticket', `Ticket ${sourceId} is being merged into ${source.mergingInto}; that merge is finished by repeating its request.`, { mergingInto: source.mergingInto });
  }
  const problem = targetProblem(target, source);
  if (problem) throw problem;
  if (source.erasedAt) throw mergeRefused('The source was erased', `Ticket ${sourceId}'s customer was erased; there is nothing to merge.`);
  if (source.status === 'closed') throw mergeRefused('The source is closed', `Ticket ${sourceId} is closed; closed tickets stay as they are.`, { ticketStatus: 'closed' });
  return { kind: 'start' };
}

/** Timeline items that move with a merge: the conversation (customer messages, replies and notifications) and notes. Audit entries stay. */
export const movesWithMerge = (pk: string): boolean => {
  const type = entryTypeOf(pk);
  return type === 'message' || type === 'reply' || type === 'note';
};

/** What moved, by kind, from the keys of the moved items. */
export function countMoved(pks: readonly string[]): MovedCounts {
  const counts = { messages: 0, replies: 0, notes: 0 };
  for (const pk of pks) {
    const type = entryTypeOf(pk);
    if (type === 'message') counts.messages++;
    else if (type === 'reply') counts.replies++;
    else if (type === 'note') counts.notes++;
  }
  return counts;
}

export interface PlannedChange {
  readonly change: Change;
  readonly set: WorkFields;
  readonly remove: (keyof WorkFields)[];
}

const agentActor = (caller: Caller) => ({ type: 'agent' as const, id: caller.sub });

/**
 * The source's last change: closed, pointing at the target. Closing bypasses the lifecycle's
 * edges on purpose: the conversation is not finished, it goes on in the target.
 */
export function closeMergedSource(source: Ticket, targetId: string, caller: Caller, at: string, moved: MovedCounts): PlannedChange {
  const closing = source.status !== 'closed';
  const stamps = statusTimestamps(source, 'closed', at);
  return {
    change: {
      version: source.version + 1,
      action: 'ticket.merged',
      actor: agentActor(caller),
      at,
      before: { status: source.status, mergedInto: null },
      after: { status: 'closed', mergedInto: targetId, moved },
    },
    set: { mergedInto: targetId, ...(closing ? { status: 'closed' as const, ...stamps.set } : {}) },
    remove: source.mergingInto !== undefined ? ['mergingInto'] : [],
  };
}

/** The target's record of the merge: the source joins `mergedFrom`. */
export function recordMergeOnTarget(target: Ticket, sourceId: string, caller: Caller, at: string, moved: MovedCounts): PlannedChange {
  const before = [...(target.mergedFrom ?? [])];
  const mergedFrom = [...before, sourceId];
  return {
    change: { version: target.version + 1, action: 'ticket.merged', actor: agentActor(caller), at, before: { mergedFrom: before }, after: { mergedFrom, sourceTicketId: sourceId, moved } },
    set: { mergedFrom },
    remove: [],
  };
}

/** Whether the change is the source's closing by merging it into `targetId`. */
export const isClosingFor = (change: Change, targetId: string): boolean => change.action === 'ticket.merged' && change.after.mergedInto === targetId;

/** Whether the change is the target's record of merging `sourceId` (a retry may find it written without its audit entry). */
export const isMergeRecordOf = (change: Change, sourceId: string): boolean => change.action === 'ticket.merged' && change.after.sourceTicketId === sourceId;

/** Agents who worked the source and keep seeing its conversation on the target: its assignee and collaborators. */
export function inheritedCollaborators(source: Ticket, target: Ticket): string[] {
  const already = new Set([...(target.assigneeId ? [target.assigneeId] : []), ...(target.collaborators ?? [])]);
  return [...new Set([...(source.assigneeId ? [source.assigneeId] : []), ...(source.collaborators ?? [])])].filter((id) => !already.has(id));
}

/**
 * The merge's events, from what was recorded, so a retry publishes the very same ones: the source's
 * closing (which frees its agent and ends its workflow), then TicketMerged.
 */
export function mergeEvents(source: Ticket, closing: Change, target: Ticket, moved: MovedCounts): DomainEvent[] {
  const base = { version: 1 as const, occurredAt: closing.at, customerId: target.customerId };
  const from = closing.before?.status as TicketStatus | undefined;
  return [
    ...(from && from !== 'closed'
      ? [domainEvent(TicketStatusChanged, { ...base, eventId: `${source.ticketId}:v${closing.version}`, customerId: source.customerId, ticketId: source.ticketId, from, to: 'closed', actor: closing.actor })]
      : []),
    domainEvent(TicketMerged, {
      ...base,
      eventId: `${source.ticketId}:merged-into:${target.ticketId}`,
      ticketId: target.ticketId,
      sourceTicketId: source.ticketId,
      actor: { type: 'agent', id: closing.actor.id },
      moved,
    }),
  ];
}

// Split

/** A stored timeline message, as a split reads it. */
export interface SplitMessage {
  readonly messageId: string;
  readonly ticketId: string;
  readonly channel: string;
  /** `inbound` for a customer message; sent replies' aliases have none. */
  readonly direction?: string;
  readonly text?: string;
  readonly attachments?: readonly unknown[];
  readonly sentAt?: string;
  readonly receivedAt: string;
  readonly movedFrom?: string;
}

export type SplitStart = { readonly kind: 'start'; readonly newTicketId: string } | { readonly kind: 'resume'; readonly newTicketId: string };

const splitRefused = (title: string, detail: string, extensions: Record<string, unknown> = {}) => problems.conflict('split-not-allowed', title, detail, extensions);

/**
 * Whether the caller may split `messageId` out of the ticket: they work it (a supervisor, or its
 * agent), and the message is a customer message on it. A message already split out of it into the
 * ticket this split makes is a split to finish (a retry), not a mistake.
 */
export function checkSplit(sourceId: string, source: Ticket | undefined, messageId: string, message: SplitMessage | undefined, caller: Caller, config: SwitchboardConfig): SplitStart {
  if (!source || !maySee(source, caller, config)) throw noSuchTicket(sourceId);
  if (!mayWork(source, caller)) throw problems.forbidden(`Ticket ${sourceId} is assigned to another agent: its agent or a supervisor splits it.`);
  // The ticket this split makes: the first of the message's split ids the ticket has not split into
  // before (one split off, merged back and split off again is a new ticket, not the closed one).
  const earlier = source.splitTo ?? [];
  const candidates = Array.from({ length: earlier.length + 1 }, (_, generation) => splitTicketIdFor(sourceId, messageId, generation));
  if (message && message.movedFrom === sourceId && candidates.includes(message.ticketId)) return { kind: 'resume', newTicketId: message.ticketId };
  const newTicketId = candidates.find((id) => !earlier.includes(id))!;
  if (!message || message.direction !== 'inbound' || message.ticketId !== sourceId) {
    throw problems.badRequest('The message is not one of this ticket\'s customer messages.', [
      { field: 'messageId', message: `is not a customer message on ticket ${sourceId}; GET /tickets/${sourceId} lists them (entries of type message)` },
    ]);
  }
  if (source.status === 'closed') throw splitRefused('The ticket is closed', `Ticket ${sourceId} is closed; closed tickets stay as they are.`, { ticketStatus: 'closed' });
  if (source.erasedAt) throw splitRefused('The ticket was erased', `Ticket ${sourceId}'s customer was erased.`);
  if (source.mergingInto) throw splitRefused('The ticket is being merged', `Ticket ${sourceId} is being merged into ${source.mergingInto}; split the message there once the merge is done.`, { mergingInto: source.mergingInto });
  return { kind: 'start', newTicketId };
}

/** The new ticket a split makes: open, for the same customer, its subject, channel and latest message from the message. */
export function splitTicketOf(source: Ticket, message: SplitMessage, newTicketId: string, caller: Caller, at: string): Ticket {
  return {
    ticketId: newTicketId,
    customerId: source.customerId,
    status: 'open',
    channel: message.channel,
    lastChannel: message.channel,
    subject: subjectOf(message.text ?? '', message.attachments?.length ?? 0),
    createdAt: at,
    updatedAt: at,
    lastMessageKey: messageKeyOf(message.receivedAt, message.messageId),
    splitFrom: source.ticketId,
    version: 1,
    lastChange: {
      version: 1,
      action: 'ticket.split',
      actor: agentActor(caller),
      at,
      cause: message.messageId,
      before: null,
      after: { status: 'open', channel: message.channel, customerId: source.customerId, splitFrom: source.ticketId, messageId: message.messageId },
    },
  };
}

/** The source's record of the split: the new ticket joins `splitTo`. */
export function recordSplitOnSource(source: Ticket, newTicketId: string, messageId: string, caller: Caller, at: string): PlannedChange {
  const before = [...(source.splitTo ?? [])];
  const splitTo = [...before, newTicketId];
  return {
    change: { version: source.version + 1, action: 'ticket.split', actor: agentActor(caller), at, cause: messageId, before: { splitTo: before }, after: { splitTo, ticketId: newTicketId, messageId } },
    set: { splitTo },
    remove: [],
  };
}

/**
 * The split's events: TicketSplit, and the message received on the new ticket, which is what
 * triages it (and so routes it: triage's TicketTriaged starts its workflow) as ingest's would.
 */
export function splitEvents(ticket: Ticket, message: SplitMessage): DomainEvent[] {
  const change = ticket.lastChange;
  const base = { version: 1 as const, occurredAt: ticket.createdAt, ticketId: ticket.ticketId, customerId: ticket.customerId, messageId: message.messageId, channel: message.channel };
  return [
    domainEvent(TicketSplit, { ...base, eventId: `${ticket.ticketId}:split`, sourceTicketId: ticket.splitFrom!, actor: { type: 'agent', id: change.actor.id } }),
    domainEvent(MessageReceived, {
      ...base,
      eventId: `${message.messageId}:received:${ticket.ticketId}`,
      placement: 'created',
      sentAt: message.sentAt ?? message.receivedAt,
      receivedAt: message.receivedAt,
      textLength: message.text?.length ?? 0,
      attachmentCount: message.attachments?.length ?? 0,
    }),
  ];
}
