import { CsatRecorded, CsatRequested, type DomainEvent, domainEvent } from '../../events';
import type { Ticket } from '../domain/ticket';
import { problems } from '../http/problem';
import type { EventPublisher } from '../ingest/ports';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import { type CsatScore, csatChange, customerCsatOf, decideLink, hashToken, type LinkDecision, linkFor, type TicketCsat, tokenPattern } from './csat';
import type { ReplyDecision } from './keyword';
import type { CsatStore } from './ports';

/**
 * Recording a score, by link or by reply, and making a request's link. The ticket's `ticket.csat`
 * change is the gate: exactly one score gets past it, and everything else (the customer's item,
 * the agent's counters, CsatRecorded) is derived from the ticket: by its recorder, or by a retry
 * that finds it not yet settled.
 */

export interface CsatDeps {
  readonly store: CsatStore;
  readonly tickets: TicketChanges;
  readonly publisher: EventPublisher;
  readonly now: () => Date;
}

export interface CsatAnswer {
  readonly score: CsatScore;
  readonly comment?: string;
}

/** Attempts at recording while other changes to the ticket keep moving its version. */
const MAX_ATTEMPTS = 8;

/** The same answer for a token that never existed, one that expired and one a newer request replaced. */
export const linkNotFound = () => problems.notFound('This satisfaction link is not valid or has expired.');
export const alreadyScored = () => problems.conflict('already-scored', 'Already answered', 'This request has already been answered. Thank you!');

/** What a link would do now (GET /csat/{token} shows the form only for `record`); records nothing. */
export async function linkState(deps: Pick<CsatDeps, 'store' | 'tickets' | 'now'>, token: string): Promise<LinkDecision> {
  if (!tokenPattern.test(token)) return 'unknown';
  const record = await deps.store.token(hashToken(token));
  const ticket = record && (await deps.tickets.getTicket(record.ticketId));
  return decideLink(record, ticket, deps.now().toISOString());
}

/** A score by the request's link (POST /csat/{token}): recorded once; 404 for a link that does not work (any more), 409 once scored. */
export async function scoreByLink(deps: CsatDeps, token: string, answer: CsatAnswer): Promise<{ ticketId: string; csat: TicketCsat }> {
  if (!tokenPattern.test(token)) throw linkNotFound();
  const record = await deps.store.token(hashToken(token));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const ticket = record && (await deps.tickets.getTicket(record.ticketId));
    const now = deps.now().toISOString();
    const decision = decideLink(record, ticket, now);
    if (decision === 'unknown') throw linkNotFound();
    if (decision === 'scored') {
      // Whoever recorded it may have stopped before the rest: finish it, then say so.
      await settle(deps, ticket!);
      throw alreadyScored();
    }
    const agentId = ticket!.csatRequest?.agentId ?? record!.agentId;
    const csat: TicketCsat = { score: answer.score, ...(answer.comment ? { comment: answer.comment } : {}), at: now, via: 'link', ...(agentId ? { agentId } : {}) };
    const updated = await deps.tickets.change(ticket!, csatChange(ticket!, csat), { csat });
    if (updated) {
      await settle(deps, updated);
      return { ticketId: updated.ticketId, csat };
    }
  }
  throw new Error(`the score for ticket ${record!.ticketId} could not be recorded after ${MAX_ATTEMPTS} contended attempts`);
}

/**
 * A score by reply (ingest): recorded on the ticket by the message that carries it, at the
 * message's time, so a retry of the message records the same. Undefined if the ticket moved on
 * meanwhile (read it again and decide again).
 */
export async function scoreByReply(deps: CsatDeps, ticket: Ticket, decision: ReplyDecision, messageId: string, receivedAt: string): Promise<Ticket | undefined> {
  if (decision.kind === 'recorded') {
    await settle(deps, ticket);
    return ticket;
  }
  const agentId = ticket.csatRequest?.agentId;
  const csat: TicketCsat = { score: decision.score, ...(decision.comment ? { comment: decision.comment } : {}), at: receivedAt, via: 'reply', ...(agentId ? { agentId } : {}), messageId };
  const updated = await deps.tickets.change(ticket, csatChange(ticket, csat), { csat });
  if (updated) await settle(deps, updated);
  return updated;
}

/** How long a settler holds a score: longer than any function that settles may run. */
const SETTLE_LEASE_MS = 60_000;

/**
 * What a recorded score leads to: the customer's item, the agent's counters, CsatRecorded. One
 * settler at a time (a lease on the customer's item), so concurrent answers publish once; a
 * settler that stopped midway is taken over by a retry after its lease, and the agent's counters
 * are guarded besides, so nothing is counted twice.
 */
export async function settle(deps: CsatDeps, ticket: Ticket): Promise<void> {
  const csat = ticket.csat;
  if (!csat) return;
  const now = deps.now();
  if (!(await deps.store.claimSettling(customerCsatOf(ticket, csat), now.toISOString(), new Date(now.getTime() + SETTLE_LEASE_MS).toISOString()))) return;
  if (csat.agentId) await deps.store.countForAgent(csat.agentId, ticket.ticketId, csat.score, csat.at, now);
  await deps.publisher.publish([recordedEvent(ticket, csat)]);
  await deps.store.markSettled(ticket.ticketId);
}

export function recordedEvent(ticket: Pick<Ticket, 'ticketId' | 'customerId'>, csat: TicketCsat): DomainEvent {
  return domainEvent(CsatRecorded, {
    eventId: `${ticket.ticketId}:csat`,
    version: 1,
    occurredAt: csat.at,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    ...(csat.agentId ? { agentId: csat.agentId } : {}),
    score: csat.score,
    via: csat.via,
    commented: csat.comment !== undefined,
    ...(csat.messageId ? { messageId: csat.messageId } : {}),
  });
}

export function requestedEvent(reply: { replyId: string; ticketId: string; customerId: string; channel: string }, sent: boolean, at: string): DomainEvent {
  return domainEvent(CsatRequested, {
    eventId: `${reply.replyId}:csat-requested`,
    version: 1,
    occurredAt: at,
    ticketId: reply.ticketId,
    customerId: reply.customerId,
    replyId: reply.replyId,
    channel: reply.channel,
    sent,
  });
}

export interface CsatLinkDeps {
  readonly store: CsatStore;
  readonly lifetimeMs: number;
  /** The API's base URL (or the configured one) the link points into. */
  readonly linkBase: () => string;
  readonly newToken: () => string;
  readonly now: () => Date;
}

/**
 * A fresh link for a request about to be sent: the request is marked linked (and valid until the
 * token expires) if it is still the ticket's current, unscored one, then the token's hash is
 * stored. The token itself exists only in the text that goes to the customer. Undefined: the
 * request was answered or replaced meanwhile, so it should not go out.
 */
export async function mintLink(deps: CsatLinkDeps, reply: { replyId: string; ticketId: string; customerId: string }): Promise<string | undefined> {
  const base = deps.linkBase();
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.lifetimeMs).toISOString();
  const request = await deps.store.linkRequest(reply.ticketId, reply.replyId, now.toISOString(), expiresAt);
  if (!request) return undefined;
  const token = deps.newToken();
  await deps.store.saveToken({
    tokenHash: hashToken(token),
    ticketId: reply.ticketId,
    customerId: reply.customerId,
    ...(request.agentId ? { agentId: request.agentId } : {}),
    replyId: reply.replyId,
    expiresAt,
  });
  return linkFor(base, token);
}
