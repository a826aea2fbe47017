import fc from 'fast-check';
import { AgentAvailabilityChanged } from '../../../events/routing';
import { availabilityChanged, availabilityGained } from '../../../shared/routing/availability';
import { agent, agentArb } from './arbitraries';

describe('availabilityGained', () => {
  const before = agent({ agentId: 'mei', skills: ['language:zh'], capacity: 3, presence: 'online' });
  test.each([
    ['coming online', { ...before, presence: 'offline' as const }, before, 'presence'],
    ['coming back from away', { ...before, presence: 'away' as const }, before, 'presence'],
    ['more capacity while online', before, { ...before, capacity: 4 }, 'capacity'],
    ['a new skill while online', before, { ...before, skills: ['category:billing', 'language:zh'] }, 'skills'],
    ['created online (seeded)', undefined, before, 'presence'],
  ])('%s → %s', (_label, b, a, reason) => expect(availabilityGained(b, a)).toBe(reason));

  test.each([
    ['going away', before, { ...before, presence: 'away' as const }],
    ['more capacity while offline', { ...before, presence: 'offline' as const }, { ...before, presence: 'offline' as const, capacity: 9 }],
    ['less capacity', before, { ...before, capacity: 2 }],
    ['a skill dropped', before, { ...before, skills: [] }],
    ['staying online', before, { ...before, version: 2 }],
    ['created offline', undefined, { ...before, presence: 'offline' as const }],
    ['coming online full', { ...before, presence: 'away' as const, activeTickets: ['a', 'b', 'c'] }, { ...before, activeTickets: ['a', 'b', 'c'] }],
    ['more capacity, still below the load', { ...before, capacity: 1, activeTickets: ['a', 'b', 'c'] }, { ...before, capacity: 3, activeTickets: ['a', 'b', 'c'] }],
  ])('%s → nothing', (_label, b, a) => expect(availabilityGained(b, a)).toBeUndefined());

  test('property: only an online agent with room is ever announced, and only for a change that could let them take a ticket they could not before', () => {
    fc.assert(
      fc.property(agentArb('mei'), agentArb('mei'), (b, a) => {
        const reason = availabilityGained(b, a);
        if (a.presence !== 'online' || a.activeTickets.length >= a.capacity) expect(reason).toBeUndefined();
        const couldTakeMore =
          a.presence === 'online' && a.activeTickets.length < a.capacity && (b.presence !== 'online' || a.capacity > b.capacity || a.skills.some((s) => !b.skills.includes(s)));
        expect(reason !== undefined).toBe(couldTakeMore);
      }),
    );
  });
});

describe('availabilityChanged', () => {
  test('an AgentAvailabilityChanged keyed by the agent\'s version, ids only', () => {
    const event = availabilityChanged(agent({ agentId: 'mei', name: 'Mei Chen', capacity: 5, version: 7 }), 'presence', '2026-11-23T09:00:00.000Z');
    expect(event).toEqual({ detailType: 'AgentAvailabilityChanged', detail: AgentAvailabilityChanged.example });
    expect(JSON.stringify(event)).not.toContain('Mei Chen');
  });
});
