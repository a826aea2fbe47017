import { type Priority, priorities } from '../config';
import type { Agent } from './agent';
import { byCodeUnit, isEligible } from './skills';

/** A ticket waiting for an agent with its skills and room for it. */
export interface QueuedTicket {
  readonly ticketId: string;
  readonly customerId: string;
  readonly priority: Priority;
  readonly queuedAt: string;
  readonly requiredSkills: string[];
  /** Who last worked the customer's ticket, carried over for the assignment event. */
  readonly previousAgentId?: string;
  /** `queueRank(priority, queuedAt, ticketId)`: the queue's order, and its index sort key. */
  readonly rank: string;
}

/**
 * A key whose plain string order is the queue's order: highest priority first, then the longest
 * waiting, then the ticket id (so no two tickets tie). `<3 - priority index>#<ISO time>#<ticket id>`;
 * the time is rewritten as a UTC ISO string so every key has the same fixed-width layout.
 */
export function queueRank(priority: Priority, queuedAt: string, ticketId: string): string {
  const level = priorities.indexOf(priority);
  if (level < 0) throw new Error(`unknown priority ${priority}`);
  const at = new Date(queuedAt);
  if (Number.isNaN(at.getTime())) throw new Error(`queuedAt is not a time: ${queuedAt}`);
  return `${priorities.length - 1 - level}#${at.toISOString()}#${ticketId}`;
}

/** The best-ranked queued ticket the agent may take now (online, below capacity, with its skills), if any. */
export function nextFor(agent: Agent, queued: readonly QueuedTicket[]): QueuedTicket | undefined {
  let best: QueuedTicket | undefined;
  for (const ticket of queued) {
    if ((!best || byCodeUnit(ticket.rank, best.rank) < 0) && isEligible(agent, ticket.requiredSkills)) best = ticket;
  }
  return best;
}
