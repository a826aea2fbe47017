import fc from 'fast-check';
import type { Agent } from '../../../shared/routing/agent';
import { chooseAgent } from '../../../shared/routing/choose';
import { isEligible } from '../../../shared/routing/skills';
import { agent, compareUtilization, requiredArb, rosterArb } from './arbitraries';

const TICKET = 'tkt_0000000000000001';

describe('chooseAgent', () => {
  test('the previous agent keeps the customer while eligible, even when busier', () => {
    const agents = [agent({ agentId: 'ana', activeTickets: ['a', 'b'] }), agent({ agentId: 'bo' })];
    expect(chooseAgent(agents, { ticketId: TICKET, required: [], previousAgentId: 'ana' })).toEqual({ agent: agents[0], reason: 'previous-agent' });
    const away = [{ ...agents[0], presence: 'away' as const }, agents[1]];
    expect(chooseAgent(away, { ticketId: TICKET, required: [], previousAgentId: 'ana' })).toEqual({ agent: agents[1], reason: 'least-loaded' });
  });

  test('least loaded by utilization: twice the capacity takes twice the tickets', () => {
    let agents = [agent({ agentId: 'senior', capacity: 10 }), agent({ agentId: 'junior', capacity: 2 })];
    for (let i = 0; i < 6; i++) {
      const chosen = chooseAgent(agents, { ticketId: `t${i}`, required: [] })!.agent;
      agents = agents.map((a) => (a === chosen ? { ...a, activeTickets: [...a.activeTickets, `t${i}`], lastAssignedAt: `2026-11-23T09:00:0${i}.000Z` } : a));
    }
    expect(agents.map((a) => a.activeTickets.length)).toEqual([5, 1]);
  });

  test('ties: never assigned first, then least recently assigned', () => {
    const agents = [
      agent({ agentId: 'ana', lastAssignedAt: '2026-11-23T09:00:00.000Z' }),
      agent({ agentId: 'bo', lastAssignedAt: '2026-11-23T08:00:00.000Z' }),
      agent({ agentId: 'chen' }),
    ];
    expect(chooseAgent(agents, { ticketId: TICKET, required: [] })!.agent.agentId).toBe('chen');
    expect(chooseAgent(agents.slice(0, 2), { ticketId: TICKET, required: [] })!.agent.agentId).toBe('bo');
  });

  test('full ties are spread by ticket, not by roster order', () => {
    const agents = ['ana', 'bo', 'chen', 'dara'].map((agentId) => agent({ agentId }));
    const winners = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const id = chooseAgent(agents, { ticketId: `tkt_${i}`, required: [] })!.agent.agentId;
      winners.set(id, (winners.get(id) ?? 0) + 1);
      expect(chooseAgent([...agents].reverse(), { ticketId: `tkt_${i}`, required: [] })!.agent.agentId).toBe(id);
    }
    for (const count of winners.values()) expect(count).toBeGreaterThan(60);
    expect(winners.size).toBe(4);
  });

  test('an agent who already holds the ticket (a retried assignment) gets it again, though now full', () => {
    const agents = [agent({ agentId: 'ana', capacity: 1, activeTickets: [TICKET] }), agent({ agentId: 'bo' })];
    expect(chooseAgent(agents, { ticketId: TICKET, required: [] })).toEqual({ agent: agents[0], reason: 'least-loaded' });
    expect(chooseAgent(agents, { ticketId: TICKET, required: [], previousAgentId: 'ana' })!.reason).toBe('previous-agent');
    // Not if they went offline since: someone who can work it now does.
    expect(chooseAgent([{ ...agents[0], presence: 'offline' }, agents[1]], { ticketId: TICKET, required: [] })!.agent.agentId).toBe('bo');
  });

  test('no one eligible: undefined (the ticket waits in its queue)', () => {
    expect(chooseAgent([], { ticketId: TICKET, required: [] })).toBeUndefined();
    expect(chooseAgent([agent({ agentId: 'ana', presence: 'offline' }), agent({ agentId: 'bo', capacity: 0 })], { ticketId: TICKET, required: [] })).toBeUndefined();
  });

  const requestArb = fc.record({ required: requiredArb, previous: fc.option(fc.constantFrom('ana', 'bo', 'chen', 'nobody'), { nil: undefined }), ticketId: fc.string({ minLength: 1, maxLength: 12 }).map((s) => `tkt_${s}`) });
  const requestOf = (r: { required: string[]; previous?: string; ticketId: string }) => ({
    ticketId: r.ticketId,
    required: r.required,
    ...(r.previous ? { previousAgentId: r.previous } : {}),
  });

  test('property: never an agent that is away, offline, full or lacking a required skill; undefined only when no one is eligible', () => {
    fc.assert(
      fc.property(rosterArb, requestArb, (agents, r) => {
        const choice = chooseAgent(agents, requestOf(r));
        if (choice) expect(isEligible(choice.agent, r.required)).toBe(true);
        else expect(agents.filter((a) => isEligible(a, r.required))).toEqual([]);
      }),
    );
  });

  test('property: the previous agent wins whenever eligible', () => {
    const withPrevious = rosterArb
      .filter((agents) => agents.length > 0)
      .chain((agents) => fc.tuple(fc.constant(agents), fc.constantFrom(...agents.map((a) => a.agentId)), requestArb));
    fc.assert(
      fc.property(withPrevious, ([agents, previousId, r]) => {
        const previous = agents.find((a) => a.agentId === previousId)!;
        fc.pre(isEligible(previous, r.required));
        expect(chooseAgent(agents, requestOf({ ...r, previous: previousId }))).toEqual({ agent: previous, reason: 'previous-agent' });
      }),
    );
  });

  test('property: otherwise the choice has the least utilization among the eligible, and the roster order does not matter', () => {
    fc.assert(
      fc.property(
        rosterArb.chain((agents) => fc.tuple(fc.constant(agents), fc.shuffledSubarray(agents, { minLength: agents.length, maxLength: agents.length }))),
        requestArb,
        ([agents, shuffled], r) => {
          const choice = chooseAgent(agents, requestOf(r));
          expect(chooseAgent(shuffled, requestOf(r))?.agent.agentId).toBe(choice?.agent.agentId);
          if (!choice || choice.reason === 'previous-agent') return;
          for (const other of agents.filter((a) => isEligible(a, r.required))) expect(compareUtilization(choice.agent, other)).toBeLessThanOrEqual(0);
        },
      ),
    );
  });

  /**
   * 1,000 tickets among N equal agents, the roster shuffled at every assignment. Either agents
   * never finish (capacity for everything), or after each assignment they finish 0–2 tickets, the
   * oldest first (agents working at the same pace; finishing at random would measure the randomness
   * of who finished, not the router). Each agent's share is within ±10 % of the mean.
   */
  test('property: equal agents get equal shares of 1,000 tickets (±10 %)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.oneof(fc.constant({ capacity: 1000, finishing: false }), fc.record({ capacity: fc.integer({ min: 1, max: 5 }), finishing: fc.constant(true) })),
        fc.infiniteStream(fc.integer({ min: 0, max: 2 })),
        fc.integer(),
        (n, { capacity, finishing }, finishes, seed) => {
          let random = seed >>> 0;
          const nextRandom = () => ((random = (Math.imul(random, 1664525) + 1013904223) >>> 0), random / 2 ** 32);
          const roster = new Map<string, Agent>(Array.from({ length: n }, (_, i) => [`agent-${i}`, agent({ agentId: `agent-${i}`, capacity, skills: ['language:en'] })]));
          const shares = new Map<string, number>([...roster.keys()].map((id) => [id, 0]));
          const open: { ticketId: string; agentId: string }[] = [];
          const finish = finishes[Symbol.iterator]();
          let assigned = 0;
          for (let t = 0; t < 1000; t++) {
            const at = new Date(Date.UTC(2026, 10, 23, 9, 0, 0, t)).toISOString();
            const shuffled = [...roster.values()].map((a) => ({ a, k: nextRandom() })).sort((x, y) => x.k - y.k).map(({ a }) => a);
            const choice = chooseAgent(shuffled, { ticketId: `tkt_${seed}_${t}`, required: ['language:en'] });
            if (choice) {
              const a = choice.agent;
              roster.set(a.agentId, { ...a, activeTickets: [...a.activeTickets, `tkt_${t}`], lastAssignedAt: at });
              shares.set(a.agentId, shares.get(a.agentId)! + 1);
              open.push({ ticketId: `tkt_${t}`, agentId: a.agentId });
              assigned++;
            }
            if (!finishing) continue;
            for (let k = finish.next().value as number; k > 0 && open.length; k--) {
              const done = open.shift()!;
              const holder = roster.get(done.agentId)!;
              roster.set(done.agentId, { ...holder, activeTickets: holder.activeTickets.filter((x) => x !== done.ticketId) });
            }
          }
          const mean = assigned / n;
          for (const share of shares.values()) expect(Math.abs(share - mean)).toBeLessThanOrEqual(mean * 0.1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
