import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { durationToMs } from '../../shared/config';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { keys } from '../../shared/store/keys';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
});
afterAll(() => dynamo.close());

async function setup() {
  const table = await dynamo.freshTable();
  const store = new DynamoDbIntakeStore(dynamo.doc, table);
  const publisher = new RecordingPublisher();
  const deps = { store, publisher, mergeWindowMs: durationToMs('PT24H') };
  return { table, store, publisher, deps };
}

const solve = (table: string, ticketId: string, solvedAt: string, status = 'solved') =>
  dynamo.doc.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.ticket(ticketId),
      UpdateExpression: 'SET #s = :s, solvedAt = :at, statusKey = :k',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':at': solvedAt, ':k': `STATUS#${status}` },
    }),
  );

test('a first message creates a customer and a new ticket, and publishes TicketCreated then MessageReceived', async () => {
  const { store, publisher, deps } = await setup();
  const result = await ingestMessage(deps, inbound());
  expect(result.outcome).toBe('created');
  const ticket = await store.getTicket(result.ticketId);
  expect(ticket).toMatchObject({ status: 'new', channel: 'web', subject: 'Hello, my parcel is late', version: 1 });
  expect(publisher.types()).toEqual(['TicketCreated', 'MessageReceived']);
});

test('a message from a customer with an open ticket joins it, whatever the channel', async () => {
  const { publisher, deps } = await setup();
  const first = await ingestMessage(deps, inbound({ customer: { handles: [{ kind: 'phone', value: '+14155550123' }] } }));
  const second = await ingestMessage(
    deps,
    inbound({ channel: 'sms', at: '2026-11-23T09:05:00.000Z', customer: { handles: [{ kind: 'phone', value: '+14155550123' }] } }),
  );
  expect(second).toEqual({ outcome: 'merged', ticketId: first.ticketId });
  expect(publisher.types()).toEqual(['TicketCreated', 'MessageReceived', 'MessageReceived']);
});

test('the same email on two channels is one customer', async () => {
  const { store, deps } = await setup();
  const a = await ingestMessage(deps, inbound({ customer: { handles: [{ kind: 'email', value: 'li@example.com' }, { kind: 'channel-user', value: 'web:7' }] } }));
  const b = await ingestMessage(deps, inbound({ channel: 'email', customer: { handles: [{ kind: 'email', value: 'li@example.com' }] } }));
  expect(b.ticketId).toBe(a.ticketId);
  const { owners } = await store.lookup('none', [
    { kind: 'email', value: 'li@example.com' },
    { kind: 'channel-user', value: 'web:7' },
  ]);
  expect(new Set(owners.values()).size).toBe(1);
});

test('a redelivered message is stored once and its duplicate publishes nothing', async () => {
  const { table, publisher, deps } = await setup();
  const message = inbound();
  await ingestMessage(deps, message);
  const before = await dynamo.dump(table);
  const again = await ingestMessage(deps, message);
  expect(again.outcome).toBe('duplicate');
  expect(await dynamo.dump(table)).toEqual(before);
  expect(publisher.published).toHaveLength(2);
});

test('a queue redelivery of a stored message publishes its events again (the first attempt may have died before publishing)', async () => {
  const { publisher, deps } = await setup();
  const message = inbound();
  await ingestMessage(deps, message);
  await ingestMessage(deps, message, true);
  expect(publisher.types()).toEqual(['TicketCreated', 'MessageReceived', 'TicketCreated', 'MessageReceived']);
  expect(publisher.published[2]).toEqual(publisher.published[0]);
});

test('a message within the merge window after solving reopens the ticket, with an audit entry', async () => {
  const { table, store, publisher, deps } = await setup();
  const first = await ingestMessage(deps, inbound());
  await solve(table, first.ticketId, '2026-11-23T10:00:00.000Z');
  const later = await ingestMessage(deps, inbound({ at: '2026-11-24T09:59:00.000Z' }));
  expect(later).toEqual({ outcome: 'reopened', ticketId: first.ticketId });
  const ticket = await store.getTicket(first.ticketId);
  expect(ticket).toMatchObject({ status: 'open', version: 2, lastChange: { action: 'ticket.reopened', before: { status: 'solved' } } });
  expect(ticket!.solvedAt).toBeUndefined();
  expect(publisher.types().slice(-2)).toEqual(['TicketReopened', 'MessageReceived']);
  const audit = (await dynamo.dump(table)).filter((i) => String(i.sk).startsWith('AUDIT#'));
  expect(audit.map((a) => a.action)).toEqual(['ticket.created', 'ticket.reopened']);
});

test('a message after the merge window, or after closing, starts a new ticket', async () => {
  const { table, deps } = await setup();
  const first = await ingestMessage(deps, inbound());
  await solve(table, first.ticketId, '2026-11-23T10:00:00.000Z');
  const late = await ingestMessage(deps, inbound({ at: '2026-11-24T10:00:00.001Z' }));
  expect(late.outcome).toBe('created');
  expect(late.ticketId).not.toBe(first.ticketId);
  await solve(table, late.ticketId, '2026-11-24T10:30:00.000Z', 'closed');
  const afterClose = await ingestMessage(deps, inbound({ at: '2026-11-24T10:31:00.000Z' }));
  expect(afterClose.outcome).toBe('created');
  expect(new Set([first.ticketId, late.ticketId, afterClose.ticketId]).size).toBe(3);
});

test('the merge window is configuration', async () => {
  const { table, deps } = await setup();
  const shortWindow = { ...deps, mergeWindowMs: durationToMs('PT1H') };
  const first = await ingestMessage(shortWindow, inbound());
  await solve(table, first.ticketId, '2026-11-23T10:00:00.000Z');
  const next = await ingestMessage(shortWindow, inbound({ at: '2026-11-23T11:00:01.000Z' }));
  expect(next.outcome).toBe('created');
});

test('a customer reply to a ticket waiting on them moves it back to open', async () => {
  const { table, store, publisher, deps } = await setup();
  const first = await ingestMessage(deps, inbound());
  await solve(table, first.ticketId, '2026-11-23T10:00:00.000Z', 'pending');
  const reply = await ingestMessage(deps, inbound({ at: '2026-11-23T11:00:00.000Z' }));
  expect(reply).toEqual({ outcome: 'merged', ticketId: first.ticketId });
  expect(await store.getTicket(first.ticketId)).toMatchObject({ status: 'open', lastChange: { action: 'ticket.status-changed' } });
  expect(publisher.types().slice(-2)).toEqual(['TicketStatusChanged', 'MessageReceived']);
});

test('a message older than the ticket\'s latest does not move its latest-message fields back', async () => {
  const { store, deps } = await setup();
  const first = await ingestMessage(deps, inbound({ at: '2026-11-23T09:10:00.000Z' }));
  await ingestMessage(deps, inbound({ channel: 'sms', at: '2026-11-23T09:05:00.000Z' }));
  const ticket = await store.getTicket(first.ticketId);
  expect(ticket).toMatchObject({ lastChannel: 'web', updatedAt: '2026-11-23T09:10:00.000Z' });
});
