import { reopenChange, ticketFromSeed } from '../../shared/domain/ticket';
import { HttpProblem } from '../../shared/http/problem';
import type { AuditEntry } from '../../shared/ingest/ports';
import { auditTrail, parseTicketId } from '../../shared/tickets/ticket-detail';

const created = ticketFromSeed({
  ticketId: 'tkt_0123456789abcdef',
  customerId: 'cus_0123456789abcdef',
  channel: 'web',
  subject: 'Parcel late',
  createdAt: '2026-11-23T09:00:00.000Z',
  messageId: 'web:m-1',
});
const solved = { ...created, status: 'solved' as const, solvedAt: '2026-11-23T10:00:00.000Z' };
const reopen = reopenChange(solved, 'reopen', 'web:m-2', '2026-11-23T11:00:00.000Z');
const reopened = { ...solved, status: 'open' as const, version: reopen.version, lastChange: reopen };
const entry = (t: typeof created, change = t.lastChange): AuditEntry => ({ ...change, ticketId: t.ticketId });

describe('parseTicketId', () => {
  test('a ticket id passes', () => {
    expect(parseTicketId('tkt_0123456789abcdef')).toBe('tkt_0123456789abcdef');
  });

  test.each([undefined, '', 'tkt_', 'tkt_0123456789ABCDEF', 'tkt_0123456789abcdef0', 'cus_0123456789abcdef', '../tkt_0123456789abcdef'])(
    '%j is a 404, not a 400 or 500',
    (id) => {
      try {
        parseTicketId(id);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpProblem);
        expect((error as HttpProblem).problem.status).toBe(404);
        return;
      }
      throw new Error('expected a rejection');
    },
  );
});

describe('auditTrail', () => {
  test('a complete trail is returned as stored, oldest first', () => {
    const stored = [entry(created), entry(reopened, reopen)];
    expect(auditTrail(stored, reopened)).toEqual(stored);
  });

  test('a latest change whose audit entry is not written yet comes from the ticket, last', () => {
    expect(auditTrail([entry(created)], reopened)).toEqual([entry(created), { ...reopen, ticketId: reopened.ticketId }]);
  });

  test('a ticket with no audit entry at all still shows its creation', () => {
    expect(auditTrail([], created)).toEqual([entry(created)]);
  });

  test('entries are ordered by time, then version, as the audit sort key orders them', () => {
    const a = { ...entry(created), version: 2, at: '2026-11-23T09:00:00.000Z' };
    const b = { ...entry(created), version: 1, at: '2026-11-23T09:00:00.000Z' };
    const c = { ...entry(created), version: 3, at: '2026-11-22T09:00:00.000Z' };
    expect(auditTrail([a, b, c], { ...created, lastChange: a }).map((e) => e.version)).toEqual([3, 1, 2]);
  });
});
