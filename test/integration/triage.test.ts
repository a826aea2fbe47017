import { ComprehendClient } from '@aws-sdk/client-comprehend';
import { durationToMs, parseConfig } from '../../shared/config';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { DynamoDbTriageReads } from '../../shared/store/dynamodb-triage-reads';
import { readTicket } from '../../shared/store/reads';
import { type TriageDeps, type TriageRequest, triageMessages } from '../../shared/tickets/triage-tickets';
import { ComprehendAnalyzer } from '../../shared/triage/comprehend-analyzer';
import { OfflineAnalyzer } from '../../shared/triage/offline-analyzer';
import type { TextAnalyzer } from '../../shared/triage/analyzer';
import { answerEveryDocument, FakeComprehend, SENTIMENT } from '../support/comprehend';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

/** Triage of stored messages against dynalite: what lands on the ticket, in its audit trail and on the bus. */

const config = parseConfig({});
let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
const comprehend = new FakeComprehend();
let endpoint: string;
beforeAll(async () => {
  dynamo = await dynamoForTests();
  endpoint = await comprehend.start();
});
afterAll(async () => {
  await dynamo.close();
  await comprehend.stop();
});

async function setup(analyzer: TextAnalyzer = new OfflineAnalyzer()) {
  const table = await dynamo.freshTable();
  const publisher = new RecordingPublisher();
  const deps: TriageDeps = {
    reads: new DynamoDbTriageReads(dynamo.doc, table),
    tickets: new DynamoDbTicketChanges(dynamo.doc, table),
    analyzer,
    publisher,
    config,
    now: () => new Date(),
  };
  const intake = { store: new DynamoDbIntakeStore(dynamo.doc, table), publisher: new RecordingPublisher(), mergeWindowMs: durationToMs('PT24H') };
  /** A customer message stored through ingest; what the triage queue would carry for it. */
  const message = async (text: string, at: string, email = 'ana@example.com'): Promise<TriageRequest> => {
    const m = inbound({ text, at, providerMessageId: `m-${at}`, customer: { handles: [{ kind: 'email', value: email }] } });
    const { ticketId } = await ingestMessage(intake, m);
    const received = intake.publisher.published.filter((e) => e.detailType === 'MessageReceived').at(-1)!.detail;
    return { ticketId, customerId: received.customerId as string, messageId: received.messageId as string, channel: m.channel, receivedAt: m.receivedAt };
  };
  const ticket = (id: string) => readTicket(dynamo.doc, table, id);
  return { deps, publisher, message, ticket, table };
}

test('a later, angrier message moves the urgency; every triage is a change in the audit trail', async () => {
  const { deps, publisher, message, ticket, table } = await setup();
  const calm = await message('Hello, where is my parcel? Thanks', '2026-11-23T09:00:00.000Z');
  await triageMessages(deps, [calm]);
  expect(await ticket(calm.ticketId)).toMatchObject({ urgency: 'normal', priority: 'normal', prioritySource: 'triage', category: 'delivery', language: 'en' });

  const angry = await message('This is UNACCEPTABLE!!! Still no parcel, worst service ever, I am furious!', '2026-11-23T10:00:00.000Z');
  expect(angry.ticketId).toBe(calm.ticketId);
  await triageMessages(deps, [angry]);
  const after = (await ticket(calm.ticketId))!;
  expect(after).toMatchObject({ urgency: 'critical', priority: 'critical' });
  expect(after.tags).toEqual(expect.arrayContaining(['urgency:critical', 'sentiment:negative', 'category:delivery']));

  const triaged = publisher.published.map((e) => e.detail);
  expect(triaged.map((d) => [d.urgency, d.previousUrgency, d.priorityChanged])).toEqual([
    ['normal', undefined, true],
    ['critical', 'normal', true],
  ]);
  const audit = (await dynamo.dump(table)).filter((i) => i.pk === `TICKET#${calm.ticketId}` && String(i.sk).startsWith('AUDIT#') && i.action === 'ticket.triaged');
  expect(audit.map((a) => (a.after as { urgency: string }).urgency)).toEqual(['normal', 'critical']);
});

test('a redelivered message is not triaged twice; its event goes out again, the same, in case the first was lost', async () => {
  const { deps, publisher, message, ticket } = await setup();
  const m = await message('My invoice is wrong', '2026-11-23T09:00:00.000Z', 'ben@example.com');
  await triageMessages(deps, [m]);
  const version = (await ticket(m.ticketId))!.version;
  await triageMessages(deps, [m]);
  expect((await ticket(m.ticketId))!.version).toBe(version);
  expect(publisher.published).toHaveLength(2);
  expect(publisher.published[1]).toEqual(publisher.published[0]);
});

test('a crash between recording a triage and publishing it: the retry publishes it, so the ticket is still routed', async () => {
  const { deps, publisher, message, ticket } = await setup();
  const m = await message('Where is my parcel?', '2026-11-23T09:00:00.000Z', 'dee@example.com');
  const failing = { ...deps, publisher: { publish: () => Promise.reject(new Error('bus down')) } };
  await expect(triageMessages(failing, [m])).rejects.toThrow('bus down');
  expect((await ticket(m.ticketId))!.triage).toBeDefined();
  await triageMessages(deps, [m]);
  expect(publisher.published.map((e) => e.detail)).toEqual([expect.objectContaining({ ticketId: m.ticketId, routingChanged: true, priority: 'normal' })]);
});

test('an older message redelivered after a newer one was triaged moves nothing', async () => {
  const { deps, publisher, message, ticket } = await setup();
  const older = await message('Thanks, all good now!', '2026-11-23T09:00:00.000Z', 'eve@example.com');
  const newer = await message('This is UNACCEPTABLE!!! The parcel is broken, I am furious!', '2026-11-23T09:05:00.000Z', 'eve@example.com');
  await triageMessages(deps, [newer]);
  await triageMessages(deps, [older]);
  expect((await ticket(newer.ticketId))!.urgency).toBe('critical');
  expect(publisher.published).toHaveLength(1);
});

test('a new language or category restarts routing even when the priority stays', async () => {
  const { deps, publisher, message } = await setup();
  await triageMessages(deps, [await message('Hello, I have a question about my order', '2026-11-23T09:00:00.000Z', 'fay@example.com')]);
  await triageMessages(deps, [await message('请问我的订单什么时候发货？', '2026-11-23T09:01:00.000Z', 'fay@example.com')]);
  const [first, second] = publisher.published.map((e) => e.detail);
  expect(second).toMatchObject({ language: 'zh', priorityChanged: false, routingChanged: true });
  expect(first!.priority).toBe(second!.priority);
});

test('any analyzer failure, not only throttling, leaves the ticket on defaults and routed', async () => {
  comprehend.answer = () => ({ status: 400, body: { __type: 'AccessDeniedException', message: 'not authorized' } });
  const client = new ComprehendClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const { deps, publisher, message, ticket } = await setup(new ComprehendAnalyzer(client, { defaultLanguage: 'en' }));
  const m = await message('我要投诉！快递一直没到', '2026-11-23T09:00:00.000Z', 'gus@example.com');
  const outcome = await triageMessages(deps, [m]);
  expect(outcome).toMatchObject({ unavailable: 'failed', triaged: [] });
  // The script still says Chinese, and the keyword rule still says critical.
  expect(await ticket(m.ticketId)).toMatchObject({ language: 'zh', urgency: 'critical', triage: { pending: true } });
  expect(publisher.published[0]!.detail).toMatchObject({ pending: true, routingChanged: true });
});

test("messages of one ticket in one batch are one document: Comprehend sees each ticket once, grouped by language", async () => {
  comprehend.received.length = 0;
  comprehend.answer = answerEveryDocument;
  const analyzer = new ComprehendAnalyzer(new ComprehendClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), { defaultLanguage: 'en' });
  const { deps, message } = await setup(analyzer);
  const batch = [
    await message('Hello, my parcel has not arrived yet.', '2026-11-23T09:00:00.000Z', 'a@example.com'),
    await message('It was due last Monday, please check.', '2026-11-23T09:00:05.000Z', 'a@example.com'),
    await message('我的快递一个星期还没到，怎么回事？', '2026-11-23T09:00:06.000Z', 'b@example.com'),
  ];
  const outcome = await triageMessages(deps, batch);
  expect(outcome.triaged).toHaveLength(2);
  const sent = comprehend.requests(SENTIMENT).map((r) => [r.body.LanguageCode, r.body.TextList.length]);
  expect(sent.sort()).toEqual([
    ['en', 1],
    ['zh', 1],
  ]);
  expect(comprehend.requests(SENTIMENT).find((r) => r.body.LanguageCode === 'en')!.body.TextList[0]).toBe('Hello, my parcel has not arrived yet.\nIt was due last Monday, please check.');
});

test('Comprehend throttled: the ticket gets defaults tagged triage:pending and is routed on them; the retry replaces them', async () => {
  comprehend.answer = () => ({ status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } });
  const client = new ComprehendClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const { deps, publisher, message, ticket } = await setup(new ComprehendAnalyzer(client, { defaultLanguage: 'en' }));
  const m = await message('Why was I charged twice? This is really not OK.', '2026-11-23T09:00:00.000Z', 'cy@example.com');

  const first = await triageMessages(deps, [m]);
  expect(first).toMatchObject({ unavailable: 'throttled', triaged: [] });
  expect([...first.retry]).toEqual([m.messageId]);
  expect(await ticket(m.ticketId)).toMatchObject({ priority: 'normal', category: 'billing', triage: { pending: true } });
  expect((await ticket(m.ticketId))!.tags).toContain('triage:pending');
  // Routing starts on the defaults: the event that starts the ticket's workflow is out.
  expect(publisher.published[0]!.detail).toMatchObject({ pending: true, priorityChanged: true, priority: 'normal' });

  // Still down on the next attempt: nothing new is written; the defaults' event goes out again, the same.
  const version = (await ticket(m.ticketId))!.version;
  await triageMessages(deps, [m]);
  expect((await ticket(m.ticketId))!.version).toBe(version);
  expect(publisher.published).toHaveLength(2);
  expect(publisher.published[1]).toEqual(publisher.published[0]);

  comprehend.answer = (request) => ({
    status: 200,
    body: { ResultList: request.body.TextList.map((_, Index) => ({ Index, Sentiment: 'NEGATIVE', SentimentScore: { Positive: 0.01, Negative: 0.95, Neutral: 0.03, Mixed: 0.01 } })), ErrorList: [] },
  });
  const retried = await triageMessages(deps, [m]);
  expect(retried.retry.size).toBe(0);
  const after = (await ticket(m.ticketId))!;
  expect(after).toMatchObject({ urgency: 'critical', priority: 'critical' });
  expect(after.triage!.pending).toBeUndefined();
  expect(after.tags).not.toContain('triage:pending');
  expect(publisher.published.at(-1)!.detail).toMatchObject({ pending: false, priorityChanged: true, previousPriority: 'normal' });
});
