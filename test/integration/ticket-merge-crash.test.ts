import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InboundMessage } from '../../events/inbound-message';
import { durationToMs, parseConfig } from '../../shared/config';
import type { Ticket } from '../../shared/domain/ticket';
import type { Caller } from '../../shared/http/caller';
import { ingestMessage, type IngestDeps } from '../../shared/ingest/ingest-message';
import type { IntakeStore } from '../../shared/ingest/ports';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbNoteStore } from '../../shared/store/dynamodb-notes';
import { DynamoDbReplyStore } from '../../shared/store/dynamodb-reply-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { DynamoDbTicketMergeStore } from '../../shared/store/dynamodb-ticket-merge';
import { DynamoDbTriageReads } from '../../shared/store/dynamodb-triage-reads';
import { keys } from '../../shared/store/keys';
import { type MergeDeps, mergeTickets, splitTicket } from '../../shared/tickets/merge-tickets';
import { triageMessages } from '../../shared/tickets/triage-tickets';
import { OfflineAnalyzer } from '../../shared/triage/offline-analyzer';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

/**
 * Merging tickets against dynalite, through the store directly: a crash before any write of the
 * merge, with the customer writing in between, and the same request again; a message whose
 * recording straddles the merge; splitting and merging back.
 */

const config = parseConfig({});
const NOW = '2026-11-26T12:00:00.000Z';
const lin: Caller = { sub: 'lin', groups: ['supervisor'] };
const ana = { handles: [{ kind: 'email' as const, value: 'ana@example.com' }] };

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
});
afterAll(() => dynamo.close());

class Crash extends Error {}

/**
 * Counts the writes made through what it wraps (the table's write requests, and publishing), and
 * throws instead of making the `crashAt`-th: a crash before it, after the one before.
 */
class Writes {
  count = 0;
  crashAt = Infinity;
  private next(what: string) {
    if (++this.count === this.crashAt) throw new Crash(`crash before write ${this.count} (${what})`);
  }
  table(doc: DynamoDBDocumentClient): DynamoDBDocumentClient {
    return new Proxy(doc, {
      get: (t, name, receiver) => {
        const value = Reflect.get(t, name, receiver);
        if (name !== 'send') return value;
        return (command: { constructor: { name: string } }, ...rest: unknown[]) => {
          if (command instanceof PutCommand || command instanceof UpdateCommand || command instanceof DeleteCommand) this.next(command.constructor.name);
          return (value as (...a: unknown[]) => unknown).apply(t, [command, ...rest]);
        };
      },
    });
  }
  publisher(publisher: RecordingPublisher): RecordingPublisher {
    return new Proxy(publisher, {
      get: (t, name, receiver) => {
        const value = Reflect.get(t, name, receiver);
        if (name !== 'publish') return value;
        return (...args: unknown[]) => {
          this.next('publish');
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  }
}

/**
 * One customer with three open tickets: A and B (solved long ago, reopened by an agent) and C, their
 * current one. B has a reply (whose provider id a customer's email can answer) and a note.
 */
async function scenario(writes = new Writes()) {
  const table = await dynamo.freshTable();
  const intake = new DynamoDbIntakeStore(dynamo.doc, table);
  const ingest: IngestDeps = { store: intake, publisher: new RecordingPublisher(), mergeWindowMs: durationToMs('PT24H') };
  const tickets = new DynamoDbTicketChanges(dynamo.doc, table);
  const replies = new DynamoDbReplyStore(dynamo.doc, table);
  const notes = new DynamoDbNoteStore(dynamo.doc, table);
  let n = 0;
  const say = async (at: string, fields: Partial<InboundMessage> = {}) => (await ingestMessage(ingest, inbound({ at, providerMessageId: `ana-${++n}`, customer: ana, ...fields }))).ticketId;
  const agentChange = async (ticketId: string, set: Partial<Ticket>, remove: (keyof Ticket)[] = []) => {
    const t = (await tickets.getTicket(ticketId))!;
    const change = { version: t.version + 1, action: 'ticket.updated' as const, actor: { type: 'agent' as const, id: 'alice' }, at: NOW, before: {}, after: set };
    return (await tickets.change(t, change, set as never, remove as never))!;
  };
  const A = await say('2026-11-18T09:00:00.000Z');
  await say('2026-11-18T09:05:00.000Z');
  await agentChange(A, { status: 'solved', solvedAt: '2026-11-18T10:00:00.000Z' });
  const B = await say('2026-11-21T09:00:00.000Z');
  await say('2026-11-21T09:02:00.000Z');
  await dynamo.doc.send(
    new PutCommand({
      TableName: table,
      Item: { ...keys.reply('rpl_b1'), parentKey: keys.ticketParent(B), childKey: 'MSG#2026-11-21T09:10:00.000Z#rpl_b1', replyId: 'rpl_b1', ticketId: B, direction: 'outbound', kind: 'reply', text: 'On it', createdAt: '2026-11-21T09:10:00.000Z' },
    }),
  );
  await replies.recordSentAlias('web', 'sent-b1', B, '2026-11-21T09:10:00.000Z');
  await notes.putNote({ noteId: 'note_b1', ticketId: B, kind: 'note', author: { type: 'agent', id: 'bob' }, body: 'courier says Friday', mentions: [], createdAt: '2026-11-21T09:11:00.000Z' });
  await agentChange(B, { assigneeId: 'bob' });
  await agentChange(B, { status: 'solved', solvedAt: '2026-11-21T10:00:00.000Z' });
  const C = await say('2026-11-25T09:00:00.000Z');
  await agentChange(A, { status: 'open' }, ['solvedAt']);
  await agentChange(B, { status: 'open' }, ['solvedAt']);

  const publisher = new RecordingPublisher();
  const doc = writes.table(dynamo.doc);
  const deps: MergeDeps = {
    store: new DynamoDbTicketMergeStore(doc, table),
    tickets: new DynamoDbTicketChanges(doc, table),
    collaborators: new DynamoDbNoteStore(doc, table),
    publisher: writes.publisher(publisher),
    config,
    now: () => new Date(NOW),
  };
  return { table, A, B, C, say, deps, publisher, intake, ingest, tickets, writes };
}

/** Where each item is, and the tickets' merge state: what must come out the same however the merge went. */
async function stateOf(table: string) {
  const items = await dynamo.dump(table);
  return items.map(({ updatedAt: _u, updatedKey: _k, ...rest }) => rest);
}

/** The keys of a ticket's timeline items, in timeline order. */
const timelineOf = async (table: string, ticketId: string) =>
  (await dynamo.dump(table))
    .filter((i) => i.parentKey === keys.ticketParent(ticketId) && String(i.childKey).startsWith('MSG#'))
    .sort((a, b) => (String(a.childKey) < String(b.childKey) ? -1 : 1))
    .map((i) => String(i.pk));

test('merging the current ticket: the conversation moves in time order, the source closes pointing at the target, the customer goes on there', async () => {
  const { table, B, C, say, deps, publisher, tickets } = await scenario();
  const result = await mergeTickets(deps, { targetId: B, sourceId: C, caller: lin });
  expect(result.moved).toEqual({ messages: 1, replies: 0, notes: 0 });
  expect(result.ticket).toMatchObject({ ticketId: B, mergedFrom: [C], status: 'open' });
  const source = (await tickets.getTicket(C))!;
  expect(source).toMatchObject({ status: 'closed', mergedInto: B, closedAt: NOW });
  expect(source.mergingInto).toBeUndefined();
  // B's two messages, its reply and note, then C's message: the timeline key keeps each in its time.
  const timeline = await timelineOf(table, B);
  expect(timeline.filter((pk) => !pk.startsWith('TICKET#'))).toEqual(['MESSAGE#web:ana-3', 'MESSAGE#web:ana-4', 'REPLY#rpl_b1', 'NOTE#note_b1', 'MESSAGE#web:ana-5']);
  expect((await timelineOf(table, C)).every((pk) => pk.startsWith('TICKET#'))).toBe(true);
  const moved = (await dynamo.dump(table)).find((i) => i.pk === 'MESSAGE#web:ana-5')!;
  expect(moved).toMatchObject({ ticketId: B, movedFrom: C });
  // Both audited once, with the actor and the counts.
  const audits = (await dynamo.dump(table)).filter((i) => String(i.sk).startsWith('AUDIT#') && i.action === 'ticket.merged');
  expect(audits.map((a) => [a.ticketId, a.actor])).toEqual([
    [B, { type: 'agent', id: 'lin' }],
    [C, { type: 'agent', id: 'lin' }],
  ]);
  expect(audits[0]).toMatchObject({ after: { mergedFrom: [C], moved: result.moved } });
  expect(publisher.published.map((e) => [e.detailType, e.detail.eventId])).toEqual([
    ['TicketStatusChanged', `${C}:v${source.version}`],
    ['TicketMerged', `${C}:merged-into:${B}`],
  ]);
  // The customer's next message goes on the target.
  expect(await say('2026-11-26T13:00:00.000Z')).toBe(B);
  // The same request again changes nothing, and answers the same.
  const before = await stateOf(table);
  const again = await mergeTickets(deps, { targetId: B, sourceId: C, caller: lin });
  expect(again.moved).toEqual(result.moved);
  expect(await stateOf(table)).toEqual(before);
});

test("a reply to a merged ticket's message lands on the ticket it was merged into, not the customer's current one", async () => {
  const { A, B, C, say, deps, tickets } = await scenario();
  const result = await mergeTickets(deps, { targetId: A, sourceId: B, caller: lin });
  expect(result.moved).toEqual({ messages: 2, replies: 1, notes: 1 });
  // B's agent keeps seeing the conversation.
  expect((await tickets.getTicket(A))!.collaborators).toEqual(['bob']);
  // Answering our reply (its provider id) on B, and quoting B's ticket reference: both go to A.
  expect(await say('2026-11-26T13:00:00.000Z', { thread: { providerMessageIds: ['sent-b1'] } })).toBe(A);
  expect(await say('2026-11-26T13:01:00.000Z', { thread: { ticketId: B, providerMessageIds: [] } })).toBe(A);
  // Anything else goes to the current ticket, as before.
  expect(await say('2026-11-26T13:02:00.000Z')).toBe(C);
});

test('a crash before any write of the merge, the customer writing meanwhile, and the same request again: the end is the same as without the crash', async () => {
  const reference = await scenario();
  await mergeTickets(reference.deps, { targetId: reference.B, sourceId: reference.C, caller: lin });
  const totalWrites = reference.writes.count;
  const afterwards = async (s: Awaited<ReturnType<typeof scenario>>) => [
    await s.say('2026-11-26T12:30:00.000Z'),
    await s.say('2026-11-26T12:31:00.000Z', { thread: { providerMessageIds: ['ana-5'] } }),
  ];
  expect(await afterwards(reference)).toEqual([reference.B, reference.B]);
  // Or the customer wrote before the merge began.
  const earlier = await scenario();
  expect(await afterwards(earlier)).toEqual([earlier.C, earlier.C]);
  await mergeTickets(earlier.deps, { targetId: earlier.B, sourceId: earlier.C, caller: lin });
  const expected = { after: await stateOf(reference.table), before: await stateOf(earlier.table) };
  const expectedEvents = new Set(reference.publisher.published.map((e) => e.detail.eventId));
  expect(totalWrites).toBeGreaterThan(8);

  for (let crashAt = 1; crashAt <= totalWrites; crashAt++) {
    const writes = new Writes();
    const run = await scenario(writes);
    writes.crashAt = crashAt;
    await expect(mergeTickets(run.deps, { targetId: run.B, sourceId: run.C, caller: lin })).rejects.toThrow(Crash);
    // The customer writes while the merge is cut short: once the intent is recorded (the merge's
    // first write), the messages land on the target; before, on the source, which the retry moves.
    const landed = await afterwards(run);
    expect({ crashAt, landed }).toEqual({ crashAt, landed: crashAt === 1 ? [run.C, run.C] : [run.B, run.B] });
    writes.crashAt = Infinity;
    await mergeTickets(run.deps, { targetId: run.B, sourceId: run.C, caller: lin });
    expect({ crashAt, state: await stateOf(run.table) }).toEqual({ crashAt, state: landed[0] === run.B ? expected.after : expected.before });
    expect(new Set(run.publisher.published.map((e) => e.detail.eventId))).toEqual(expectedEvents);
  }
}, 120_000);

test('a message placed on the source before the merge and recorded after it reaches the target once triaged', async () => {
  const { table, B, C, deps, intake, tickets } = await scenario();
  // Ingest stops between placing the message (joining C) and recording it.
  let release!: () => void;
  let placed!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reachedCommit = new Promise<void>((r) => (placed = r));
  const slow: IntakeStore = new Proxy(intake, {
    get: (t, name, receiver) =>
      name === 'commitMessage'
        ? async (...args: Parameters<IntakeStore['commitMessage']>) => {
            placed();
            await gate;
            return t.commitMessage(...args);
          }
        : Reflect.get(t, name, receiver),
  });
  const publisher = new RecordingPublisher();
  const late = ingestMessage({ store: slow, publisher, mergeWindowMs: durationToMs('PT24H') }, inbound({ at: '2026-11-26T11:59:00.000Z', providerMessageId: 'late-1', customer: ana }));
  await reachedCommit;
  await mergeTickets(deps, { targetId: B, sourceId: C, caller: lin });
  release();
  expect((await late).ticketId).toBe(C);
  // Recorded on the closed source, after the merge had moved everything: its MessageReceived (to
  // triage) carries it on to the target, where it is triaged.
  const received = publisher.published.filter((e) => e.detailType === 'MessageReceived').map((e) => e.detail as never as { ticketId: string; customerId: string; messageId: string; channel: string; receivedAt: string });
  const triagePublisher = new RecordingPublisher();
  const outcome = await triageMessages(
    { reads: new DynamoDbTriageReads(dynamo.doc, table), tickets, analyzer: new OfflineAnalyzer({ defaultLanguage: 'en' }), publisher: triagePublisher, config, now: () => new Date(NOW), merges: deps.store },
    received,
  );
  expect(outcome.retry.size).toBe(0);
  expect((await dynamo.dump(table)).find((i) => i.pk === 'MESSAGE#web:late-1')).toMatchObject({ ticketId: B, parentKey: keys.ticketParent(B), movedFrom: C });
  expect(triagePublisher.published.map((e) => [e.detailType, e.detail.ticketId])).toEqual([['TicketTriaged', B]]);
});

test('two merges at once, each of the other ticket: at most one happens, and nothing is left marked', async () => {
  const { A, B, deps, tickets } = await scenario();
  const results = await Promise.allSettled([mergeTickets(deps, { targetId: A, sourceId: B, caller: lin }), mergeTickets(deps, { targetId: B, sourceId: A, caller: lin })]);
  expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
  for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ problem: { status: 409 } });
  const [a, b] = [(await tickets.getTicket(A))!, (await tickets.getTicket(B))!];
  expect(a.mergingInto ?? b.mergingInto).toBeUndefined();
  expect([a.mergedInto, b.mergedInto].filter(Boolean).length).toBe(results.filter((r) => r.status === 'fulfilled').length);
});

test('split a message off, merge the new ticket back: the conversation is as it was; split again: another new ticket', async () => {
  const { table, B, deps, tickets } = await scenario();
  const before = await timelineOf(table, B);
  const split = await splitTicket(deps, { ticketId: B, messageId: 'web:ana-4', caller: lin });
  const N = split.ticket.ticketId;
  expect(split.ticket).toMatchObject({ status: 'open', splitFrom: B, customerId: (await tickets.getTicket(B))!.customerId, channel: 'web' });
  expect((await timelineOf(table, N)).filter((pk) => !pk.startsWith('TICKET#'))).toEqual(['MESSAGE#web:ana-4']);
  expect((await tickets.getTicket(B))!.splitTo).toEqual([N]);
  // A retry of the split makes no second ticket.
  expect((await splitTicket(deps, { ticketId: B, messageId: 'web:ana-4', caller: lin })).ticket.ticketId).toBe(N);
  expect((await tickets.getTicket(B))!.splitTo).toEqual([N]);

  await mergeTickets(deps, { targetId: B, sourceId: N, caller: lin });
  expect((await timelineOf(table, B)).filter((pk) => !pk.startsWith('TICKET#'))).toEqual(before.filter((pk) => !pk.startsWith('TICKET#')));
  expect((await tickets.getTicket(N))!).toMatchObject({ status: 'closed', mergedInto: B });

  const again = await splitTicket(deps, { ticketId: B, messageId: 'web:ana-4', caller: lin });
  expect(again.ticket.ticketId).not.toBe(N);
  expect(again.ticket.status).toBe('open');
});

test('a split whose message a merge moves first does not happen: 409, and the new ticket is taken back', async () => {
  const { table, A, B, deps } = await scenario();
  // The merge's move lands between the split's check and its own move.
  const racing = new Proxy(deps.store, {
    get: (t, name, receiver) =>
      name === 'createTicket'
        ? async (ticket: Ticket) => {
            const created = await t.createTicket(ticket);
            await t.moveMessage('web:ana-4', B, A);
            return created;
          }
        : Reflect.get(t, name, receiver),
  });
  const refused = await splitTicket({ ...deps, store: racing }, { ticketId: B, messageId: 'web:ana-4', caller: lin }).catch((e: unknown) => e);
  expect(refused).toMatchObject({ problem: { status: 409, type: 'urn:switchboard:problem:split-not-allowed' } });
  const items = await dynamo.dump(table);
  expect(items.find((i) => i.pk === 'MESSAGE#web:ana-4')).toMatchObject({ ticketId: A });
  expect(items.filter((i) => i.action === 'ticket.split' || i.splitFrom)).toEqual([]);
});

test('a split cut short before any of its writes, then the same request again: the end is the same as without the crash', async () => {
  const reference = await scenario();
  await splitTicket(reference.deps, { ticketId: reference.B, messageId: 'web:ana-4', caller: lin });
  const totalWrites = reference.writes.count;
  const expected = await stateOf(reference.table);
  const expectedEvents = reference.publisher.published.map((e) => e.detail.eventId);
  for (let crashAt = 1; crashAt <= totalWrites; crashAt++) {
    const writes = new Writes();
    const run = await scenario(writes);
    writes.crashAt = crashAt;
    await expect(splitTicket(run.deps, { ticketId: run.B, messageId: 'web:ana-4', caller: lin })).rejects.toThrow(Crash);
    writes.crashAt = Infinity;
    await splitTicket(run.deps, { ticketId: run.B, messageId: 'web:ana-4', caller: lin });
    expect({ crashAt, state: await stateOf(run.table) }).toEqual({ crashAt, state: expected });
    expect(run.publisher.published.map((e) => e.detail.eventId)).toEqual(expectedEvents);
  }
}, 60_000);
