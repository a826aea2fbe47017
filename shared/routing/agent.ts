/**
 * Agents as routing sees them: what they can take (skills), how much (capacity), whether they are
 * taking work now (presence), and what they hold. Plain data; the store persists it.
 */

import type { AgentCsat } from '../csat/csat';

export const presences = ['online', 'away', 'offline'] as const;
export type Presence = (typeof presences)[number];

export interface Agent {
  readonly agentId: string;
  readonly name?: string;
  readonly team: string;
  /** `<kind>:<value>`, e.g. language:zh, category:billing, channel:wechat, queue:escalation. */
  readonly skills: readonly string[];
  /** Most open tickets the agent holds at once. */
  readonly capacity: number;
  readonly presence: Presence;
  readonly supervisorId?: string;
  /** Ticket ids the agent holds now; their number is the agent's load. */
  readonly activeTickets: readonly string[];
  readonly lastAssignedAt?: string;
  /** Satisfaction scores of the tickets they solved (counted by shared/csat; not part of the profile or its version). */
  readonly csat?: AgentCsat;
  /** Moves on every change; the API's ETag. */
  readonly version: number;
  readonly updatedAt: string;
}

/** What an admin sets on an agent; presence and held tickets are the agent's own. */
export interface AgentProfile {
  readonly agentId: string;
  readonly name?: string;
  readonly team: string;
  readonly skills: readonly string[];
  readonly capacity: number;
  readonly supervisorId?: string;
}

/** A change to an agent: `before` is absent when the change created it. */
export interface AgentChange {
  readonly before?: Agent;
  readonly after: Agent;
}

export const loadOf = (agent: Pick<Agent, 'activeTickets'>): number => agent.activeTickets.length;

/** Tickets the agent could take now, presence aside; never negative (capacity may be lowered below the load). */
export const freeCapacityOf = (agent: Pick<Agent, 'activeTickets' | 'capacity'>): number => Math.max(0, agent.capacity - loadOf(agent));

/** The skill pattern agents' skills and tickets' requirements share. */
export const SKILL_PATTERN = /^[a-z]+:[A-Za-z0-9_-]+$/;
