import { durationToMs, priorities, type Priority, type SlaConfig } from '../config';

/** A ticket's SLA targets, in working time. */
export interface SlaTargets {
  readonly firstResponseMs: number;
  readonly resolutionMs: number;
}

export interface PolicySubject {
  readonly priority: Priority;
  readonly tier?: string;
  readonly channel: string;
}

/**
 * The SLA policy of a ticket. Among the policies for its priority whose tier and channel (where
 * given) match, the most specific wins: tier and channel, then tier, then channel, then neither; on
 * a tie, the first in the config. A priority without a matching policy borrows the nearest
 * less urgent priority's, then the nearest more urgent one's: a gap in the config should not make a
 * ticket more urgent than it is. Throws only if no policy matches at any priority, which happens
 * when every policy is limited to a tier or channel.
 */
export function policyFor(config: SlaConfig, ticket: PolicySubject): SlaTargets {
  for (const priority of fallbackOrder(ticket.priority)) {
    let best: { policy: SlaConfig['policies'][number]; specificity: number } | undefined;
    for (const policy of config.policies) {
      if (policy.priority !== priority) continue;
      if (policy.tier !== undefined && policy.tier !== ticket.tier) continue;
      if (policy.channel !== undefined && policy.channel !== ticket.channel) continue;
      const specificity = (policy.tier !== undefined ? 2 : 0) + (policy.channel !== undefined ? 1 : 0);
      if (!best || specificity > best.specificity) best = { policy, specificity };
    }
    if (best) return { firstResponseMs: durationToMs(best.policy.firstResponse), resolutionMs: durationToMs(best.policy.resolution) };
  }
  throw new Error(
    `No SLA policy applies to a ${ticket.priority} ticket on ${ticket.channel}${ticket.tier ? ` for tier ${ticket.tier}` : ' without a tier'}; add a policy without tier and channel to sla.policies`,
  );
}

/** The priority itself, then less urgent ones nearest first, then more urgent ones nearest first. */
function fallbackOrder(priority: Priority): Priority[] {
  const i = priorities.indexOf(priority);
  return [priority, ...priorities.slice(0, i).reverse(), ...priorities.slice(i + 1)];
}
