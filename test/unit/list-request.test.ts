import type { Problem } from '../../shared/http/problem';
import { tableDesign } from '../../shared/store/table-design';
import { decodeCursor, encodeCursor, type ListPosition } from '../../shared/tickets/list-cursor';
import { DEFAULT_LIMIT, type ListFilters, parseListRequest, planList } from '../../shared/tickets/list-request';
import { problemOf } from '../support/problems';

const CALLER = 'a1b2c3d4-0000-4000-8000-000000000001';
const position: ListPosition = { createdAt: '2026-11-23T09:00:00.000Z', ticketId: 'tkt_0123456789abcdef' };

const parse = (query: Record<string, string> | undefined, caller = CALLER) => parseListRequest(query, caller);

const rejection = (query: Record<string, string>, caller = CALLER): Problem => problemOf(() => parse(query, caller));

const fieldsOf = (p: Problem) => (p.errors ?? []).map((e) => e.field);
const toBase64url = (text: string) => Buffer.from(text).toString('base64url');

describe('parseListRequest', () => {
  test('no query string: no filters, the default limit, the first page', () => {
    expect(parse(undefined)).toEqual({ filters: {}, limit: DEFAULT_LIMIT });
    expect(parse({})).toEqual({ filters: {}, limit: DEFAULT_LIMIT });
  });

  test('every filter and the limit, named as ticket attributes', () => {
    expect(parse({ status: 'pending', channel: 'web', assignee: 'agent-7', customer: 'cus_00ff00ff00ff00ff', limit: '100' })).toEqual({
      filters: { status: 'pending', channel: 'web', assigneeId: 'agent-7', customerId: 'cus_00ff00ff00ff00ff' },
      limit: 100,
    });
    expect(parse({ limit: '1' }).limit).toBe(1);
  });

  test('assignee=me is the caller', () => {
    expect(parse({ assignee: 'me' }).filters).toEqual({ assigneeId: CALLER });
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
    const problem = rejection({ state: 'open', sort: 'asc', status: 'open' });
    expect(fieldsOf(problem)).toEqual(['state', 'sort']);
    expect(problem.detail).toMatch(/state, sort/);
    expect(problem.detail).toMatch(/status, channel, assignee, customer, limit, cursor/);
  });

  test('several bad values are reported together', () => {
    expect(fieldsOf(rejection({ status: 'x', limit: '0', bogus: '1' })).sort()).toEqual(['bogus', 'limit', 'status']);
  });
});

describe('cursor', () => {
  test('round trip: a cursor resumes after the ticket it was made from', () => {
    const filters: ListFilters = { status: 'open', channel: 'web' };
    const cursor = encodeCursor(filters, position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(parse({ status: 'open', channel: 'web', cursor })).toEqual({ filters, limit: DEFAULT_LIMIT, after: position });
  });

  test('the page size may change between pages', () => {
    const cursor = encodeCursor({}, position);
    expect(parse({ cursor, limit: '5' })).toEqual({ filters: {}, limit: 5, after: position });
  });

  test('assignee=me binds the cursor to the caller it was issued to', () => {
    const cursor = encodeCursor({ assigneeId: CALLER }, position);
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
    const cursor = encodeCursor({ status: 'open', channel: 'web' }, position);
    const problem = rejection({ ...query, cursor });
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ field: 'cursor', message: expect.stringMatching(/other filters/) }]);
  });

  const good = JSON.parse(Buffer.from(encodeCursor({}, position), 'base64url').toString()) as Record<string, unknown>;
  test.each<[string, string]>([
    ['empty', ''],
    ['not base64url', 'not a cursor!'],
    ['standard base64 padding', `${encodeCursor({}, position)}==`],
    ['base64url of text that is not JSON', toBase64url('hello')],
    ['JSON that is not an object', toBase64url('[1,2]')],
    ['another version', toBase64url(JSON.stringify({ ...good, v: 2 }))],
    ['a field missing', toBase64url(JSON.stringify({ ...good, id: undefined }))],
    ['an extra field', toBase64url(JSON.stringify({ ...good, admin: true }))],
    ['a ticket id of another shape', toBase64url(JSON.stringify({ ...good, id: 'tkt_1' }))],
    ['a time that is not a time', toBase64url(JSON.stringify({ ...good, at: 'yesterday' }))],
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

describe('planList: the most selective index for the filters, the rest filtered', () => {
  const open = 'open' as const;
  test.each<[ListFilters, ReturnType<typeof planList>]>([
    [{}, { index: 'all', otherFilters: [] }],
    [{ channel: 'web' }, { index: 'byChannel', keyFilter: 'channel', otherFilters: [] }],
    [{ status: open }, { index: 'byStatus', keyFilter: 'status', otherFilters: [] }],
    [{ status: open, channel: 'web' }, { index: 'byStatus', keyFilter: 'status', otherFilters: ['channel'] }],
    [{ customerId: 'cus_1', status: open }, { index: 'byCustomer', keyFilter: 'customerId', otherFilters: ['status'] }],
    [{ customerId: 'cus_1', channel: 'web' }, { index: 'byCustomer', keyFilter: 'customerId', otherFilters: ['channel'] }],
    [{ assigneeId: 'a', customerId: 'cus_1' }, { index: 'byAssignee', keyFilter: 'assigneeId', otherFilters: ['customerId'] }],
    [
      { assigneeId: 'a', customerId: 'cus_1', status: open, channel: 'web' },
      { index: 'byAssignee', keyFilter: 'assigneeId', otherFilters: ['customerId', 'status', 'channel'] },
    ],
  ])('%j', (filters, plan) => {
    expect(planList(filters)).toEqual(plan);
  });

  test('every index it picks is a list index of the table design, sorted by listKey', () => {
    const listIndexes = tableDesign.indexes.filter((i) => i.sortKey === 'listKey').map((i) => i.name);
    for (const index of ['all', 'byChannel', 'byStatus', 'byCustomer', 'byAssignee']) expect(listIndexes).toContain(index);
  });
});
