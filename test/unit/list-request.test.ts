import type { Problem } from '../../shared/http/problem';
import { tableDesign } from '../../shared/store/table-design';
import { decodeCursor, encodeCursor } from '../../shared/tickets/list-cursor';
import { DEFAULT_LIMIT, type ListFilters, parseListRequest, planList } from '../../shared/tickets/list-request';
import { problemOf } from '../support/problems';

const CALLER = 'a1b2c3d4-0000-4000-8000-000000000001';
const position = '2026-11-23T09:00:00.000Z#tkt_0123456789abcdef';

const parse = (query: Record<string, string> | undefined, caller = CALLER) => parseListRequest(query, caller);

const rejection = (query: Record<string, string>, caller = CALLER): Problem => problemOf(() => parse(query, caller));

const fieldsOf = (p: Problem) => (p.errors ?? []).map((e) => e.field);
const toBase64url = (text: string) => Buffer.from(text).toString('base64url');

describe('parseListRequest', () => {
  test('no query string: no filters, the default limit, the first page', () => {
    expect(parse(undefined)).toEqual({ filters: {}, order: 'created', limit: DEFAULT_LIMIT });
    expect(parse({})).toEqual({ filters: {}, order: 'created', limit: DEFAULT_LIMIT });
  });

  test('every filter and the limit, named as ticket attributes', () => {
    expect(parse({ status: 'pending', channel: 'web', assignee: 'agent-7', customer: 'cus_00ff00ff00ff00ff', limit: '100' })).toEqual({
      filters: { status: 'pending', channel: 'web', assigneeId: 'agent-7', customerId: 'cus_00ff00ff00ff00ff' },
      order: 'created',
      limit: 100,
    });
    expect(parse({ limit: '1' }).limit).toBe(1);
  });

  test('assignee=me is the caller, assignee=none the unassigned tickets', () => {
    expect(parse({ assignee: 'me' }).filters).toEqual({ assigneeId: CALLER });
    expect(parse({ assignee: 'none' }).filters).toEqual({ assigneeId: null });
  });

  test('the newer filters and orders', () => {
    expect(parse({ priority: 'high', urgency: 'critical', category: 'billing', team: 'support', tag: 'refund', createdFrom: '2026-11-01T00:00:00Z', createdTo: '2026-11-30T00:00:00Z' })).toEqual({
      filters: { priority: 'high', urgency: 'critical', category: 'billing', team: 'support', tag: 'refund', createdFrom: '2026-11-01T00:00:00Z', createdTo: '2026-11-30T00:00:00Z' },
      order: 'created',
      limit: DEFAULT_LIMIT,
    });
    expect(parse({ status: 'open', sort: 'priority' }).order).toBe('priority');
    expect(parse({ status: 'open', sort: 'updated', updatedFrom: '2026-11-23T00:00:00Z' }).order).toBe('updated');
    expect(parse({ sla: 'due-soon' })).toMatchObject({ order: 'due', filters: { sla: 'due-soon', dueWithinMinutes: 60 } });
    expect(parse({ sla: 'due-soon', dueWithin: '15' }).filters.dueWithinMinutes).toBe(15);
    expect(parse({ sla: 'breached' }).filters).toEqual({ sla: 'breached' });
  });

  test.each<[Record<string, string>, string]>([
    [{ sort: 'priority' }, 'sort'],
    [{ sort: 'updated', assignee: 'me' }, 'sort'],
    [{ updatedFrom: '2026-11-23T00:00:00Z', status: 'open' }, 'updatedFrom'],
    [{ sla: 'breached', sort: 'created' }, 'sort'],
    [{ dueWithin: '30' }, 'dueWithin'],
    [{ createdFrom: '2026-11-24T00:00:00Z', createdTo: '2026-11-23T00:00:00Z' }, 'createdTo'],
    [{ status: 'open', sort: 'priority', createdFrom: '2026-11-01T00:00:00Z' }, 'createdFrom'],
    [{ status: 'solved', sort: 'priority' }, 'sort'],
  ])('a combination no index serves is a 400 naming it: %j', (query, field) => {
    expect(fieldsOf(rejection(query))).toEqual([field]);
  });

  test.each([
    ['status', { status: 'waiting' }],
    ['status', { status: '' }],
    ['status', { status: 'new,open' }], // what API Gateway makes of ?status=new&status=open
    ['channel', { channel: 'Web' }],
    ['channel', { channel: 'w' }],
    ['channel', { channel: 'x'.repeat(33) }],
    ['assignee', { assignee: '' }],
    ['assignee', { assignee: 'two words' }],
    ['assignee', { assignee: 'a'.repeat(129) }],
    ['customer', { customer: 'ana@example.com' }],
    ['customer', { customer: 'cus_XYZ' }],
    ['limit', { limit: '0' }],
    ['limit', { limit: '101' }],
    ['limit', { limit: '-1' }],
    ['limit', { limit: '2.5' }],
    ['limit', { limit: 'ten' }],
    ['limit', { limit: '' }],
    ['limit', { limit: '1e2' }],
  ])('an invalid %s is a 400 naming it: %j', (field, query) => {
    const problem = rejection(query);
    expect(problem.status).toBe(400);
    expect(problem.type).toBe('urn:switchboard:problem:invalid-request');
    expect(fieldsOf(problem)).toEqual([field]);
    expect(problem.errors![0].message).toEqual(expect.any(String));
  });

  test('unknown parameters are a 400 naming each, and the detail lists the known ones', () => {
    const problem = rejection({ state: 'open', order: 'asc', status: 'open' });
    expect(fieldsOf(problem)).toEqual(['state', 'order']);
    expect(problem.detail).toMatch(/state, order/);
    expect(problem.detail).toMatch(/status, priority, urgency, category, channel, assignee, team, tag, customer/);
  });

  test('several bad values are reported together', () => {
    expect(fieldsOf(rejection({ status: 'x', limit: '0', bogus: '1' })).sort()).toEqual(['bogus', 'limit', 'status']);
  });
});

describe('cursor', () => {
  test('round trip: a cursor resumes after the ticket it was made from', () => {
    const filters: ListFilters = { status: 'open', channel: 'web' };
    const cursor = encodeCursor(filters, 'created', position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parse({ status: 'open', channel: 'web', cursor })).toEqual({ filters, order: 'created', limit: DEFAULT_LIMIT, after: position });
  });

  test('the page size may change between pages', () => {
    const cursor = encodeCursor({}, 'created', position);
    expect(parse({ cursor, limit: '5' })).toEqual({ filters: {}, order: 'created', limit: 5, after: position });
  });

  test('assignee=me binds the cursor to the caller it was issued to', () => {
    const cursor = encodeCursor({ assigneeId: CALLER }, 'created', position);
    expect(parse({ assignee: 'me', cursor }).after).toEqual(position);
    expect(parse({ assignee: CALLER, cursor }).after).toEqual(position);
    expect(fieldsOf(rejection({ assignee: 'me', cursor }, 'someone-else'))).toEqual(['cursor']);
  });

  test.each<[string, Record<string, string>]>([
    ['another status', { status: 'pending' }],
    ['a filter added', { status: 'open', channel: 'web', customer: 'cus_00ff00ff00ff00ff' }],
    ['a filter dropped', { status: 'open' }],
    ['no filters', {}],
    ['another assignee', { status: 'open', channel: 'web', assignee: 'agent-9' }],
  ])('a cursor used with other filters (%s) is a 400 naming cursor', (_case, query) => {
    const cursor = encodeCursor({ status: 'open', channel: 'web' }, 'created', position);
    const problem = rejection({ ...query, cursor });
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'cursor', message: expect.stringMatching(/other filters/) }]);
  });

  const good = JSON.parse(Buffer.from(encodeCursor({}, 'created', position), 'base64url').toString()) as Record<string, unknown>;
  test.each<[string, string]>([
    ['empty', ''],
    ['not base64url', 'not a cursor!'],
    ['standard base64 padding', `${encodeCursor({}, 'created', position)}==`],
    ['base64url of text that is not JSON', toBase64url('hello')],
    ['JSON that is not an object', toBase64url('[1,2]')],
    ['another version', toBase64url(JSON.stringify({ ...good, v: 1 }))],
    ['a field missing', toBase64url(JSON.stringify({ ...good, k: undefined }))],
    ['an extra field', toBase64url(JSON.stringify({ ...good, admin: true }))],
    ['an empty position', toBase64url(JSON.stringify({ ...good, k: '' }))],
    ['an altered filter digest', toBase64url(JSON.stringify({ ...good, f: 'zz' }))],
    ['far too long', 'A'.repeat(600)],
  ])('a malformed or altered cursor (%s) is a 400 naming cursor', (_case, cursor) => {
    const problem = rejection({ cursor });
    expect(problem.status).toBe(400);
    expect(fieldsOf(problem)).toEqual(['cursor']);
  });

  test('a cursor with a filter digest of other filters is told apart from a malformed one', () => {
    const foreign = toBase64url(JSON.stringify({ ...good, f: '0000000000000000' }));
    expect(decodeCursor(foreign)).toBeDefined();
    expect(rejection({ cursor: foreign }).errors![0].message).toMatch(/other filters/);
  });
});

describe('planList: one list index per request, the most selective filter its partition, the rest filtered', () => {
  const now = new Date('2026-11-23T12:00:00.000Z');
  const plan = (query: Record<string, string>) => planList(parse(query), now);

  test.each<[Record<string, string>, string, string, Record<string, unknown>]>([
    [{}, 'all', 'TICKETS', {}],
    [{ channel: 'web' }, 'all', 'TICKETS', { channel: 'web' }],
    [{ urgency: 'critical', status: 'new' }, 'byStatus', 'STATUS#new', { urgency: 'critical' }],
    [{ status: 'open', channel: 'web' }, 'byStatus', 'STATUS#open', { channel: 'web' }],
    [{ customer: 'cus_00ff00ff00ff00ff', status: 'open' }, 'byCustomer', 'CUSTOMER#cus_00ff00ff00ff00ff', { status: 'open' }],
    [{ assignee: 'me', status: 'open', tag: 'refund' }, 'byAssignee', `ASSIGNEE#${CALLER}`, { status: 'open', tag: 'refund' }],
    [{ assignee: 'none', team: 'support' }, 'byAssignee', 'ASSIGNEE#-', { team: 'support' }],
    [{ team: 'support', priority: 'high' }, 'byTeam', 'TEAM#support', { priority: 'high' }],
    [{ category: 'billing', urgency: 'critical', status: 'open' }, 'byCategory', 'CATEGORY#billing', { urgency: 'critical', status: 'open' }],
    [{ priority: 'high', status: 'open' }, 'byPriority', 'PRIORITY#high', { status: 'open' }],
    [{ tag: 'refund' }, 'all', 'TICKETS', { tag: 'refund' }],
    [{ status: 'open', sort: 'priority', team: 'support' }, 'byStatusQueue', 'STATUS#open', { team: 'support' }],
    [{ assignee: 'me', status: 'open', sort: 'priority' }, 'byAssigneeQueue', `ASSIGNEE#${CALLER}`, { status: 'open' }],
    [{ status: 'pending', sort: 'updated' }, 'byStatusUpdated', 'STATUS#pending', {}],
    [{ sla: 'breached', assignee: 'me' }, 'bySla', 'SLA', { assigneeId: CALLER }],
  ])('%j → %s', (query, index, partitionValue, residual) => {
    expect(plan(query)).toMatchObject({ index, partitionValue, residual });
  });

  test('time filters become the sort-key range of their order', () => {
    expect(plan({ createdFrom: '2026-11-01T00:00:00Z', createdTo: '2026-11-02T00:00:00Z' }).range).toEqual({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z#~' });
    expect(plan({ status: 'open', sort: 'updated', updatedFrom: '2026-11-23T00:00:00Z' }).range).toEqual({ from: '2026-11-23T00:00:00Z' });
    expect(plan({ sla: 'breached' }).range).toEqual({ to: '2026-11-23T12:00:00.000Z#~' });
    expect(plan({ sla: 'due-soon', dueWithin: '30' }).range).toEqual({ from: '2026-11-23T12:00:00.000Z', to: '2026-11-23T12:30:00.000Z#~' });
  });

  test('every index it picks is in the table design, with the sort key of its order', () => {
    for (const query of [{}, { sort: 'priority', status: 'open' }, { sort: 'updated', status: 'open' }, { sla: 'breached' }, { team: 'x' }, { category: 'billing' }]) {
      const p = plan(query as Record<string, string>);
      expect(tableDesign.indexes).toContainEqual(expect.objectContaining({ name: p.index, partitionKey: p.partitionKey, sortKey: p.sortKey }));
    }
  });
});
