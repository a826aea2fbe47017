import fc from 'fast-check';
import type { Agent } from '../../../shared/routing/agent';

/** A small universe of skills, so agents and tickets often share some and lack others. */
export const skillUniverse = ['language:en', 'language:zh', 'language:zh-TW', 'category:billing', 'category:delivery', 'channel:wechat', 'queue:escalation'] as const;

export const requiredArb = fc.uniqueArray(fc.constantFrom(...skillUniverse), { maxLength: 3 }).map((s) => [...s].sort());

/** A few distinct times, so agents often tie on when they were last assigned. */
const assignedAtArb = fc.option(fc.constantFrom('2026-11-23T08:00:00.000Z', '2026-11-23T08:30:00.000Z', '2026-11-23T09:00:00.000Z'), { nil: undefined });

/** An agent with the given id; held tickets are `held-…`, never a ticket the tests assign. */
export const agentArb = (agentId: string): fc.Arbitrary<Agent> =>
  fc
    .record({
      skills: fc.uniqueArray(fc.constantFrom(...skillUniverse), { maxLength: skillUniverse.length }),
      capacity: fc.integer({ min: 0, max: 5 }),
      presence: fc.constantFrom('online', 'online', 'away', 'offline'),
      load: fc.integer({ min: 0, max: 6 }),
      lastAssignedAt: assignedAtArb,
    })
    .map(({ load, lastAssignedAt, ...rest }) => ({
      agentId,
      team: 'support',
      ...rest,
      activeTickets: Array.from({ length: load }, (_, i) => `held-${agentId}-${i}`),
      ...(lastAssignedAt ? { lastAssignedAt } : {}),
      version: 1,
      updatedAt: '2026-11-23T08:00:00.000Z',
    }));

/** A roster of 0–8 agents with distinct ids. */
export const rosterArb: fc.Arbitrary<Agent[]> = fc
  .uniqueArray(fc.constantFrom('ana', 'bo', 'chen', 'dara', 'eli', 'fei', 'gus', 'hana', 'ivo', 'jun'), { maxLength: 8 })
  .chain((ids) => fc.tuple(...ids.map(agentArb)));

export function agent(overrides: Partial<Agent> & { agentId: string }): Agent {
  return { team: 'support', skills: [], capacity: 5, presence: 'online', activeTickets: [], version: 1, updatedAt: '2026-11-23T08:00:00.000Z', ...overrides };
}

/** Utilization as an exact fraction comparison: a.load/a.cap − b.load/b.cap, sign only. */
export const compareUtilization = (a: Agent, b: Agent) => Math.sign(a.activeTickets.length * b.capacity - b.activeTickets.length * a.capacity);
