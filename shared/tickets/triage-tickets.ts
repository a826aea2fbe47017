import { domainEvent, type DomainEvent, TicketTriaged } from '../../events';
import { durationToMs, type Priority, priorities, type SwitchboardConfig } from '../config';
import type { Change, Ticket } from '../domain/ticket';
import type { EventPublisher } from '../ingest/ports';
import type { TriageReads } from '../store/dynamodb-triage-reads';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import type { TicketMergeStore } from '../store/dynamodb-ticket-merge';
import { AnalyzerUnavailableError, type TextAnalysis, type TextAnalyzer } from '../triage/analyzer';
import { detectLanguage } from '../triage/language';
import { pendingTriage, type Triage, triage } from '../triage/triage';

/** A stored customer message to triage (from its MessageReceived event). */
export interface TriageRequest {
  readonly ticketId: string;
  readonly customerId: string;
  readonly messageId: string;
  readonly channel: string;
  readonly receivedAt: string;
}

export interface TriageDeps {
  readonly reads: TriageReads;
  readonly tickets: TicketChanges;
  readonly analyzer: TextAnalyzer;
  readonly publisher: EventPublisher;
  readonly config: SwitchboardConfig;
  readonly now: () => Date;
  /** Moves a message that reached a ticket merged meanwhile on to where it went; without it, messages are triaged where they are. */
  readonly merges?: Pick<TicketMergeStore, 'moveMessage'>;
}

export interface TriageOutcome {
  /** Messages whose tickets could not be triaged now: their queue retries them. */
  readonly retry: ReadonlySet<string>;
  /** The analyzer was unavailable (throttled or down) or refused the request. */
  readonly unavailable?: 'throttled' | 'down' | 'failed';
  readonly triaged: readonly Triage[];
}

const ATTEMPTS = 5;
const rank = (p: Priority) => priorities.indexOf(p);

/**
 * Triages the tickets of a batch of messages: one document per ticket (its messages in this batch,
 * in order), analyzed in one go so the analyzer can batch its calls. When the analyzer is
 * unavailable, tickets not yet triaged get defaults tagged triage:pending (so routing goes on) and
 * every message is retried.
 */
export async function triageMessages(deps: TriageDeps, requests: readonly TriageRequest[]): Promise<TriageOutcome> {
  const byTicket = new Map<string, TriageRequest[]>();
  for (const r of [...requests].sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : 1))) byTicket.set(r.ticketId, [...(byTicket.get(r.ticketId) ?? []), r]);
  const { tickets, texts, tiers } = await deps.reads.load([...byTicket.keys()], requests.map((r) => r.messageId), requests.map((r) => r.customerId));
  if (deps.merges) await followMerges(deps, deps.merges, byTicket, tickets);

  const work = [...byTicket.entries()].filter(([ticketId]) => tickets.has(ticketId));
  const docs = work.map(([ticketId, rs]) => ({ id: ticketId, text: rs.map((r) => texts.get(r.messageId) ?? '').filter(Boolean).join('\n') }));
  let analyses: TextAnalysis[];
  try {
    analyses = await deps.analyzer.analyze(docs.filter((d) => d.text));
  } catch (error) {
    // Whatever went wrong with the analyzer (throttled, down, refused), no ticket waits on it.
    for (const [i, [ticketId, rs]] of work.entries()) {
      const ticket = tickets.get(ticketId)!;
      const text = docs[i]!.text;
      const guess = detectLanguage(text, deps.config.triage.defaultLanguage);
      const language = guess.source === 'undecided' ? deps.config.triage.defaultLanguage : guess.language;
      // Keyword rules need no analyzer: "lawyer" is critical even now.
      if (!ticket.triage) await record(deps, ticket, rs, pendingTriage(rs.at(-1)!.channel, deps.config.triage, language, text), tiers.get(ticket.customerId));
      else await republishIfRecorded(deps, ticket, rs);
    }
    const reason = error instanceof AnalyzerUnavailableError ? (error.throttled ? 'throttled' : 'down') : 'failed';
    return { retry: new Set(requests.map((r) => r.messageId)), unavailable: reason, triaged: [] };
  }

  const byId = new Map(analyses.map((a) => [a.id, a]));
  const triaged: Triage[] = [];
  const within = durationToMs(deps.config.triage.repeatContacts.within);
  for (const [i, [ticketId, rs]] of work.entries()) {
    const ticket = tickets.get(ticketId)!;
    const latest = rs.at(-1)!;
    const recorded = ticket.triage && !ticket.triage.pending && rs.every((r) => ticket.triage!.messageIds.includes(r.messageId));
    // Older than what the ticket's triage already reflects (a redelivery overtaken by newer messages).
    const stale = ticket.triage && !ticket.triage.pending && latest.receivedAt < ticket.triage.lastReceivedAt;
    if (recorded || stale) {
      await republishIfRecorded(deps, ticket, rs);
      continue;
    }
    const since = new Date(Date.parse(latest.receivedAt) - within).toISOString();
    const analysis: TextAnalysis = byId.get(ticketId) ?? { id: ticketId, language: ticket.language ?? deps.config.triage.defaultLanguage, languageSource: 'default' };
    const tier = tiers.get(ticket.customerId);
    const result = triage(
      { channel: latest.channel, text: docs[i]!.text, analysis, ...(tier ? { customerTier: tier } : {}), recentMessageCount: await deps.reads.messagesSince(ticketId, since) },
      deps.config.triage,
    );
    await record(deps, ticket, rs, result, tier);
    triaged.push(result);
  }
  return { retry: new Set(), triaged };
}

/** Tickets merged into tickets merged in turn that a message follows at most. */
const MAX_MERGE_HOPS = 3;

/**
 * A message recorded on a ticket while it was being merged into another (its placement began
 * before the merge, its recording ended after the merge had moved the conversation) goes where the
 * conversation went, and is triaged there. Rare, so the tickets it goes to are read one at a time.
 */
async function followMerges(deps: TriageDeps, merges: Pick<TicketMergeStore, 'moveMessage'>, byTicket: Map<string, TriageRequest[]>, tickets: Map<string, Ticket>): Promise<void> {
  for (const [ticketId, rs] of [...byTicket]) {
    let to = ticketId;
    for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
      const onward = tickets.get(to)?.mergedInto ?? tickets.get(to)?.mergingInto;
      if (!onward) break;
      to = onward;
      const next = tickets.get(to) ?? (await deps.tickets.getTicket(to));
      if (next) tickets.set(to, next);
    }
    if (to === ticketId) continue;
    // Each move is conditional on the message still being where it was: one the merge moved stays put.
    for (const r of rs) await merges.moveMessage(r.messageId, ticketId, to);
    byTicket.delete(ticketId);
    byTicket.set(to, [...(byTicket.get(to) ?? []), ...rs.map((r) => ({ ...r, ticketId: to }))].sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : 1)));
  }
}

/**
 * The ticket's latest change is the triage of these messages: a previous attempt recorded it and
 * may have failed before publishing, so its event goes out again (same id; consumers drop repeats).
 */
async function republishIfRecorded(deps: TriageDeps, ticket: Ticket, requests: readonly TriageRequest[]): Promise<void> {
  const change = ticket.lastChange;
  if (change.action !== 'ticket.triaged' || !requests.some((r) => r.messageId === change.cause)) return;
  await deps.publisher.publish([triagedEvent(ticket, change)]);
}

/** Writes a triage on the ticket (re-reading it while others change it) and publishes TicketTriaged. */
async function record(deps: TriageDeps, given: Ticket, requests: readonly TriageRequest[], result: Triage, tier: string | undefined): Promise<void> {
  let ticket: Ticket | undefined = given;
  const previousAgentId = given.triage || given.previousAgentId ? given.previousAgentId : await deps.reads.previousAgent(given.customerId, given.ticketId);
  for (let attempt = 0; attempt < ATTEMPTS && ticket; attempt++) {
    const priority = priorityAfter(ticket, result.urgency);
    // A category once found stays; a later message may still find one for a ticket that had none.
    const category = ticket.category && ticket.category !== deps.config.triage.defaultCategory ? ticket.category : result.category;
    const tags = [...result.tags.filter((t) => !t.startsWith('category:')), `category:${category}`].sort();
    const at = deps.now().toISOString();
    const change: Change = {
      version: ticket.version + 1,
      action: 'ticket.triaged',
      actor: { type: 'system', id: 'triage' },
      at,
      cause: requests.at(-1)!.messageId,
      before: ticket.triage
        ? { urgency: ticket.urgency ?? null, priority: ticket.priority ?? null, category: ticket.category ?? null, language: ticket.language ?? null }
        : null,
      after: { urgency: result.urgency, priority, category, language: result.language, ...(result.sentiment ? { sentiment: result.sentiment } : {}), reasons: result.reasons },
    };
    const written = await deps.tickets.change(ticket, change, {
      priority,
      prioritySource: ticket.prioritySource === 'agent' || (ticket.prioritySource === 'escalation' && priority !== result.urgency) ? ticket.prioritySource : 'triage',
      urgency: result.urgency,
      category,
      language: result.language,
      tags,
      ...(tier ? { tier } : {}),
      ...(previousAgentId ? { previousAgentId } : {}),
      triage: {
        at,
        messageIds: requests.map((r) => r.messageId),
        lastReceivedAt: requests.at(-1)!.receivedAt,
        ...(result.sentiment ? { sentiment: result.sentiment } : {}),
        ...(result.scores ? { scores: result.scores } : {}),
        reasons: result.reasons,
        ...(result.pending ? { pending: true as const } : {}),
      },
    });
    if (written) {
      await deps.publisher.publish([triagedEvent(written, change)]);
      return;
    }
    ticket = await deps.tickets.getTicket(given.ticketId);
  }
  if (ticket) throw new Error(`ticket ${given.ticketId} kept changing while it was triaged`);
}

/** Triage sets the priority while it is its own; an agent's stands; an escalation's is only raised. */
export function priorityAfter(ticket: Pick<Ticket, 'priority' | 'prioritySource'>, urgency: Priority): Priority {
  if (!ticket.priority || !ticket.prioritySource || ticket.prioritySource === 'triage') return urgency;
  if (ticket.prioritySource === 'agent') return ticket.priority;
  return rank(urgency) > rank(ticket.priority) ? urgency : ticket.priority;
}

/** The triage recorded in `change` (the ticket's latest), as its event: rebuilt the same on a retry. */
function triagedEvent(ticket: Ticket, change: Change): DomainEvent {
  const before = (change.before ?? {}) as { urgency?: Priority | null; priority?: Priority | null; category?: string | null; language?: string | null };
  const after = change.after as { urgency: Priority; priority: Priority; category: string; language: string; sentiment?: 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' | 'MIXED' };
  const triage = ticket.triage!;
  const priorityChanged = before.priority !== after.priority;
  return domainEvent(TicketTriaged, {
    eventId: `${ticket.ticketId}:v${change.version}`,
    version: 1,
    occurredAt: change.at,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    messageIds: [...triage.messageIds],
    language: after.language,
    ...(after.sentiment ? { sentiment: after.sentiment } : {}),
    urgency: after.urgency,
    ...(before.urgency ? { previousUrgency: before.urgency } : {}),
    priority: after.priority,
    ...(before.priority ? { previousPriority: before.priority } : {}),
    category: after.category,
    tags: [...(ticket.tags ?? [])],
    pending: triage.pending === true,
    priorityChanged,
    routingChanged: priorityChanged || before.language !== after.language || before.category !== after.category,
  });
}
