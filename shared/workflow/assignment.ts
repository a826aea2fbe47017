import { domainEvent, TicketAssigned, TicketQueued } from '../../events';
import type { Priority, SwitchboardConfig } from '../config';
import type { Change, Ticket } from '../domain/ticket';
import type { EventPublisher } from '../ingest/ports';
import { type Agent, chooseAgent, type Choice, isEligible, nextFor, queueName, queueRank, type QueuedTicket, requiredSkills } from '../routing';
import type { QueueStore } from '../store/dynamodb-queue-store';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';

/** What assignment needs of the agent roster. */
export interface AgentPort {
  listAgents(): Promise<Agent[]>;
  getAgent(agentId: string): Promise<Agent | undefined>;
  claim(agentId: string, ticketId: string, required: readonly string[], at: string): Promise<Agent | undefined>;
  release(agentId: string, ticketId: string, at: string): Promise<Agent | undefined>;
}

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

const isOpen = (t: Ticket) => t.status === 'new' || t.status === 'open' || t.status === 'pending';

/**
 * Gives an open ticket to the best eligible agent, or puts it in its skill queue. Capacity is taken
 * on the agent first (one conditional write: never overfilled), then the ticket is assigned; if
 * the ticket moved on meanwhile, the agent's slot is given back.
 */
export async function assignTicket(deps: RoutingDeps, given: Ticket): Promise<AssignOutcome> {
  let ticket: Ticket | undefined = given;
  const required = requiredFor(given, deps.config);
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    if (!ticket) return { kind: 'skipped', reason: 'gone' };
    if (!isOpen(ticket)) return { kind: 'skipped', reason: 'closed' };
    // Its agent still holds it and has what it now requires (an escalated ticket may not).
    const holder = ticket.assigneeId ? await deps.agents.getAgent(ticket.assigneeId) : undefined;
    if (holder?.activeTickets.includes(ticket.ticketId) && required.every((s) => holder.skills.includes(s))) return { kind: 'skipped', reason: 'already-assigned' };

    const agents = await deps.roster.current(attempt > 0);
    const choice = chooseAgent(agents, { required, previousAgentId: ticket.assigneeId ?? ticket.previousAgentId, ticketId: ticket.ticketId });
    if (!choice) return queueTicket(deps, ticket, required);
    const at = deps.now().toISOString();
    const claimed = await deps.agents.claim(choice.agent.agentId, ticket.ticketId, required, at);
    if (!claimed) continue;
    deps.roster.remember(claimed);
    const assigned = await recordAssignment(deps, ticket, choice, required, at);
    if (assigned) return { kind: 'assigned', agentId: choice.agent.agentId, ticket: assigned };
    deps.roster.remember((await deps.agents.release(choice.agent.agentId, ticket.ticketId, at)) ?? claimed);
    ticket = await deps.tickets.getTicket(ticket.ticketId);
  }
  return ticket ? queueTicket(deps, ticket, required) : { kind: 'skipped', reason: 'gone' };
}

/** Writes the assignment on the ticket, re-reading it while others change it; undefined if it is no longer open. */
async function recordAssignment(deps: RoutingDeps, given: Ticket, choice: Choice | { agent: Agent; reason: 'from-queue' }, required: string[], at: string) {
  let ticket: Ticket | undefined = given;
  for (let attempt = 0; attempt < TICKET_ATTEMPTS && ticket && isOpen(ticket); attempt++) {
    // Someone else assigned it meanwhile: theirs stands.
    if (attempt > 0 && ticket.assigneeId !== given.assigneeId) return undefined;
    const change: Change = {
      version: ticket.version + 1,
      action: 'ticket.assigned',
      actor: { type: 'system', id: 'routing' },
      at,
      before: { assigneeId: ticket.assigneeId ?? null },
      after: { assigneeId: choice.agent.agentId, reason: choice.reason, requiredSkills: required },
    };
    const written = await deps.tickets.change(ticket, change, { assigneeId: choice.agent.agentId, assignedAt: at, requiredSkills: required }, ['queuedAt'], { openOnly: true });
    if (written) {
      if (ticket.queuedAt) await deps.queue.remove(ticket.ticketId);
      // The agent it had before keeps no slot for it.
      if (ticket.assigneeId && ticket.assigneeId !== choice.agent.agentId) await deps.agents.release(ticket.assigneeId, ticket.ticketId, at);
      const started = Date.parse(written.sla?.startedAt ?? written.createdAt);
      await deps.publisher.publish([
        domainEvent(TicketAssigned, {
          eventId: `${written.ticketId}:v${change.version}`,
          version: 1,
          occurredAt: at,
          ticketId: written.ticketId,
          customerId: written.customerId,
          agentId: choice.agent.agentId,
          ...(ticket.assigneeId ? { previousAgentId: ticket.assigneeId } : ticket.previousAgentId ? { previousAgentId: ticket.previousAgentId } : {}),
          reason: choice.reason,
          priority: written.priority ?? 'normal',
          requiredSkills: required,
          waitedMs: Math.max(0, Date.parse(at) - started),
        }),
      ]);
      return written;
    }
    ticket = await deps.tickets.getTicket(given.ticketId);
  }
  return undefined;
}

/** No eligible agent: the ticket waits in its skill queue until an agent frees up. */
async function queueTicket(deps: RoutingDeps, given: Ticket, required: string[]): Promise<AssignOutcome> {
  let ticket: Ticket | undefined = given;
  const queue = queueName(required);
  const priority: Priority = given.priority ?? 'normal';
  for (let attempt = 0; attempt < TICKET_ATTEMPTS && ticket; attempt++) {
    if (!isOpen(ticket)) return { kind: 'skipped', reason: 'closed' };
    const at = ticket.queuedAt ?? deps.now().toISOString();
    const entry: QueuedTicket = {
      ticketId: ticket.ticketId,
      customerId: ticket.customerId,
      priority,
      queuedAt: at,
      requiredSkills: required,
      ...(ticket.previousAgentId ? { previousAgentId: ticket.previousAgentId } : {}),
      rank: queueRank(priority, at, ticket.ticketId),
    };
    // The entry first: a ticket marked queued is always findable in its queue.
    await deps.queue.put(entry);
    const change: Change = {
      version: ticket.version + 1,
      action: 'ticket.queued',
      actor: { type: 'system', id: 'routing' },
      at: deps.now().toISOString(),
      before: { assigneeId: ticket.assigneeId ?? null },
      after: { queue, requiredSkills: required },
    };
    const written = await deps.tickets.change(ticket, change, { queuedAt: at, requiredSkills: required }, ticket.assigneeId ? ['assigneeId', 'assignedAt'] : [], { openOnly: true });
    if (written) {
      if (ticket.assigneeId) await deps.agents.release(ticket.assigneeId, ticket.ticketId, change.at);
      await deps.publisher.publish([
        domainEvent(TicketQueued, {
          eventId: `${written.ticketId}:v${change.version}`,
          version: 1,
          occurredAt: change.at,
          ticketId: written.ticketId,
          customerId: written.customerId,
          queue,
          requiredSkills: required,
          priority,
        }),
      ]);
      // An agent may have freed up while the entry was being written, and looked before it was there.
      const agents = await deps.roster.current(true);
      const now = agents.find((a) => isEligible(a, required));
      if (now) await dispatchTo(deps, now.agentId);
      return { kind: 'queued', queue, ticket: written };
    }
    ticket = await deps.tickets.getTicket(given.ticketId);
  }
  await deps.queue.remove(given.ticketId);
  return { kind: 'skipped', reason: ticket ? 'closed' : 'gone' };
}

/** How far down the queue an agent's freed capacity looks for a ticket it can take. */
const QUEUE_LOOKAHEAD = 200;

/** Gives an agent who may take more tickets the best-ranked queued tickets they are eligible for. */
export async function dispatchTo(deps: RoutingDeps, agentId: string): Promise<number> {
  let assigned = 0;
  let agent = await deps.agents.getAgent(agentId);
  while (agent) {
    const queued = await deps.queue.list(QUEUE_LOOKAHEAD);
    const entry = nextFor(agent, queued);
    if (!entry) break;
    const ticket = await deps.tickets.getTicket(entry.ticketId);
    if (!ticket || !isOpen(ticket) || !ticket.queuedAt) {
      await deps.queue.remove(entry.ticketId);
      continue;
    }
    const at = deps.now().toISOString();
    const claimed = await deps.agents.claim(agentId, ticket.ticketId, entry.requiredSkills, at);
    if (!claimed) break;
    deps.roster.remember(claimed);
    const written = await recordAssignment(deps, ticket, { agent: claimed, reason: 'from-queue' }, entry.requiredSkills, at);
    if (written) assigned++;
    else {
      deps.roster.remember((await deps.agents.release(agentId, ticket.ticketId, at)) ?? claimed);
      await deps.queue.remove(entry.ticketId);
    }
    agent = claimed;
  }
  return assigned;
}

/** A finished ticket gives its agent's slot back; the agent then takes what waits for them. */
export async function finishTicket(deps: RoutingDeps, ticketId: string, agentId: string | undefined): Promise<void> {
  await deps.queue.remove(ticketId);
  if (!agentId) return;
  const freed = await deps.agents.release(agentId, ticketId, deps.now().toISOString());
  if (freed) {
    deps.roster.remember(freed);
    await dispatchTo(deps, agentId);
  }
}
