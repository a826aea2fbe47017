import type * as z from 'zod';
import { type DomainEvent, domainEvent } from '../../events/define';
import { AgentAvailabilityChanged } from '../../events/routing';
import { type Agent, freeCapacityOf } from './agent';

export type AvailabilityReason = z.infer<typeof AgentAvailabilityChanged.schema>['reason'];

/**
 * Why a change lets the agent take tickets they could not before, or undefined if it does not.
 * Only an online agent with room takes tickets: more capacity or skills while away changes nothing
 * yet (coming online says it all), and neither does coming online full (finishing a ticket will).
 */
export function availabilityGained(before: Agent | undefined, after: Agent): Exclude<AvailabilityReason, 'ticket-finished'> | undefined {
  if (after.presence !== 'online' || freeCapacityOf(after) === 0) return undefined;
  if (!before || before.presence !== 'online') return 'presence';
  if (after.capacity > before.capacity) return 'capacity';
  if (after.skills.some((s) => !before.skills.includes(s))) return 'skills';
  return undefined;
}

/**
 * AgentAvailabilityChanged for the agent as it is now. Its id is the agent's version, so a retry
 * that sees the same version publishes the same event, which consumers drop.
 */
export function availabilityChanged(agent: Agent, reason: AvailabilityReason, occurredAt: string): DomainEvent {
  return domainEvent(AgentAvailabilityChanged, {
    eventId: `agent:${agent.agentId}:v${agent.version}`,
    version: 1,
    occurredAt,
    agentId: agent.agentId,
    presence: agent.presence,
    capacity: agent.capacity,
    reason,
  });
}
