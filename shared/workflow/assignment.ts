import { domainEvent, type DomainEvent, TicketAssigned, TicketQueued } from '../../events';
import type { Priority, SwitchboardConfig } from '../config';
import { type Change, openStatuses, type Ticket } from '../domain/ticket';
import type { EventPublisher } from '../ingest/ports';
import { type Agent, type AgentStore, chooseAgent, type Choice, hasSkills, isEligible, nextFor, queueName, queueRank, type QueuedTicket, requiredSkills } from '../routing';
import type { QueueStore } from '../store/dynamodb-queue-store';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';

/** What assignment needs of the agent roster. */
export type AgentPort = Pick<AgentStore, 'listAgents' | 'getAgent' | 'claim' | 'release'>;

export interface RoutingDeps {
  readonly tickets: TicketChanges;
  readonly agents: AgentPort;
  readonly roster: Roster;
  readonly queue: QueueStore;
  readonly publisher: EventPublisher;
  readonly config: SwitchboardConfig;
  readonly now: () => Date;
}

/**
 * The agent roster as this function instance last read it, for up to `ttlMs`. Choosing an agent
 * from a slightly stale roster is safe: the claim itself checks presence, skills and capacity, and
 * a refused claim refreshes the roster. It saves reading every agent for every assignment.
 */
export class Roster {
  private agents: Agent[] = [];
  private readAt = -Infinity;

  constructor(
    private readonly store: Pick<AgentPort, 'listAgents'>,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async current(fresh = false): Promise<readonly Agent[]> {
    if (fresh || this.clock() - this.readAt > this.ttlMs) {
      this.agents = await this.store.listAgents();
      this.readAt = this.clock();
    }
    return this.agents;
  }

  /** What a claim or release just returned: newer than what was read. */
  remember(agent: Agent): void {
    this.agents = [...this.agents.filter((a) => a.agentId !== agent.agentId), agent];
  }
}

export type AssignOutcome =
  | { readonly kind: 'assigned'; readonly agentId: string; readonly ticket: Ticket }
  | { readonly kind: 'queued'; readonly queue: string; readonly ticket: Ticket }
  | { readonly kind: 'skipped'; readonly reason: 'closed' | 'already-assigned' | 'gone' };

const CLAIM_ATTEMPTS = 3;
const TICKET_ATTEMPTS = 5;

export function requiredFor(ticket: Ticket, config: SwitchboardConfig): string[] {
  return requiredSkills(
    { language: ticket.language, category: ticket.category, channel: ticket.channel, escalated: ticket.escalated },
    { ...config.routing, defaultCategory: config.triage.defaultCategory },
  );
}

export const isOpen = (t: Pick<Ticket, 'status'>) => openStatuses.includes(t.status);
/** Whether two lists of required skills (sorted, as requiredSkills gives them) are the same. */
export const sameSkills = (a: readonly string[] | undefined, b: readonly string[]) => JSON.stringify(a ?? []) === JSON.stringify(b);
/** Contention that outlasted every attempt: thrown, so the workflow's or the queue's retry takes it up. */
const stillChanging = (ticketId: string) => new Error(`ticket ${ticketId} kept changing while it was being routed`);

/**
 * Gives an open ticket to the best eligible agent, or puts it in its skill queue. Capacity is taken
 * on the agent first (one conditional write: never overfilled), then the ticket is assigned; if
 * the ticket moved on meanwhile, the agent's slot is given back. A ticket whose agent still holds
 * it and has what it now requires stays with them (after republishing its assignment, in case a
 * crash cut that short).
 */
export async function assignTicket(deps: RoutingDeps, given: Ticket): Promise<AssignOutcome> {
  let ticket: Ticket | undefined = given;
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    if (!ticket) return { kind: 'skipped', reason: 'gone' };
    if (!isOpen(ticket)) return { kind: 'skipped', reason: 'closed' };
    const required = requiredFor(ticket, deps.config);
    const holder = ticket.assigneeId ? await deps.agents.getAgent(ticket.assigneeId) : undefined;
    if (holder?.activeTickets.includes(ticket.ticketId) && hasSkills(holder, required)) {
      // A crash may have cut the assignment short after it was written: finish it (same event id).
      const routing = ticket.lastRouting;
      if (routing?.action === 'ticket.assigned' && routing.after.assigneeId === holder.agentId) {
        await deps.publisher.publish([assignedEvent(ticket, routing)]);
        await releaseOthers(deps, ticket, routing);
      }
      return { kind: 'skipped', reason: 'already-assigned' };
    }

    const agents = await deps.roster.current(attempt > 0);
    const choice = chooseAgent(agents, { required, previousAgentId: ticket.assigneeId ?? ticket.previousAgentId, ticketId: ticket.ticketId });
    if (!choice) return queueTicket(deps, ticket, required);
    const at = deps.now().toISOString();
    const claimed = await deps.agents.claim(choice.agent.agentId, ticket.ticketId, required, at);
    if (!claimed) continue;
    deps.roster.remember(claimed);
    const assigned = await recordAssignment(deps, ticket, choice, at);
    if (assigned) return { kind: 'assigned', agentId: choice.agent.agentId, ticket: assigned };
    await giveBack(deps, choice.agent.agentId, ticket.ticketId, at);
    ticket = await deps.tickets.getTicket(ticket.ticketId);
  }
  // Every claim refused: the ticket as it is now, which someone else may have assigned meanwhile (theirs stands).
  ticket = await deps.tickets.getTicket(given.ticketId);
  if (!ticket) return { kind: 'skipped', reason: 'gone' };
  if (ticket.assigneeId !== given.assigneeId) return { kind: 'skipped', reason: 'already-assigned' };
  return queueTicket(deps, ticket, requiredFor(ticket, deps.config));
}

/**
 * Writes the assignment on the ticket, re-reading it while others change it. Undefined when it is
 * no longer this assigner's to make: closed, assigned by someone else meanwhile, or now requiring
 * skills the agent lacks (escalated while a queue entry waited).
 */
async function recordAssignment(deps: RoutingDeps, given: Ticket, choice: Choice | { agent: Agent; reason: 'from-queue' }, at: string) {
  let ticket: Ticket | undefined = given;
  for (let attempt = 0; attempt < TICKET_ATTEMPTS; attempt++) {
    if (!ticket || !isOpen(ticket) || ticket.assigneeId !== given.assigneeId) return undefined;
    const required = requiredFor(ticket, deps.config);
    if (!hasSkills(choice.agent, required)) return undefined;
    const change: Change = {
      version: ticket.version + 1,
      action: 'ticket.assigned',
      actor: { type: 'system', id: 'routing' },
      at,
      before: { assigneeId: ticket.assigneeId ?? null, ...(ticket.previousAgentId ? { previousAgentId: ticket.previousAgentId } : {}) },
      after: { assigneeId: choice.agent.agentId, reason: choice.reason, requiredSkills: required },
    };
    const written = await deps.tickets.change(
      ticket,
      change,
      { assigneeId: choice.agent.agentId, team: choice.agent.team, assignedAt: at, requiredSkills: required, lastRouting: change },
      ['queuedAt'],
      { openOnly: true },
    );
    if (written) {
      // The event first: what follows may hand other tickets out, and its failure must not lose this one.
      await deps.publisher.publish([assignedEvent(written, change)]);
      if (ticket.queuedAt) await deps.queue.remove(ticket.ticketId);
      await releaseOthers(deps, written, change);
      return written;
    }
    ticket = await deps.tickets.getTicket(given.ticketId);
  }
  throw stillChanging(given.ticketId);
}

/** The assignment recorded in `change`, as its event (rebuilt the same on a retry). */
function assignedEvent(ticket: Ticket, change: Change): DomainEvent {
  const after = change.after as { assigneeId: string; reason: 'previous-agent' | 'least-loaded' | 'from-queue'; requiredSkills: string[] };
  const before = (change.before ?? {}) as { assigneeId?: string | null; previousAgentId?: string };
  const previous = before.assigneeId ?? before.previousAgentId;
  return domainEvent(TicketAssigned, {
    eventId: `${ticket.ticketId}:v${change.version}`,
    version: 1,
    occurredAt: change.at,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    agentId: after.assigneeId,
    ...(previous ? { previousAgentId: previous } : {}),
    reason: after.reason,
    priority: ticket.priority ?? 'normal',
    requiredSkills: after.requiredSkills,
    waitedMs: Math.max(0, Date.parse(change.at) - Date.parse(ticket.sla?.startedAt ?? ticket.createdAt)),
  });
}

/**
 * Every agent but the ticket's assignee who holds it gives it back: its previous agent (named by
 * the assignment), and any slot a crashed or refused attempt left behind, as the roster shows them.
 */
async function releaseOthers(deps: RoutingDeps, ticket: Ticket, assignment: Change): Promise<void> {
  const holders = (await deps.roster.current()).filter((a) => a.agentId !== ticket.assigneeId && a.activeTickets.includes(ticket.ticketId));
  const previous = assignment.before?.assigneeId;
  const names = new Set([...holders.map((a) => a.agentId), ...(typeof previous === 'string' && previous !== ticket.assigneeId ? [previous] : [])]);
  for (const agentId of names) await giveBack(deps, agentId, ticket.ticketId, assignment.at);
}

/**
 * Releases an agent's slot for a ticket; an agent who can now take more gets what waits for them.
 * That hand-out is best effort here (the agent's next availability or check picks it up): its
 * failure must not fail the assignment that freed the slot.
 */
export async function giveBack(deps: RoutingDeps, agentId: string, ticketId: string, at: string): Promise<void> {
  const freed = await deps.agents.release(agentId, ticketId, at);
  if (!freed) return;
  deps.roster.remember(freed);
  if (freed.presence === 'online' && freed.activeTickets.length < freed.capacity) await dispatchTo(deps, agentId).catch(() => 0);
}

/** No eligible agent: the ticket waits in its skill queue until an agent frees up. */
async function queueTicket(deps: RoutingDeps, given: Ticket, required: string[]): Promise<AssignOutcome> {
  let ticket: Ticket | undefined = given;
  const queue = queueName(required);
  for (let attempt = 0; attempt < TICKET_ATTEMPTS; attempt++) {
    if (!ticket || !isOpen(ticket)) {
      await deps.queue.remove(given.ticketId);
      return { kind: 'skipped', reason: ticket ? 'closed' : 'gone' };
    }
    // Assigned by someone else since this assigner read it: theirs stands, and the entry put for it goes.
    if (attempt > 0 && ticket.assigneeId !== given.assigneeId) {
      await deps.queue.remove(given.ticketId);
      return { kind: 'skipped', reason: 'already-assigned' };
    }
    const priority: Priority = ticket.priority ?? 'normal';
    const queuedAt = ticket.queuedAt ?? deps.now().toISOString();
    const waiting = ticket.queuedAt && !ticket.assigneeId && sameSkills(ticket.requiredSkills, required);
    const entry: QueuedTicket = {
      ticketId: ticket.ticketId,
      customerId: ticket.customerId,
      priority,
      queuedAt,
      requiredSkills: required,
      ...(ticket.previousAgentId ? { previousAgentId: ticket.previousAgentId } : {}),
      rank: queueRank(priority, queuedAt, ticket.ticketId),
    };
    // The entry first: a ticket marked queued is always findable in its queue. (A priority raised
    // since it was queued re-ranks it: the entry is keyed by the ticket.)
    await deps.queue.put(entry);
    // Already waiting in this queue: the entry was all there was to renew.
    if (waiting) return { kind: 'queued', queue, ticket };
    const at = deps.now().toISOString();
    const change: Change = {
      version: ticket.version + 1,
      action: 'ticket.queued',
      actor: { type: 'system', id: 'routing' },
      at,
      before: { assigneeId: ticket.assigneeId ?? null },
      after: { queue, requiredSkills: required, priority },
    };
    const written = await deps.tickets.change(
      ticket,
      change,
      { queuedAt, requiredSkills: required, lastRouting: change },
      ticket.assigneeId ? ['assigneeId', 'assignedAt', 'team'] : [],
      { openOnly: true },
    );
    if (written) {
      await deps.publisher.publish([
        domainEvent(TicketQueued, { eventId: `${written.ticketId}:v${change.version}`, version: 1, occurredAt: at, ticketId: written.ticketId, customerId: written.customerId, queue, requiredSkills: required, priority }),
      ]);
      if (ticket.assigneeId) await giveBack(deps, ticket.assigneeId, ticket.ticketId, at);
      // An agent freed while the entry was being written passed it over (not yet marked queued): look once more.
      const freed = (await deps.roster.current(true)).find((a) => isEligible(a, required));
      if (freed) await dispatchTo(deps, freed.agentId).catch(() => 0);
      return { kind: 'queued', queue, ticket: (await deps.tickets.getTicket(written.ticketId)) ?? written };
    }
    ticket = await deps.tickets.getTicket(given.ticketId);
  }
  throw stillChanging(given.ticketId);
}

/** Queued tickets a freed agent looks through for one they can take, best first. */
const QUEUE_LOOKAHEAD = 1000;

/** Gives an agent who may take more tickets the best-ranked queued tickets they are eligible for. */
export async function dispatchTo(deps: RoutingDeps, agentId: string): Promise<number> {
  let assigned = 0;
  let agent = await deps.agents.getAgent(agentId);
  // Entries being written right now (their ticket not yet marked queued) are left for their writer.
  const skip = new Set<string>();
  while (agent && isEligible(agent, [])) {
    const queued = (await deps.queue.list(QUEUE_LOOKAHEAD)).filter((q) => !skip.has(q.ticketId));
    const entry = nextFor(agent, queued);
    if (!entry) break;
    skip.add(entry.ticketId);
    const ticket = await deps.tickets.getTicket(entry.ticketId);
    if (!ticket || !isOpen(ticket) || (ticket.assigneeId && !ticket.queuedAt && (ticket.assignedAt ?? '') > entry.queuedAt)) {
      // Closed, or assigned after it was queued: the entry is left over, perhaps by an assignment a
      // crash cut short before it was announced (the retry of this very dispatch), which is finished.
      const routing = ticket?.lastRouting;
      if (ticket && routing?.action === 'ticket.assigned' && routing.after.assigneeId === ticket.assigneeId) await deps.publisher.publish([assignedEvent(ticket, routing)]);
      await deps.queue.remove(entry.ticketId);
      continue;
    }
    if (!ticket.queuedAt) continue;
    const at = deps.now().toISOString();
    const claimed = await deps.agents.claim(agentId, ticket.ticketId, entry.requiredSkills, at);
    if (!claimed) break;
    deps.roster.remember(claimed);
    const written = await recordAssignment(deps, ticket, { agent: claimed, reason: 'from-queue' }, at);
    if (written) assigned++;
    else {
      const freed = await deps.agents.release(agentId, ticket.ticketId, at);
      if (freed) deps.roster.remember(freed);
    }
    agent = (await deps.agents.getAgent(agentId)) ?? claimed;
  }
  return assigned;
}

/**
 * A finished ticket gives its agent's slot back (and any other agent's a crashed attempt left
 * behind); the agents then take what waits for them.
 */
export async function finishTicket(deps: RoutingDeps, ticket: Ticket): Promise<void> {
  await deps.queue.remove(ticket.ticketId);
  const at = deps.now().toISOString();
  const holders = (await deps.roster.current(true)).filter((a) => a.activeTickets.includes(ticket.ticketId)).map((a) => a.agentId);
  for (const agentId of new Set([...holders, ...(ticket.assigneeId ? [ticket.assigneeId] : [])])) await giveBack(deps, agentId, ticket.ticketId, at);
}
