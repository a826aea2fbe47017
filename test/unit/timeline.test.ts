import { reopenChange, type Ticket, ticketFromSeed } from '../../shared/domain/ticket';
import { HttpProblem } from '../../shared/http/problem';
import { auditTimelineKey, encodeTimelineCursor, type PageEntry, parseTimelineRequest, type TimelineRequest, withLatestChange } from '../../shared/tickets/timeline';

const created = ticketFromSeed({
  ticketId: 'tkt_0123456789abcdef',
  customerId: 'cus_0123456789abcdef',
  channel: 'web',
  subject: 'Parcel late',
  createdAt: '2026-11-23T09:00:00.000Z',
  messageId: 'web:m-1',
});
const solved: Ticket = { ...created, status: 'solved', solvedAt: '2026-11-23T10:00:00.000Z' };
const reopen = reopenChange(solved, 'reopen', 'web:m-2', '2026-11-23T11:00:00.000Z');
const reopened: Ticket = { ...solved, status: 'open', version: reopen.version, lastChange: reopen };

type E = { id: string };
const msg = (at: string, id: string): PageEntry<E> => ({ key: `MSG#${at}#${id}`, type: 'message', entry: { id } });
const audit = (t: Ticket['lastChange']): PageEntry<E> => ({ key: auditTimelineKey(created.ticketId, t), type: 'audit', entry: { id: `v${t.version}` } });
const asEntry = (c: Ticket['lastChange']): E => ({ id: `v${c.version}` });
const asc = (limit = 50, after?: string): TimelineRequest => ({ limit, order: 'asc', ...(after ? { after } : {}) });

const problemOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as HttpProblem).problem;
  }
  throw new Error('expected a problem');
};

describe('the latest change on the timeline', () => {
  const first = msg('2026-11-23T09:00:00.000Z', 'web:m-1');
  const second = msg('2026-11-23T11:00:00.000Z', 'web:m-2');

  test('present already: the page as read', () => {
    const page = [first, audit(created.lastChange), second, audit(reopen)];
    expect(withLatestChange(page, reopened, asc(), false, asEntry)).toEqual(page);
  });

  test('not readable yet (index lag, or a crash before its audit entry): added in its place on the last page', () => {
    const page = [first, audit(created.lastChange), second];
    // A change follows the message that caused it (same instant).
    expect(withLatestChange(page, reopened, asc(), false, asEntry).map((e) => e.entry.id)).toEqual(['web:m-1', 'v1', 'web:m-2', 'v2']);
  });

  test('a page that ends before it does not show it; the page that reaches it does', () => {
    const page = [first, audit(created.lastChange)];
    expect(withLatestChange(page, reopened, asc(2), true, asEntry)).toEqual(page);
    expect(withLatestChange([second], reopened, asc(2, first.key), false, asEntry).map((e) => e.entry.id)).toEqual(['web:m-2', 'v2']);
  });

  test('newest first, it leads the first page and not a later one', () => {
    const desc: TimelineRequest = { limit: 2, order: 'desc' };
    expect(withLatestChange([second, first], reopened, desc, true, asEntry).map((e) => e.entry.id)).toEqual(['v2', 'web:m-2']);
    expect(withLatestChange([first], reopened, { ...desc, after: second.key }, false, asEntry).map((e) => e.entry.id)).toEqual(['web:m-1']);
  });
});

describe('timeline query', () => {
  test('defaults: the first 50, oldest first', () => {
    expect(parseTimelineRequest(undefined)).toEqual({ limit: 50, order: 'asc' });
  });

  test('a cursor continues in its own order', () => {
    const cursor = encodeTimelineCursor('MSG#2026-11-23T09:00:00.000Z#web:m-1', 'desc');
    expect(parseTimelineRequest({ cursor, limit: '10' })).toEqual({ limit: 10, order: 'desc', after: 'MSG#2026-11-23T09:00:00.000Z#web:m-1' });
    expect(problemOf(() => parseTimelineRequest({ cursor, order: 'asc' })).errors).toEqual([{ field: 'order', message: expect.stringContaining('desc') }]);
  });

  test.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '201' }, 'limit'],
    [{ order: 'up' }, 'order'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
    [{ cursor: Buffer.from('{"k":"TASK#x","o":"asc"}').toString('base64url') }, 'cursor'],
    [{ page: '2' }, 'page'],
  ])('%j is a 400 naming %s', (query, field) => {
    const problem = problemOf(() => parseTimelineRequest(query));
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field)).toEqual([field]);
  });
});
