import fc from 'fast-check';
import { MessageReceived, TicketMerged, TicketSplit, TicketStatusChanged } from '../../../events';
import { ticketStatuses } from '../../../events/ticket-status';
import { parseConfig } from '../../../shared/config';
import { splitTicketIdFor } from '../../../shared/domain/identity';
import { seedOf, type Ticket, ticketFromSeed } from '../../../shared/domain/ticket';
import type { Caller } from '../../../shared/http/caller';
import {
  checkMerge,
  checkSplit,
  closeMergedSource,
  countMoved,
  inheritedCollaborators,
  isClosingFor,
  isMergeRecordOf,
  mergeEvents,
  movesWithMerge,
  parseTicketMergeRequest,
  parseTicketSplitRequest,
  recordMergeOnTarget,
  recordSplitOnSource,
  type SplitMessage,
  splitEvents,
  splitTicketOf,
  targetProblem,
  ticketMergeResponse,
  ticketSplitResponse,
} from '../../../shared/tickets/merge';
import { problemOf } from '../../support/problems';

const config = parseConfig({ workspace: { agentsSee: 'assigned' } });
const T = 'tkt_00000000000000aa';
const S = 'tkt_00000000000000bb';
const CUSTOMER = 'cus_0123456789abcdef';
const AT = '2026-11-24T11:00:00.000Z';
const ticketOf = (ticketId: string, fields: Partial<Ticket> = {}): Ticket => ({
  ...ticketFromSeed({ ticketId, customerId: CUSTOMER, channel: 'web', subject: 'Late parcel', createdAt: '2026-11-23T09:00:00.000Z', messageId: `web:${ticketId}` }),
  status: 'open',
  ...fields,
});
const target = ticketOf(T, { assigneeId: 'alice' });
const source = ticketOf(S, { assigneeId: 'bob', collaborators: ['mei', 'alice'] });
const lin: Caller = { sub: 'lin', groups: ['supervisor'] };
const alice: Caller = { sub: 'alice', groups: ['agent'] };
const bob: Caller = { sub: 'bob', groups: ['agent'] };

describe('merge requests', () => {
  test('sourceTicketId must be a ticket id; nothing else is accepted', () => {
    expect(parseTicketMergeRequest(JSON.stringify({ sourceTicketId: S }))).toEqual({ sourceTicketId: S });
    expect(problemOf(() => parseTicketMergeRequest('{"sourceTicketId": "42"}')).errors).toEqual([{ field: 'sourceTicketId', message: expect.stringContaining('tkt_') }]);
    expect(problemOf(() => parseTicketMergeRequest(JSON.stringify({ sourceTicketId: S, force: true }))).status).toBe(400);
    expect(problemOf(() => parseTicketMergeRequest('merge please')).status).toBe(400);
  });

  test('messageId must look like a timeline message id', () => {
    expect(parseTicketSplitRequest('{"messageId": "email:<a1@mail.example.com>"}')).toEqual({ messageId: 'email:<a1@mail.example.com>' });
    expect(problemOf(() => parseTicketSplitRequest('{"messageId": "hello"}')).errors).toEqual([{ field: 'messageId', message: expect.stringContaining('web:msg-') }]);
    expect(problemOf(() => parseTicketSplitRequest('{}')).errors?.map((e) => e.field)).toEqual(['messageId']);
  });
});

describe('checkMerge', () => {
  test('two open tickets of one customer: start', () => {
    expect(checkMerge(T, S, target, source, lin, config)).toEqual({ kind: 'start' });
  });

  test('a ticket into itself is a 400 naming sourceTicketId', () => {
    expect(problemOf(() => checkMerge(T, T, target, target, lin, config))).toMatchObject({ status: 400, errors: [{ field: 'sourceTicketId' }] });
  });

  test('a missing target or source is a 404; a target the caller may not see is one too', () => {
    expect(problemOf(() => checkMerge(T, S, undefined, source, lin, config)).status).toBe(404);
    expect(problemOf(() => checkMerge(T, S, target, undefined, lin, config))).toMatchObject({ status: 404, detail: expect.stringContaining('sourceTicketId') });
    expect(problemOf(() => checkMerge(T, S, target, source, bob, config)).status).toBe(404);
  });

  test('different customers: 409 suggesting the customer merge', () => {
    const other = { ...source, customerId: 'cus_fedcba9876543210' };
    expect(problemOf(() => checkMerge(T, S, target, other, lin, config))).toMatchObject({
      status: 409,
      type: 'urn:switchboard:problem:different-customers',
      merge: { method: 'POST', path: `/customers/${CUSTOMER}/merge`, body: { sourceCustomerId: 'cus_fedcba9876543210' } },
    });
  });

  test.each([
    ['the target is closed', { ...target, status: 'closed' as const }, source, 'closed'],
    ['the source is closed', target, { ...source, status: 'closed' as const }, 'closed'],
    ['the target was merged', { ...target, status: 'closed' as const, mergedInto: 'tkt_00000000000000cc' }, source, 'merged into tkt_00000000000000cc'],
    ['the target is being merged', { ...target, mergingInto: 'tkt_00000000000000cc' }, source, 'being merged into tkt_00000000000000cc'],
    ['the source was merged elsewhere', target, { ...source, status: 'closed' as const, mergedInto: 'tkt_00000000000000cc' }, 'merged into tkt_00000000000000cc'],
    ['the source is being merged elsewhere', target, { ...source, mergingInto: 'tkt_00000000000000cc' }, 'being merged into tkt_00000000000000cc'],
    ['the target was erased', { ...target, erasedAt: AT }, source, 'erased'],
  ])('%s: 409 merge-not-allowed', (_case, t, s, says) => {
    expect(problemOf(() => checkMerge(T, S, t, s, lin, config))).toMatchObject({ status: 409, type: 'urn:switchboard:problem:merge-not-allowed', detail: expect.stringContaining(says) });
  });

  test('a source marked or closed for this very target is a merge to finish, whatever else changed', () => {
    expect(checkMerge(T, S, target, { ...source, mergingInto: T }, lin, config)).toEqual({ kind: 'resume' });
    expect(checkMerge(T, S, { ...target, status: 'pending' }, { ...source, status: 'closed', mergedInto: T }, lin, config)).toEqual({ kind: 'resume' });
  });

  test('property: a merge starts exactly when both are live, open tickets of one customer taking part in no other merge', () => {
    const other = fc.constantFrom(undefined, 'tkt_00000000000000cc');
    const state = fc.record({
      status: fc.constantFrom(...ticketStatuses),
      mergingInto: other,
      mergedInto: other,
      erasedAt: fc.constantFrom(undefined, AT),
      customerId: fc.constantFrom(CUSTOMER, 'cus_fedcba9876543210'),
    });
    fc.assert(
      fc.property(state, state, (t, s) => {
        const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
        const tt = { ...target, ...strip(t) } as Ticket;
        const ss = { ...source, ...strip(s) } as Ticket;
        const live = (x: Ticket) => x.status !== 'closed' && !x.mergingInto && !x.mergedInto && !x.erasedAt;
        const expected = live(tt) && live(ss) && tt.customerId === ss.customerId;
        let started: boolean;
        try {
          started = checkMerge(T, S, tt, ss, lin, config).kind === 'start';
        } catch {
          started = false;
        }
        expect(started).toBe(expected);
        // And once marked for the target, the same check is always a resume.
        if (expected) expect(checkMerge(T, S, tt, { ...ss, mergingInto: T }, lin, config).kind).toBe('resume');
      }),
    );
  });

  test('targetProblem: what the check after marking refuses', () => {
    expect(targetProblem(target, source)).toBeUndefined();
    expect(targetProblem({ ...target, mergingInto: S }, source)?.problem).toMatchObject({ status: 409, mergingInto: S });
  });
});

describe('what moves and what the merge records', () => {
  test('messages, replies and notes move; audit entries, aliases of other kinds and unknown items stay', () => {
    expect(['MESSAGE#web:1', 'REPLY#rpl_1', 'NOTE#note_1', 'TICKET#tkt_1', 'TASK#x'].map(movesWithMerge)).toEqual([true, true, true, false, false]);
    expect(countMoved(['MESSAGE#web:1', 'MESSAGE#sms:2', 'REPLY#rpl_1', 'NOTE#note_1', 'TICKET#tkt_1'])).toEqual({ messages: 2, replies: 1, notes: 1 });
  });

  test('the source closes pointing at the target, whatever its status; the intent is removed', () => {
    const moved = { messages: 2, replies: 1, notes: 0 };
    const open = closeMergedSource({ ...source, mergingInto: T }, T, lin, AT, moved);
    expect(open.change).toMatchObject({ version: 2, action: 'ticket.merged', actor: { type: 'agent', id: 'lin' }, before: { status: 'open', mergedInto: null }, after: { status: 'closed', mergedInto: T, moved } });
    expect(open.set).toEqual({ mergedInto: T, status: 'closed', solvedAt: AT, closedAt: AT });
    expect(open.remove).toEqual(['mergingInto']);
    expect(isClosingFor(open.change, T)).toBe(true);
    expect(isClosingFor(open.change, S)).toBe(false);
    const solved = closeMergedSource({ ...source, status: 'solved', solvedAt: '2026-11-24T08:00:00.000Z' }, T, lin, AT, moved);
    expect(solved.set).toMatchObject({ solvedAt: '2026-11-24T08:00:00.000Z', closedAt: AT });
    // Closed meanwhile (by a supervisor): only the pointer is added.
    expect(closeMergedSource({ ...source, status: 'closed' }, T, lin, AT, moved).set).toEqual({ mergedInto: T });
  });

  test('the target lists its sources in order', () => {
    const first = recordMergeOnTarget(target, S, lin, AT, { messages: 1, replies: 0, notes: 0 });
    expect(first.set).toEqual({ mergedFrom: [S] });
    expect(first.change).toMatchObject({ version: 2, action: 'ticket.merged', before: { mergedFrom: [] }, after: { mergedFrom: [S], sourceTicketId: S } });
    expect(isMergeRecordOf(first.change, S)).toBe(true);
    expect(recordMergeOnTarget({ ...target, mergedFrom: ['tkt_00000000000000cc'] }, S, lin, AT, { messages: 0, replies: 0, notes: 0 }).set).toEqual({ mergedFrom: ['tkt_00000000000000cc', S] });
  });

  test("the source's agents keep seeing the conversation, as collaborators of the target", () => {
    expect(inheritedCollaborators(source, target)).toEqual(['bob', 'mei']);
    expect(inheritedCollaborators({ ...source, assigneeId: undefined, collaborators: undefined }, target)).toEqual([]);
  });

  test("the events: the source's closing (frees its agent), then TicketMerged; ids fixed by what was recorded", () => {
    const moved = { messages: 2, replies: 1, notes: 0 };
    const plan = closeMergedSource(source, T, lin, AT, moved);
    const closed = { ...source, ...plan.set, version: 2, lastChange: plan.change } as Ticket;
    const events = mergeEvents(closed, plan.change, target, moved);
    expect(events.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['TicketStatusChanged', `${S}:v2`],
      ['TicketMerged', `${S}:merged-into:${T}`],
    ]);
    expect(events[0]!.detail).toMatchObject({ ticketId: S, from: 'open', to: 'closed', actor: { type: 'agent', id: 'lin' } });
    expect(TicketStatusChanged.schema.safeParse(events[0]!.detail).success).toBe(true);
    expect(TicketMerged.schema.parse(events[1]!.detail)).toMatchObject({ ticketId: T, sourceTicketId: S, customerId: CUSTOMER, moved });
    // Already closed when it was merged: no status change to announce.
    const already = closeMergedSource({ ...source, status: 'closed' }, T, lin, AT, moved);
    expect(mergeEvents(source, already.change, target, moved).map((e) => e.detailType)).toEqual(['TicketMerged']);
  });

  test("seedOf points the customer at an existing ticket, naming its latest message", () => {
    const t = { ...target, lastMessageKey: '2026-11-24T10:00:00.000Z#email:<a#b@example.com>' };
    expect(seedOf(t)).toEqual({ ticketId: T, customerId: CUSTOMER, channel: 'web', subject: 'Late parcel', createdAt: t.createdAt, messageId: 'email:<a#b@example.com>' });
  });
});

describe('split', () => {
  const M = 'web:msg-77a1c0';
  const message: SplitMessage = { messageId: M, ticketId: S, channel: 'web', direction: 'inbound', text: 'Also, my invoice is wrong\nsecond line', attachments: [], sentAt: AT, receivedAt: AT };
  const assigned = { ...source, assigneeId: 'alice' };

  test("the ticket's agent or a supervisor splits a customer message off it", () => {
    expect(checkSplit(S, assigned, M, message, alice, config)).toEqual({ kind: 'start', newTicketId: splitTicketIdFor(S, M) });
    expect(checkSplit(S, assigned, M, message, lin, config).kind).toBe('start');
    expect(problemOf(() => checkSplit(S, assigned, M, message, bob, config)).status).toBe(404);
    expect(problemOf(() => checkSplit(S, assigned, M, message, bob, parseConfig({ workspace: { agentsSee: 'all' } }))).status).toBe(403);
    expect(problemOf(() => checkSplit(S, undefined, M, message, lin, config)).status).toBe(404);
  });

  test.each([
    ['missing', undefined],
    ["a sent reply's alias", { messageId: M, ticketId: S, receivedAt: AT, channel: 'web' } as SplitMessage],
    ['on another ticket', { ...message, ticketId: T }],
  ])('a message that is %s is a 400 naming messageId', (_case, m) => {
    expect(problemOf(() => checkSplit(S, assigned, M, m, alice, config))).toMatchObject({ status: 400, errors: [{ field: 'messageId' }] });
  });

  test('closed, erased or being merged: 409', () => {
    expect(problemOf(() => checkSplit(S, { ...assigned, status: 'closed' }, M, message, lin, config))).toMatchObject({ status: 409, type: 'urn:switchboard:problem:split-not-allowed' });
    expect(problemOf(() => checkSplit(S, { ...assigned, erasedAt: AT }, M, message, lin, config)).status).toBe(409);
    expect(problemOf(() => checkSplit(S, { ...assigned, mergingInto: T }, M, message, lin, config))).toMatchObject({ status: 409, mergingInto: T });
  });

  test('a message already split off into this split\'s ticket is a split to finish; split off again after merging back, a new ticket', () => {
    const first = splitTicketIdFor(S, M);
    expect(checkSplit(S, assigned, M, { ...message, ticketId: first, movedFrom: S }, alice, config)).toEqual({ kind: 'resume', newTicketId: first });
    // Merged back: the message is on S again (moved from the split ticket), which S lists as split off.
    const back = { ...message, ticketId: S, movedFrom: first };
    const again = checkSplit(S, { ...assigned, splitTo: [first], mergedFrom: [first] }, M, back, alice, config);
    expect(again).toEqual({ kind: 'start', newTicketId: splitTicketIdFor(S, M, 1) });
    expect(again.newTicketId).not.toBe(first);
  });

  test('property: a split never reuses a ticket the source split into before, and its retry finds the same one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.string({ minLength: 1, maxLength: 20 }), (earlierSplits, pmid) => {
        const id = `web:${pmid}`;
        const splitTo = Array.from({ length: earlierSplits }, (_, g) => splitTicketIdFor(S, id, g));
        const source2 = { ...assigned, splitTo };
        const start = checkSplit(S, source2, id, { ...message, messageId: id }, alice, config);
        expect(splitTo).not.toContain(start.newTicketId);
        expect(checkSplit(S, source2, id, { ...message, messageId: id, ticketId: start.newTicketId, movedFrom: S }, alice, config)).toEqual({ kind: 'resume', newTicketId: start.newTicketId });
      }),
    );
  });

  test('the new ticket: open, same customer, subject and channel from the message, its latest message that one', () => {
    const ticket = splitTicketOf(assigned, { ...message, channel: 'sms' }, 'tkt_00000000000000dd', alice, AT);
    expect(ticket).toMatchObject({
      ticketId: 'tkt_00000000000000dd',
      customerId: CUSTOMER,
      status: 'open',
      channel: 'sms',
      lastChannel: 'sms',
      subject: 'Also, my invoice is wrong',
      createdAt: AT,
      lastMessageKey: `${AT}#${M}`,
      splitFrom: S,
      version: 1,
      lastChange: { version: 1, action: 'ticket.split', actor: { type: 'agent', id: 'alice' }, cause: M, before: null, after: { status: 'open', splitFrom: S, messageId: M } },
    });
    expect(ticket.assigneeId).toBeUndefined();
    expect(splitTicketOf(assigned, { ...message, text: '', attachments: [{}] }, 'tkt_00000000000000dd', alice, AT).subject).toBe('(attachment)');
    const record = recordSplitOnSource(assigned, 'tkt_00000000000000dd', M, alice, AT);
    expect(record.set).toEqual({ splitTo: ['tkt_00000000000000dd'] });
    expect(record.change).toMatchObject({ version: 2, action: 'ticket.split', before: { splitTo: [] }, after: { ticketId: 'tkt_00000000000000dd', messageId: M } });
  });

  test('its events: TicketSplit, and MessageReceived on the new ticket (what triages it), with ids of their own', () => {
    const ticket = splitTicketOf(assigned, message, 'tkt_00000000000000dd', alice, AT);
    const events = splitEvents(ticket, message);
    expect(events.map((e) => [e.detailType, e.detail.eventId])).toEqual([
      ['TicketSplit', 'tkt_00000000000000dd:split'],
      ['MessageReceived', `${M}:received:tkt_00000000000000dd`],
    ]);
    expect(TicketSplit.schema.parse(events[0]!.detail)).toMatchObject({ ticketId: 'tkt_00000000000000dd', sourceTicketId: S, messageId: M, actor: { id: 'alice' } });
    expect(MessageReceived.schema.parse(events[1]!.detail)).toMatchObject({ ticketId: 'tkt_00000000000000dd', placement: 'created', textLength: message.text!.length, attachmentCount: 0 });
  });

  test('the answers match their schemas', () => {
    const ticket = splitTicketOf(assigned, message, 'tkt_00000000000000dd', alice, AT);
    expect(ticketSplitResponse.safeParse({ ticket, sourceTicketId: S, messageId: M }).success).toBe(true);
    expect(ticketMergeResponse.safeParse({ ticket: { ...target, mergedFrom: [S] }, sourceTicketId: S, moved: { messages: 1, replies: 0, notes: 0 } }).success).toBe(true);
  });
});
