import { createHash } from 'node:crypto';
import type { Agent } from './agent';
import { byCodeUnit, hasSkills, isEligible } from './skills';

export interface Choice {
  readonly agent: Agent;
  readonly reason: 'previous-agent' | 'least-loaded';
}

export interface AssignmentRequest {
  readonly ticketId: string;
  readonly required: readonly string[];
  /** Who last worked the customer's ticket: they keep it when they can, so the customer need not explain twice. */
  readonly previousAgentId?: string;
}

/**
 * Who gets a ticket, or undefined when no one can take it now (it waits in its queue).
 *
 * 1. An agent who already holds the ticket, if online with the skills: a retried assignment whose
 *    claim went through, so the ticket is not held twice (their load already counts it).
 * 2. The previous agent, if eligible.
 * 3. Otherwise the least loaded eligible agent, by utilization (load ÷ capacity): equal agents get
 *    equal shares, and an agent with twice the capacity twice the share, not the same count.
 *    Ties go to the least recently assigned (never assigned first), then to a hash of the ticket
 *    and agent ids, so equal agents share ties evenly whatever order the roster comes in.
 */
export function chooseAgent(agents: readonly Agent[], request: AssignmentRequest): Choice | undefined {
  const reasonFor = (agent: Agent): Choice['reason'] => (agent.agentId === request.previousAgentId ? 'previous-agent' : 'least-loaded');

  const holder = agents.find((a) => a.activeTickets.includes(request.ticketId) && a.presence === 'online' && hasSkills(a, request.required));
  if (holder) return { agent: holder, reason: reasonFor(holder) };

  const previous = request.previousAgentId === undefined ? undefined : agents.find((a) => a.agentId === request.previousAgentId);
  if (previous && isEligible(previous, request.required)) return { agent: previous, reason: 'previous-agent' };

  let best: Agent | undefined;
  const tieHash = new Map<string, string>();
  const hashOf = (agent: Agent) => {
    let h = tieHash.get(agent.agentId);
    if (h === undefined) tieHash.set(agent.agentId, (h = tieBreakHash(request.ticketId, agent.agentId)));
    return h;
  };
  for (const agent of agents) {
    if (!isEligible(agent, request.required)) continue;
    if (!best || compareForAssignment(agent, best, hashOf) < 0) best = agent;
  }
  return best && { agent: best, reason: 'least-loaded' };
}

/** Negative when `a` should get the ticket before `b`; both eligible, so both capacities are positive. */
function compareForAssignment(a: Agent, b: Agent, hashOf: (agent: Agent) => string): number {
  // a.load / a.capacity vs b.load / b.capacity, cross-multiplied to stay exact.
  const utilization = a.activeTickets.length * b.capacity - b.activeTickets.length * a.capacity;
  if (utilization !== 0) return utilization;
  if (a.lastAssignedAt !== b.lastAssignedAt) {
    if (a.lastAssignedAt === undefined) return -1;
    if (b.lastAssignedAt === undefined) return 1;
    return byCodeUnit(a.lastAssignedAt, b.lastAssignedAt);
  }
  return byCodeUnit(hashOf(a), hashOf(b)) || byCodeUnit(a.agentId, b.agentId);
}

/** Stable across runs and runtimes, and unrelated to roster order. */
export function tieBreakHash(ticketId: string, agentId: string): string {
  return createHash('sha256').update(`${ticketId}\u0000${agentId}`).digest('hex').slice(0, 16);
}
