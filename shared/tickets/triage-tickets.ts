import { domainEvent, type DomainEvent, TicketTriaged } from '../../events';
import { durationToMs, type Priority, priorities, type SwitchboardConfig } from '../config';
import type { Change, Ticket } from '../domain/ticket';
import type { EventPublisher } from '../ingest/ports';
import type { TriageReads } from '../store/dynamodb-triage-reads';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import { AnalyzerUnavailableError, type TextAnalysis, type TextAnalyzer } from '../triage/analyzer';
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
}

export interface TriageOutcome {
  /** Messages whose tickets could not be triaged now: their queue retries them. */
  readonly retry: ReadonlySet<string>;
  /** The analyzer was unavailable (throttled or down). */
  readonly unavailable?: 'throttled' | 'down';
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

  const work = [...byTicket.entries()].filter(([ticketId]) => tickets.has(ticketId));
  const docs = work.map(([ticketId, rs]) => ({ id: ticketId, text: rs.map((r) => texts.get(r.messageId) ?? '').filter(Boolean).join('\n') }));
  let analyses: TextAnalysis[];
  try {
    analyses = await deps.analyzer.analyze(docs.filter((d) => d.text));
  } catch (error) {
    if (!(error instanceof AnalyzerUnavailableError)) throw error;
    for (const [i, [ticketId, rs]] of work.entries()) {
      const ticket = tickets.get(ticketId)!;
      // Keyword rules need no analyzer: "lawyer" is critical even now.
      const defaults = pendingTriage(rs.at(-1)!.channel, deps.config.triage, deps.config.triage.defaultLanguage, docs[i]!.text);
      if (!ticket.triage) await record(deps, ticket, rs, defaults, tiers.get(ticket.customerId));
    }
    return { retry: new Set(requests.map((r) => r.messageId)), unavailable: error.throttled ? 'throttled' : 'down', triaged: [] };
  }

  const byId = new Map(analyses.map((a) => [a.id, a]));
  const triaged: Triage[] = [];
  const within = durationToMs(deps.config.triage.repeatContacts.within);
  for (const [i, [ticketId, rs]] of work.entries()) {
    const ticket = tickets.get(ticketId)!;
    const done = ticket.triage && !ticket.triage.pending && rs.every((r) => ticket.triage!.messageIds.includes(r.messageId));
    if (done) continue;
    const latest = rs.at(-1)!;
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
      before: ticket.triage ? { urgency: ticket.urgency ?? null, priority: ticket.priority ?? null, category: ticket.category ?? null } : null,
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
        ...(result.sentiment ? { sentiment: result.sentiment } : {}),
        ...(result.scores ? { scores: result.scores } : {}),
        reasons: result.reasons,
        ...(result.pending ? { pending: true as const } : {}),
      },
    });
    if (written) {
      await deps.publisher.publish([triagedEvent(written, change, requests, result, ticket)]);
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

function triagedEvent(written: Ticket, change: Change, requests: readonly TriageRequest[], result: Triage, before: Ticket): DomainEvent {
  return domainEvent(TicketTriaged, {
    eventId: `${written.ticketId}:v${change.version}`,
    version: 1,
    occurredAt: change.at,
    ticketId: written.ticketId,
    customerId: written.customerId,
    messageIds: requests.map((r) => r.messageId),
    language: written.language!,
    ...(result.sentiment ? { sentiment: result.sentiment } : {}),
    urgency: result.urgency,
    ...(before.urgency ? { previousUrgency: before.urgency } : {}),
    priority: written.priority!,
    ...(before.priority ? { previousPriority: before.priority } : {}),
    category: written.category!,
    tags: [...(written.tags ?? [])],
    pending: result.pending === true,
    priorityChanged: before.priority !== written.priority,
  });
}
