import fc from 'fast-check';
import { priorities, type Priority } from '../../../shared/config';
import { isEligible } from '../../../shared/routing/skills';
import { nextFor, type QueuedTicket, queueRank } from '../../../shared/routing/queue';
import { agentArb, requiredArb } from './arbitraries';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('queueRank', () => {
  test('highest priority first, then the longest waiting, then the ticket id', () => {
    const ranks = [
      queueRank('normal', '2026-11-23T09:00:00.000Z', 'tkt_b'),
      queueRank('critical', '2026-11-23T10:00:00.000Z', 'tkt_c'),
      queueRank('normal', '2026-11-23T08:00:00.000Z', 'tkt_a'),
      queueRank('normal', '2026-11-23T09:00:00.000Z', 'tkt_a'),
      queueRank('low', '2026-11-01T00:00:00.000Z', 'tkt_d'),
    ];
    expect([...ranks].sort()).toEqual([ranks[1], ranks[2], ranks[3], ranks[0], ranks[4]]);
    expect(ranks[1]).toBe('0#2026-11-23T10:00:00.000Z#tkt_c');
  });

  test('times in any ISO form rank by the instant they name', () => {
    expect(queueRank('high', '2026-11-23T17:00:00+08:00', 't')).toBe(queueRank('high', '2026-11-23T09:00:00.000Z', 't'));
  });

  test('an unknown priority or a non-time is refused, not ranked somewhere arbitrary', () => {
    expect(() => queueRank('urgent' as Priority, '2026-11-23T09:00:00.000Z', 't')).toThrow(/priority/);
    expect(() => queueRank('high', 'yesterday', 't')).toThrow(/queuedAt/);
  });

  const entryArb = fc.record({
    priority: fc.constantFrom(...priorities),
    at: fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2099-12-31T23:59:59.999Z'), noInvalidDate: true }),
    ticketId: fc.string({ minLength: 1, maxLength: 6 }),
  });

  test('property: the ranks\' string order is (priority desc, queuedAt asc, ticket id)', () => {
    fc.assert(
      fc.property(entryArb, entryArb, (a, b) => {
        const expected =
          priorities.indexOf(b.priority) - priorities.indexOf(a.priority) || a.at.getTime() - b.at.getTime() || byCodeUnit(a.ticketId, b.ticketId);
        expect(Math.sign(byCodeUnit(queueRank(a.priority, a.at.toISOString(), a.ticketId), queueRank(b.priority, b.at.toISOString(), b.ticketId)))).toBe(Math.sign(expected));
      }),
    );
  });
});

describe('nextFor', () => {
  const queuedArb: fc.Arbitrary<QueuedTicket[]> = fc.uniqueArray(
    fc.record({
      ticketId: fc.integer({ min: 0, max: 0xffff }).map((n) => `tkt_${n.toString(16).padStart(4, '0')}`),
      priority: fc.constantFrom(...priorities),
      minute: fc.integer({ min: 0, max: 59 }),
      requiredSkills: requiredArb,
    }),
    { selector: (t) => t.ticketId, maxLength: 12 },
  ).map((list) =>
    list.map(({ minute, ...t }) => {
      const queuedAt = `2026-11-23T09:${String(minute).padStart(2, '0')}:00.000Z`;
      return { ...t, customerId: 'cus_1', queuedAt, rank: queueRank(t.priority, queuedAt, t.ticketId) };
    }),
  );

  test('the best-ranked ticket the agent is eligible for', () => {
    const q = (ticketId: string, priority: Priority, requiredSkills: string[]): QueuedTicket => ({
      ticketId,
      customerId: 'cus_1',
      priority,
      queuedAt: '2026-11-23T09:00:00.000Z',
      requiredSkills,
      rank: queueRank(priority, '2026-11-23T09:00:00.000Z', ticketId),
    });
    const mei = { agentId: 'mei', team: 'support', skills: ['language:zh'], capacity: 2, presence: 'online' as const, activeTickets: [], version: 1, updatedAt: '2026-11-23T08:00:00.000Z' };
    const queued = [q('t1', 'normal', ['language:zh']), q('t2', 'critical', ['language:en']), q('t3', 'high', ['language:zh'])];
    expect(nextFor(mei, queued)?.ticketId).toBe('t3');
    expect(nextFor({ ...mei, presence: 'away' }, queued)).toBeUndefined();
    expect(nextFor({ ...mei, activeTickets: ['a', 'b'] }, queued)).toBeUndefined();
    expect(nextFor(mei, [])).toBeUndefined();
  });

  test('property: the first ticket in rank order the agent is eligible for', () => {
    fc.assert(
      fc.property(agentArb('mei'), queuedArb, (agent, queued) => {
        const expected = [...queued].sort((a, b) => byCodeUnit(a.rank, b.rank)).find((t) => isEligible(agent, t.requiredSkills));
        expect(nextFor(agent, queued)).toBe(expected);
      }),
    );
  });
});
