import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { channels } from '../../shared/channels/registry';
import { replyAddresses } from '../../shared/channels/reply-addresses';
import { parseConfig } from '../../shared/config';
import type { CsatStore } from '../../shared/csat/ports';
import { type CsatDeps, type CsatLinkDeps, scoreByLink, settle } from '../../shared/csat/record';
import { Outbox } from '../../shared/delivery/outbox';
import type { DomainEvent } from '../../events';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import type { EventPublisher } from '../../shared/ingest/ports';
import { type DeliverDeps, deliverReply, notifyStatusChange } from '../../shared/replies/deliver';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { DynamoDbCsatStore } from '../../shared/store/dynamodb-csat-store';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbReplyStore } from '../../shared/store/dynamodb-reply-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { keys } from '../../shared/store/keys';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

/**
 * Recording a score against dynalite, with crashes and races: the ticket's change is the gate,
 * and the rest (the customer's item, the agent's counters, CsatRecorded) converges on a retry,
 * counted and published once.
 */

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
});
afterAll(() => dynamo.close());

const PHONE = '+14155550123';
const T0 = Date.parse('2026-11-23T12:00:00.000Z');

/** Fails its first `failures` calls, like a bus or table that is briefly unreachable. */
class FlakyPublisher implements EventPublisher {
  readonly published: DomainEvent[] = [];
  constructor(private failures = 0) {}
  async publish(events: readonly DomainEvent[]) {
    if (this.failures-- > 0) throw new Error('bus down');
    this.published.push(...events);
  }
  recorded() {
    return this.published.filter((e) => e.detailType === 'CsatRecorded');
  }
}

async function setup() {
  const table = await dynamo.freshTable();
  const config = parseConfig({ channels: { sms: { from: '+14155550100' } }, routing: { sampleAgents: [] } });
  let now = T0;
  const clock = { now: () => new Date(now), advance: (ms: number) => (now += ms) };
  const store = new DynamoDbCsatStore(dynamo.doc, table);
  const tickets = new DynamoDbTicketChanges(dynamo.doc, table);
  const intake = new DynamoDbIntakeStore(dynamo.doc, table);
  await new DynamoDbAgentStore(dynamo.doc, table).seed([{ agentId: 'mei', team: 'support', skills: [], capacity: 5, presence: 'online' }], '2026-11-23T08:00:00.000Z');
  let n = 0;
  const link: CsatLinkDeps = { store, lifetimeMs: 7 * 86_400_000, linkBase: () => 'https://api.example.com/', newToken: () => `token-${++n}`.padEnd(43, 'x'), now: clock.now };
  const outbox = new Outbox();
  const delivery = (publisher: EventPublisher = new RecordingPublisher()): DeliverDeps => ({
    store: new DynamoDbReplyStore(dynamo.doc, table),
    config,
    channels,
    replyAddresses,
    now: clock.now,
    transport: outbox,
    secretsOf: async (_c, fields) => Object.fromEntries(fields.map((f) => [f, `secret-${f}`])),
    publisher,
    csat: link,
  });

  /** An SMS ticket assigned to mei, solved, and its customer asked by text; the link that went out. */
  async function solvedAndAsked(): Promise<{ ticketId: string; customerId: string; link: string }> {
    const { ticketId } = await ingestMessage({ store: intake, publisher: new RecordingPublisher(), mergeWindowMs: 86_400_000 }, inbound({ channel: 'sms', customer: { handles: [{ kind: 'phone', value: PHONE }] }, replyTo: PHONE, at: '2026-11-23T09:00:00.000Z' }));
    await dynamo.doc.send(new UpdateCommand({ TableName: table, Key: keys.ticket(ticketId), UpdateExpression: 'SET assigneeId = :mei', ExpressionAttributeValues: { ':mei': 'mei' } }));
    const ticket = await solve(ticketId);
    await notifyStatusChange(delivery(), statusEvent(ticket.ticketId, ticket.customerId, ticket.version), 1);
    const sms = Object.fromEntries(new URLSearchParams((outbox.entries.at(-1)!.request as { body: string }).body));
    return { ticketId, customerId: ticket.customerId, link: /https:\/\/api\.example\.com\/csat\/(\S+)/.exec(sms.Body!)![1]! };
  }
  async function solve(ticketId: string) {
    const ticket = (await intake.getTicket(ticketId))!;
    const at = new Date(clock.now()).toISOString();
    return (await intake.changeTicket(ticket, { version: ticket.version + 1, action: 'ticket.status-changed', actor: { type: 'agent', id: 'mei' }, at, before: { status: ticket.status }, after: { status: 'solved' } }, { status: 'solved', solvedAt: at }))!;
  }
  const statusEvent = (ticketId: string, customerId: string, version: number) => ({
    eventId: `${ticketId}:v${version}`,
    version: 1 as const,
    occurredAt: clock.now().toISOString(),
    ticketId,
    customerId,
    from: 'open' as const,
    to: 'solved' as const,
    actor: { type: 'agent' as const, id: 'mei' },
  });
  const deps = (publisher: EventPublisher, csatStore: CsatStore = store): CsatDeps => ({ store: csatStore, tickets, publisher, now: clock.now });
  const agentItem = async () => (await dynamo.doc.send(new GetCommand({ TableName: table, Key: keys.agent('mei'), ConsistentRead: true }))).Item!;
  const customerItem = async (ticketId: string) => (await dynamo.doc.send(new GetCommand({ TableName: table, Key: keys.csat(ticketId), ConsistentRead: true }))).Item;
  return { table, config, clock, store, tickets, intake, outbox, delivery, deps, solvedAndAsked, solve, statusEvent, agentItem, customerItem };
}

test('a recorder that stopped after the score was on the ticket is finished by a retry once its lease is over: counted once, published once', async () => {
  const { clock, deps, solvedAndAsked, agentItem, customerItem } = await setup();
  const { ticketId, link } = await solvedAndAsked();
  const publisher = new FlakyPublisher(1);
  await expect(scoreByLink(deps(publisher), link, { score: 2, comment: 'Slow' })).rejects.toThrow('bus down');
  expect((await agentItem()).csatCount).toBe(1);
  expect(await customerItem(ticketId)).toMatchObject({ score: 2, claimedUntil: expect.any(String) });
  expect((await customerItem(ticketId))!.settled).toBeUndefined();

  // The customer tries again at once: answered already, and the stopped recorder's lease still holds.
  await expect(scoreByLink(deps(publisher), link, { score: 5 })).rejects.toMatchObject({ problem: { status: 409 } });
  expect(publisher.recorded()).toHaveLength(0);

  clock.advance(61_000);
  await expect(scoreByLink(deps(publisher), link, { score: 5 })).rejects.toMatchObject({ problem: { status: 409 } });
  expect(publisher.recorded().map((e) => e.detail)).toEqual([expect.objectContaining({ ticketId, score: 2, via: 'link', agentId: 'mei', commented: true })]);
  expect(await agentItem()).toMatchObject({ csatCount: 1, csatTotal: 2, csatScore2: 1 });
  expect(await customerItem(ticketId)).toMatchObject({ score: 2, comment: 'Slow', settled: true });
  expect((await customerItem(ticketId))!.claimedUntil).toBeUndefined();

  clock.advance(61_000);
  await expect(scoreByLink(deps(publisher), link, { score: 5 })).rejects.toMatchObject({ problem: { status: 409 } });
  expect(publisher.recorded()).toHaveLength(1);
});

test('a settler that stopped between counting and publishing is taken over without counting again', async () => {
  const { clock, deps, store, tickets, solvedAndAsked, agentItem } = await setup();
  const { ticketId, link } = await solvedAndAsked();
  // The table refuses the settled mark once: the counters and the event are done, the mark is not.
  let refusals = 1;
  const flaky: CsatStore = Object.assign(Object.create(store) as CsatStore, {
    markSettled: async (id: string) => {
      if (refusals-- > 0) throw new Error('throttled');
      return store.markSettled(id);
    },
  });
  const publisher = new FlakyPublisher();
  await expect(scoreByLink(deps(publisher, flaky), link, { score: 4 })).rejects.toThrow('throttled');
  clock.advance(61_000);
  await settle(deps(publisher, flaky), (await tickets.getTicket(ticketId))!);
  expect(await agentItem()).toMatchObject({ csatCount: 1, csatTotal: 4 });
  // At least once on the bus, under one event id.
  expect(new Set(publisher.recorded().map((e) => e.detail.eventId))).toEqual(new Set([`${ticketId}:csat`]));
});

test('settlers racing on one score: one of them publishes, the agent counts it once', async () => {
  const { deps, solvedAndAsked, tickets, agentItem, table } = await setup();
  const { ticketId, link } = await solvedAndAsked();
  const publisher = new FlakyPublisher();
  await scoreByLink({ ...deps(publisher), publisher: { publish: async () => Promise.reject(new Error('bus down')) } }, link, { score: 3 }).catch(() => undefined);
  // A fresh start: as if the lease had lapsed, by removing it.
  await dynamo.doc.send(new UpdateCommand({ TableName: table, Key: keys.csat(ticketId), UpdateExpression: 'REMOVE claimedUntil' }));
  const ticket = (await tickets.getTicket(ticketId))!;
  await Promise.all(Array.from({ length: 10 }, () => settle(deps(publisher), ticket)));
  expect(publisher.recorded()).toHaveLength(1);
  expect((await agentItem()).csatCount).toBe(1);
});

test('the agent\'s counters take each ticket once, keep a day of counted entries, and create no agent', async () => {
  const { store, agentItem, table } = await setup();
  const day1 = new Date('2026-11-20T10:00:00.000Z');
  await Promise.all(Array.from({ length: 10 }, () => store.countForAgent('mei', 'tkt_a', 5, day1.toISOString(), day1)));
  expect(await agentItem()).toMatchObject({ csatCount: 1, csatTotal: 5, csatScore5: 1, csatCounted: new Set([`${day1.toISOString()}|tkt_a`]) });
  const day3 = new Date('2026-11-22T10:00:00.000Z');
  await store.countForAgent('mei', 'tkt_b', 1, day3.toISOString(), day3);
  expect(await agentItem()).toMatchObject({ csatCount: 2, csatTotal: 6, csatScore1: 1, csatCounted: new Set([`${day3.toISOString()}|tkt_b`]) });
  await store.countForAgent('nobody', 'tkt_c', 3, day3.toISOString(), day3);
  expect((await dynamo.doc.send(new GetCommand({ TableName: table, Key: keys.agent('nobody') }))).Item).toBeUndefined();
});

test('a reply with the score whose recording stopped midway is finished by the message\'s retry, without reopening the ticket', async () => {
  const { deps, intake, solvedAndAsked, tickets, agentItem, customerItem } = await setup();
  const { ticketId } = await solvedAndAsked();
  const publisher = new FlakyPublisher(1);
  const ingestDeps = { store: intake, publisher: new RecordingPublisher(), mergeWindowMs: 86_400_000, csat: deps(publisher) };
  const answer = inbound({ channel: 'sms', customer: { handles: [{ kind: 'phone', value: PHONE }] }, text: '4 ok', at: '2026-11-23T12:30:00.000Z' });
  await expect(ingestMessage(ingestDeps, answer)).rejects.toThrow('bus down');
  // The queue hands it out again after its visibility timeout, past the settler's lease.
  (ingestDeps.csat as { now: () => Date }).now = () => new Date(T0 + 200_000);
  expect(await ingestMessage(ingestDeps, answer, true)).toMatchObject({ ticketId, outcome: 'merged' });
  expect(await ingestMessage(ingestDeps, answer, true)).toMatchObject({ ticketId, outcome: 'duplicate' });
  expect((await tickets.getTicket(ticketId))!).toMatchObject({ status: 'solved', csat: { score: 4, comment: 'ok', via: 'reply', messageId: `sms:${answer.providerMessageId}` } });
  expect(publisher.recorded()).toHaveLength(1);
  expect((await agentItem()).csatCount).toBe(1);
  expect(await customerItem(ticketId)).toMatchObject({ settled: true });
  // Ingest's own events: the message (a redelivery publishes it again, under its id); the score's is CsatRecorded.
  expect(new Set(ingestDeps.publisher.published.map((e) => `${e.detailType} ${e.detail.eventId}`))).toEqual(new Set([`MessageReceived sms:${answer.providerMessageId}:received`]));
});

test('a request replaced before it could be sent is not sent: its retry finds a newer one', async () => {
  const { clock, delivery, outbox, solve, statusEvent, intake } = await setup();
  const { ticketId } = await ingestMessage({ store: intake, publisher: new RecordingPublisher(), mergeWindowMs: 86_400_000 }, inbound({ channel: 'sms', customer: { handles: [{ kind: 'phone', value: PHONE }] }, replyTo: PHONE }));
  const first = await solve(ticketId);
  const { customerId } = first;
  // Twilio is down: the first request waits for a retry.
  outbox.respondWith(() => ({ status: 503, body: JSON.stringify({ code: 20500, message: 'unavailable', status: 503 }) }));
  expect(await notifyStatusChange(delivery(), statusEvent(ticketId, customerId, first.version), 1)).toMatchObject({ retry: true });
  const firstRequest = (await intake.getTicket(ticketId))!.csatRequest!;
  outbox.respondWith(undefined);
  clock.advance(60_000);
  // Reopened by the customer and solved again: a fresh request, which goes out.
  const reopened = (await intake.getTicket(ticketId))!;
  await intake.changeTicket(reopened, { version: reopened.version + 1, action: 'ticket.reopened', actor: { type: 'customer', id: customerId }, at: clock.now().toISOString(), before: { status: 'solved' }, after: { status: 'open' } }, { status: 'open' });
  const second = await solve(ticketId);
  const sent = outbox.entries.length;
  expect(await notifyStatusChange(delivery(), statusEvent(ticketId, customerId, second.version), 1)).toMatchObject({ delivery: { status: 'sent' } });
  expect(outbox.entries).toHaveLength(sent + 1);
  expect((await intake.getTicket(ticketId))!.csatRequest!.replyId).not.toBe(firstRequest.replyId);

  // The first request's retry: not sent, and said why.
  clock.advance(120_000);
  const retried = await deliverReply(delivery(), firstRequest.replyId, 2);
  expect(retried).toMatchObject({ retry: false, deadLetter: false, delivery: { status: 'failed', retryable: false, reason: expect.stringContaining('replaced') } });
  expect(outbox.entries).toHaveLength(sent + 1);
});
