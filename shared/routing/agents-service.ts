import type { EventPublisher } from '../ingest/ports';
import type { Agent, AgentProfile, Presence } from './agent';
import { agentChanged, noProfile } from './agent-api';
import { availabilityChanged, availabilityGained, type AvailabilityReason } from './availability';
import type { AgentStore } from './ports';

/**
 * The agents API's work: write the agent, then tell routing when the change lets them take more
 * tickets, so tickets waiting in their queues are assigned.
 */

export interface AgentsDeps {
  readonly store: AgentStore;
  readonly publisher: EventPublisher;
  readonly now: () => Date;
}

export interface AgentSaved {
  readonly agent: Agent;
  readonly created: boolean;
  /** Why routing was told the agent may take more tickets, if it was. */
  readonly availability?: AvailabilityReason;
}

/**
 * PUT /agents/{id}: creates or replaces the profile. With If-Match, only over that version ("*":
 * over whatever version exists); otherwise 412, so two admins' edits never silently undo each other.
 */
export async function saveAgent(deps: AgentsDeps, profile: AgentProfile, ifMatch?: number | '*'): Promise<AgentSaved> {
  let expected: number | undefined;
  if (ifMatch === '*') {
    // Pinned to the version read here; a change in between is a 412 the caller retries.
    const current = await deps.store.getAgent(profile.agentId);
    if (!current) throw agentChanged(profile.agentId, undefined);
    expected = current.version;
  } else {
    expected = ifMatch;
  }
  const at = deps.now().toISOString();
  const change = await deps.store.upsertAgent(profile, at, expected);
  if (!change) throw agentChanged(profile.agentId, await deps.store.getAgent(profile.agentId));
  const reason = availabilityGained(change.before, change.after);
  if (reason) await deps.publisher.publish([availabilityChanged(change.after, reason, at)]);
  return { agent: change.after, created: !change.before, ...(reason ? { availability: reason } : {}) };
}

/** PUT /agents/me/presence: the caller's own presence; they need a profile an admin made. */
export async function setOwnPresence(deps: AgentsDeps, agentId: string, presence: Presence): Promise<AgentSaved> {
  const at = deps.now().toISOString();
  const change = await deps.store.setPresence(agentId, presence, at);
  if (!change) throw noProfile(agentId);
  const reason = availabilityGained(change.before, change.after);
  if (reason) await deps.publisher.publish([availabilityChanged(change.after, reason, at)]);
  return { agent: change.after, created: false, ...(reason ? { availability: reason } : {}) };
}
