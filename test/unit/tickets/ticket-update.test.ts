import { parseConfig } from '../../../shared/config';
import { type Ticket, ticketFromSeed } from '../../../shared/domain/ticket';
import type { Caller } from '../../../shared/http/caller';
import { maySee, mayWork } from '../../../shared/tickets/access';
import { mentionEvents, mentionsIn } from '../../../shared/tickets/notes';
import { planUpdate, requestDigest, updateEvents } from '../../../shared/tickets/ticket-update';
import { problemOf } from '../../support/problems';

const config = parseConfig({ workspace: { agentsSee: 'assigned', customFields: { orderNumber: { type: 'text', maxLength: 10 }, plan: { type: 'choice', values: ['free', 'pro'] }, urgent: { type: 'boolean' } } } });
const base = ticketFromSeed({ ticketId: 'tkt_0123456789abcdef', customerId: 'cus_0123456789abcdef', channel: 'web', subject: 's', createdAt: '2026-11-23T09:00:00.000Z', messageId: 'web:1' });
const ticket: Ticket = { ...base, status: 'open', assigneeId: 'alice', priority: 'normal', category: 'billing', tags: ['b', 'a'] };
const alice: Caller = { sub: 'alice', groups: ['agent'] };
const bob: Caller = { sub: 'bob', groups: ['agent'] };
const lin: Caller = { sub: 'lin', groups: ['supervisor'] };
const root: Caller = { sub: 'root', groups: ['admin'] };
const AT = '2026-11-23T10:00:00.000Z';

describe('planUpdate', () => {
  test('changes only what differs; the same tags in another order or unchanged values are no change at all', () => {
    expect(planUpdate(ticket, alice, { tags: ['a', 'b'], priority: 'normal', status: 'open' }, config, AT)).toBeUndefined();
    const plan = planUpdate(ticket, alice, { tags: ['c'], priority: 'high' }, config, AT)!;
    expect(plan.change).toMatchObject({ version: 2, action: 'ticket.updated', actor: { type: 'agent', id: 'alice' }, before: { tags: ['b', 'a'], priority: 'normal' }, after: { tags: ['c'], priority: 'high' } });
    expect(plan.set).toEqual({ tags: ['c'], priority: 'high', prioritySource: 'agent' });
  });

  test('custom fields merge, null removes, values are checked against their definitions', () => {
    const withFields = { ...ticket, customFields: { orderNumber: 'A-1', urgent: true } };
    expect(planUpdate(withFields, alice, { customFields: { urgent: null, plan: 'pro' } }, config, AT)!.set.customFields).toEqual({ orderNumber: 'A-1', plan: 'pro' });
    expect(problemOf(() => planUpdate(withFields, alice, { customFields: { plan: 'gold', urgent: 'yes', orderNumber: 'A-123456789' } }, config, AT)).errors).toEqual([
      { field: 'customFields.plan', message: 'must be one of free, pro' },
      { field: 'customFields.urgent', message: 'must be true or false' },
      { field: 'customFields.orderNumber', message: 'must be text of at most 10 characters' },
    ]);
    expect(problemOf(() => planUpdate(withFields, alice, { customFields: { __proto__x: 1, toString: 1 } }, config, AT)).errors?.map((e) => e.field)).toEqual(['customFields.__proto__x', 'customFields.toString']);
  });

  test('assignment: an agent takes an unassigned ticket or gives theirs back; a supervisor gives any; nobody assigns a solved one', () => {
    const unassigned = { ...ticket, assigneeId: undefined, queuedAt: AT };
    expect(planUpdate(unassigned, bob, { assigneeId: 'bob' }, config, AT, { agentId: 'bob', exists: true })).toMatchObject({ assign: 'bob', remove: ['queuedAt'] });
    expect(problemOf(() => planUpdate(unassigned, bob, { assigneeId: 'alice' }, config, AT, { agentId: 'alice', exists: true })).status).toBe(403);
    expect(planUpdate(ticket, alice, { assigneeId: null }, config, AT)).toMatchObject({ release: 'alice', remove: ['assigneeId', 'assignedAt'] });
    expect(planUpdate(ticket, lin, { assigneeId: 'bob' }, config, AT, { agentId: 'bob', exists: true })).toMatchObject({ assign: 'bob', release: 'alice' });
    expect(problemOf(() => planUpdate(ticket, lin, { assigneeId: 'zed' }, config, AT, { agentId: 'zed', exists: false })).errors).toEqual([{ field: 'assigneeId', message: expect.stringContaining('no agent zed') }]);
    expect(problemOf(() => planUpdate({ ...ticket, status: 'solved' }, lin, { assigneeId: 'bob' }, config, AT, { agentId: 'bob', exists: true }))).toMatchObject({ status: 409, ticketStatus: 'solved' });
  });

  test('another agent\'s ticket is not theirs to change; an admin works no tickets', () => {
    expect(problemOf(() => planUpdate(ticket, bob, { priority: 'low' }, config, AT)).status).toBe(403);
    expect(problemOf(() => planUpdate(ticket, root, { priority: 'low' }, config, AT)).status).toBe(403);
  });

  test('events are rebuilt from the recorded change alone, with ids fixed by the version', () => {
    const plan = planUpdate(ticket, lin, { status: 'pending', assigneeId: 'bob', tags: [] }, config, AT, { agentId: 'bob', exists: true })!;
    const after = { ...ticket, ...plan.set, version: 2, lastChange: plan.change } as Ticket;
    const events = updateEvents(after, plan.change);
    expect(events.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['TicketStatusChanged', 'tkt_0123456789abcdef:v2'],
      ['TicketAssigned', 'tkt_0123456789abcdef:v2:assigned'],
      ['TicketUpdated', 'tkt_0123456789abcdef:v2:updated'],
    ]);
    expect(events[1].detail).toMatchObject({ agentId: 'bob', previousAgentId: 'alice', reason: 'manual' });
    expect(events[2].detail).toMatchObject({ fields: ['status', 'tags', 'assigneeId'], routingChanged: false });
    expect(updateEvents(after, plan.change)).toEqual(events);
  });

  test('the request digest tells a retry from another request', () => {
    expect(requestDigest(alice, { tags: ['a'], priority: 'low' })).toBe(requestDigest(alice, { priority: 'low', tags: ['a'] }));
    expect(requestDigest(alice, { tags: ['a'] })).not.toBe(requestDigest(bob, { tags: ['a'] }));
    expect(requestDigest(alice, { tags: ['a'] })).not.toBe(requestDigest(alice, { tags: ['b'] }));
  });
});

describe('who sees and who works a ticket', () => {
  const all = parseConfig({});
  test.each([
    ['the assignee', alice, ticket, true, true],
    ['another agent', bob, ticket, false, false],
    ['another agent, a collaborator', bob, { ...ticket, collaborators: ['bob'] }, true, false],
    ['any agent, an unassigned ticket', bob, { ...ticket, assigneeId: undefined }, true, true],
    ['a supervisor', lin, ticket, true, true],
    ['an admin', root, ticket, true, false],
  ])('%s', (_who, caller, t, sees, works) => {
    expect(maySee(t, caller, config)).toBe(sees);
    expect(mayWork(t, caller)).toBe(works);
  });
  test('by default (agentsSee: all), every agent sees every ticket (and still works only theirs)', () => {
    expect(maySee(ticket, bob, all)).toBe(true);
    expect(mayWork(ticket, bob)).toBe(false);
  });
});

describe('mentions', () => {
  test.each([
    ['@mei can you check?', ['mei']],
    ['Thanks @mei. And @lin.', ['mei', 'lin']],
    ['@mei @mei twice', ['mei']],
    ['write to alice@example.com', []],
    ['not a@mention or x_@y', []],
    ['（@mei）请看一下', ['mei']],
    ['@first.last, please', ['first.last']],
  ])('%j mentions %j', (body, expected) => {
    expect(mentionsIn(body)).toEqual(expected);
  });
  test('the author mentioning themself is told nothing', () => {
    const note = { noteId: 'note_1', ticketId: 't', kind: 'note' as const, author: { type: 'agent' as const, id: 'mei' }, body: '', mentions: ['mei', 'lin'], createdAt: AT };
    expect(mentionEvents(note).map((e) => e.detail.agentId)).toEqual(['lin']);
  });
});
