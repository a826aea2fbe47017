import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { domainEvent, TicketStatusChanged } from '../../events';
import { issueDevToken } from '../../infra/local/dev-tokens';
import { localClient } from '../../infra/local/dynamodb';
import { LOCAL_BUS, type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import type { UserGroup } from '../../infra/topology';
import { parseConfig } from '../../shared/config';
import { hashToken, newToken } from '../../shared/csat/csat';
import type { Ticket } from '../../shared/domain/ticket';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { keys } from '../../shared/store/keys';
import { readTicket } from '../../shared/store/reads';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';

/**
 * Customer satisfaction end to end, in local mode: a solved ticket's customer gets the request on
 * their channel (the outbox shows what went to the provider), scores by the link or by replying
 * with the number, and the score shows on the ticket, the customer, the agent and the bus.
 *
 * Tickets are solved the way the agent workspace's PATCH /tickets/{id} will solve them (it is being
 * built alongside): a versioned status change on the ticket, then TicketStatusChanged on the bus.
 */

const SMS_FROM = '+14155550100';
const config = parseConfig({
  channels: { sms: { from: SMS_FROM } },
  routing: { sampleAgents: [{ agentId: 'alice', skills: ['language:en', 'category:delivery'], capacity: 50, presence: 'online' }] },
});
let local: LocalSwitchboard;
let db: ReturnType<typeof documentClient>;
let bus: EventBridgeClient;
const tokens = {} as Record<UserGroup, string>;

beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  db = documentClient(localClient(local.dynamoEndpoint));
  bus = new EventBridgeClient({ endpoint: local.bus.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  for (const role of ['agent', 'supervisor', 'admin'] as const) tokens[role] = await issueDevToken(local.signingKey, { sub: role === 'agent' ? 'alice' : `${role}-1`, role });
}, 60_000);
afterAll(async () => {
  bus?.destroy();
  db?.destroy();
  await local?.close();
}, 30_000);

const events = (ticketId: string, type: string) => local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticketId && e['detail-type'] === type);
const ticketOf = (ticketId: string) => readTicket(db, local.tableName, ticketId);

let sequence = 0;
const phoneOfTicket = new Map<string, string>();

/** A customer texts in (a delivery problem, so alice gets it); the ticket once assigned. */
async function smsTicket(phone: string, text = 'Hello, my parcel is two weeks late and nobody answers.'): Promise<Ticket> {
  const ticketId = await textFrom(phone, text);
  await eventually(async () => events(ticketId, 'TicketAssigned')[0]);
  return (await ticketOf(ticketId))!;
}

/** A text from the customer, once it is on its ticket; the ticket's id. */
async function textFrom(phone: string, text: string): Promise<string> {
  const sid = `SMcsat${++sequence}`;
  const body = new URLSearchParams({ MessageSid: sid, From: phone, To: SMS_FROM, Body: text, NumMedia: '0' }).toString();
  expect((await postSigned(local.url, 'sms', body)).status).toBe(200);
  const received = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'MessageReceived' && e.detail.messageId === `sms:${sid}`));
  const ticketId = received.detail.ticketId as string;
  phoneOfTicket.set(ticketId, phone);
  return ticketId;
}

/** What PATCH /tickets/{id} will do: the versioned status change (again if triage or routing moved the ticket meanwhile), then its event. */
async function setStatus(ticketId: string, status: 'solved' | 'closed'): Promise<void> {
  const intake = new DynamoDbIntakeStore(db, local.tableName);
  const written = await eventually(async () => {
    const ticket = (await intake.getTicket(ticketId))!;
    const at = new Date().toISOString();
    const change = { version: ticket.version + 1, action: 'ticket.status-changed' as const, actor: { type: 'agent' as const, id: 'alice' }, at, before: { status: ticket.status }, after: { status } };
    return (await intake.changeTicket(ticket, change, { status, ...(status === 'solved' ? { solvedAt: at } : {}) })) && { ticket, change };
  });
  const { ticket, change } = written;
  await new EventBridgePublisher(bus, LOCAL_BUS).publish([
    domainEvent(TicketStatusChanged, { eventId: `${ticketId}:v${change.version}`, version: 1, occurredAt: change.at, ticketId, customerId: ticket.customerId, from: ticket.status, to: status, actor: change.actor }),
  ]);
}

interface Sms {
  readonly To: string;
  readonly Body: string;
}
async function outbox(): Promise<Sms[]> {
  const { entries } = (await (await fetch(`${local.url}/dev/outbox`)).json()) as { entries: { kind: string; request: { url: string; body: string } }[] };
  return entries.filter((e) => e.kind === 'http' && e.request.url.includes('api.twilio.com')).map((e) => Object.fromEntries(new URLSearchParams(e.request.body)) as unknown as Sms);
}
/** The n-th text (from 1) sent to a phone, once it was sent. */
const nthTextTo = (phone: string, n: number) => eventually(async () => (await outbox()).filter((m) => m.To === phone)[n - 1]);
const linkIn = (text: string) => /(http:\/\/127\.0\.0\.1:\d+\/csat\/[A-Za-z0-9_-]{43})/.exec(text)?.[1];

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const api = (path: string, role: UserGroup = 'supervisor') => fetch(`${local.url}${path}`, { headers: { authorization: `Bearer ${tokens[role]}` } });

async function customerScores(customerId: string) {
  const out = await db.send(
    new QueryCommand({
      TableName: local.tableName,
      IndexName: 'byParent',
      KeyConditionExpression: 'parentKey = :p AND begins_with(childKey, :csat)',
      ExpressionAttributeValues: { ':p': keys.customerParent(customerId), ':csat': 'CSAT#' },
    }),
  );
  return out.Items ?? [];
}
async function aliceCsat() {
  const { agents } = (await (await api('/agents')).json()) as { agents: { agentId: string; csat?: { count: number; average: number; scores: Record<string, number> } }[] };
  return agents.find((a) => a.agentId === 'alice')!.csat;
}

let scoredByLink: { ticket: Ticket; link: string };

test('a solved SMS ticket asks its customer by text, with a link; the link records the score on the ticket, the customer, the agent and the bus', async () => {
  const phone = '+14155550161';
  const ticket = await smsTicket(phone);
  expect(ticket.assigneeId).toBe('alice');
  await setStatus(ticket.ticketId, 'solved');

  const request = await nthTextTo(phone, 1);
  // A solved ticket stays solved until workspace.closeSolvedAfter (4 days): asked while solved, answerable by reply while solved.
  expect((await ticketOf(ticket.ticketId))!.status).toBe('solved');
  expect(request.Body).toContain(`Your request ${ticket.ticketId} has been solved.`);
  expect(request.Body).toContain('Reply with a number from 1 (poor) to 5 (great)');
  const link = linkIn(request.Body)!;
  expect(link).toBeDefined();
  const token = link.split('/').pop()!;
  // The timeline keeps the text with the link's placeholder; the token is nowhere in the table, only its hash.
  const dump = JSON.stringify((await db.send(new ScanCommand({ TableName: local.tableName }))).Items);
  expect(dump).not.toContain(token);
  expect(dump).toContain(`CSAT-TOKEN#${hashToken(token)}`);
  expect(dump).toContain('rate us here: {link}');
  expect((await ticketOf(ticket.ticketId))!.csatRequest).toMatchObject({ channel: 'sms', sent: true, agentId: 'alice', linkedAt: expect.any(String), expiresAt: expect.any(String) });
  expect((await eventually(async () => events(ticket.ticketId, 'CsatRequested')[0])).detail).toMatchObject({ ticketId: ticket.ticketId, channel: 'sms', sent: true });

  const res = await post(link, { score: 4, comment: 'Quick, thank you' });
  expect(res.status).toBe(201);
  const answer = (await res.json()) as { at: string };
  expect(answer).toEqual({ ticketId: ticket.ticketId, score: 4, comment: 'Quick, thank you', at: expect.any(String), via: 'link' });

  // The ticket: the score, recorded as a versioned change with its audit entry, as the API shows it.
  const scored = (await ticketOf(ticket.ticketId))!;
  expect(scored).toMatchObject({ status: 'solved', csat: { score: 4, comment: 'Quick, thank you', via: 'link', agentId: 'alice', at: answer.at }, lastChange: { action: 'ticket.csat' } });
  const audit = await db.send(new QueryCommand({ TableName: local.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ':pk': `TICKET#${ticket.ticketId}`, ':a': 'AUDIT#' } }));
  expect(audit.Items!.filter((e) => e.action === 'ticket.csat')).toEqual([expect.objectContaining({ version: scored.version, actor: { type: 'customer', id: ticket.customerId }, after: { csat: { score: 4, via: 'link', commented: true } } })]);
  const detail = (await (await api(`/tickets/${ticket.ticketId}`, 'agent')).json()) as { ticket: Ticket };
  expect(detail.ticket.csat).toMatchObject({ score: 4, via: 'link' });

  // The customer: one item per score, read with their identities.
  expect(await customerScores(ticket.customerId)).toEqual([
    expect.objectContaining({ ticketId: ticket.ticketId, customerId: ticket.customerId, score: 4, comment: 'Quick, thank you', at: answer.at, agentId: 'alice', via: 'link', settled: true }),
  ]);
  // The agent: counters, on GET /agents.
  expect(await aliceCsat()).toEqual({ count: 1, average: 4, scores: { 1: 0, 2: 0, 3: 0, 4: 1, 5: 0 } });
  // The bus: ids and the score, never the comment.
  const [recorded] = await eventually(async () => (events(ticket.ticketId, 'CsatRecorded').length ? events(ticket.ticketId, 'CsatRecorded') : undefined));
  expect(recorded!.detail).toEqual(expect.objectContaining({ eventId: `${ticket.ticketId}:csat`, ticketId: ticket.ticketId, customerId: ticket.customerId, agentId: 'alice', score: 4, via: 'link', commented: true }));
  expect(JSON.stringify(recorded)).not.toContain('Quick');

  // Once scored: 409, however it is asked, and the counters stay.
  const again = await post(link, { score: 1 });
  expect(again.status).toBe(409);
  expect(again.headers.get('content-type')).toBe('application/problem+json');
  expect(await again.json()).toMatchObject({ type: 'urn:switchboard:problem:already-scored', status: 409 });
  expect((await fetch(link)).status).toBe(409);
  expect((await fetch(link, { headers: { accept: 'text/html' } })).headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await aliceCsat()).toMatchObject({ count: 1 });
  scoredByLink = { ticket, link };
}, 60_000);

test('a ticket scored, reopened and solved again is not asked again', async () => {
  const { ticket, link } = scoredByLink;
  const phone = phoneOfTicket.get(ticket.ticketId)!;
  // Scored already: any message reopens it, as before.
  await textFrom(phone, 'It broke again, please help');
  expect((await ticketOf(ticket.ticketId))!.status).toBe('open');
  await setStatus(ticket.ticketId, 'solved');
  const notification = await nthTextTo(phone, 2);
  expect(notification.Body).toBe(`Your request ${ticket.ticketId} has been solved. Reply to this message if you need anything else.`);
  expect((await post(link, { score: 2 })).status).toBe(409);
}, 60_000);

test('a customer who answers the request with just the number records it, and the ticket stays solved', async () => {
  const phone = '+14155550162';
  const ticket = await smsTicket(phone);
  await setStatus(ticket.ticketId, 'solved');
  const link = linkIn((await nthTextTo(phone, 1)).Body)!;
  const before = (await aliceCsat())!.count;

  await textFrom(phone, '５ thanks!');
  const scored = await eventually(async () => ((await ticketOf(ticket.ticketId))?.csat ? ticketOf(ticket.ticketId) : undefined));
  expect(scored).toMatchObject({ status: 'solved', csat: { score: 5, comment: 'thanks!', via: 'reply', agentId: 'alice', messageId: expect.stringMatching(/^sms:SMcsat/) } });
  expect(events(ticket.ticketId, 'TicketReopened')).toEqual([]);
  expect((await eventually(async () => events(ticket.ticketId, 'CsatRecorded')[0])).detail).toMatchObject({ score: 5, via: 'reply', messageId: scored!.csat!.messageId });
  // The message is on the ticket's timeline like any other.
  expect(events(ticket.ticketId, 'MessageReceived').map((e) => e.detail.messageId)).toContain(scored!.csat!.messageId);
  expect(await customerScores(ticket.customerId)).toEqual([expect.objectContaining({ score: 5, via: 'reply', ticketId: ticket.ticketId })]);
  await eventually(async () => ((await aliceCsat())!.count === before + 1 ? true : undefined));
  expect((await post(link, { score: 1 })).status).toBe(409);

  // A second number is a message like any other: the request is answered.
  await textFrom(phone, '4');
  expect((await ticketOf(ticket.ticketId))!).toMatchObject({ status: 'open', csat: { score: 5 } });
}, 60_000);

test('solved again before it was scored: a fresh request, and the old link stops working; 20 parallel answers record one', async () => {
  const phone = '+14155550163';
  const ticket = await smsTicket(phone);
  await setStatus(ticket.ticketId, 'solved');
  const first = linkIn((await nthTextTo(phone, 1)).Body)!;
  await textFrom(phone, 'Actually the box is empty, what now?');
  await setStatus(ticket.ticketId, 'solved');
  const second = linkIn((await nthTextTo(phone, 2)).Body)!;
  expect(second).not.toBe(first);
  const gone = await post(first, { score: 3 });
  expect(gone.status).toBe(404);
  const unknown = await post(`${local.url}/csat/${newToken()}`, { score: 3 });
  expect(unknown.status).toBe(404);
  expect(await gone.text()).toBe(await unknown.text());

  const before = (await aliceCsat())!.count;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(second, { score: (i % 5) + 1 })));
  const statuses = answers.map((r) => r.status).sort();
  expect(statuses).toEqual([201, ...Array(19).fill(409)]);
  const winner = (await answers.find((r) => r.status === 201)!.json()) as { score: number };
  expect((await ticketOf(ticket.ticketId))!.csat!.score).toBe(winner.score);
  expect(await customerScores(ticket.customerId)).toHaveLength(1);
  expect((await aliceCsat())!.count).toBe(before + 1);
  // Published once: the one settler at a time is the one that recorded it.
  expect(events(ticket.ticketId, 'CsatRecorded').map((e) => e.detail.eventId)).toEqual([`${ticket.ticketId}:csat`]);
}, 60_000);

test('an expired link is a 404 like an unknown one, and records nothing', async () => {
  const phone = '+14155550164';
  const ticket = await smsTicket(phone);
  await setStatus(ticket.ticketId, 'solved');
  await nthTextTo(phone, 1);
  const { replyId } = (await ticketOf(ticket.ticketId))!.csatRequest!;
  // A link for the ticket's current request whose lifetime has run out (DynamoDB's TTL deletes it eventually; dynalite never does).
  const token = newToken();
  const expiresAt = new Date(Date.now() - 1000).toISOString();
  await db.send(new PutCommand({ TableName: local.tableName, Item: { ...keys.csatToken(hashToken(token)), tokenHash: hashToken(token), ticketId: ticket.ticketId, customerId: ticket.customerId, replyId, expiresAt, ttl: 1 } }));
  const expired = await post(`${local.url}/csat/${token}`, { score: 5 });
  const unknown = await post(`${local.url}/csat/not-a-token`, { score: 5 });
  expect([expired.status, unknown.status]).toEqual([404, 404]);
  expect(await expired.json()).toEqual(await unknown.json());
  expect((await fetch(`${local.url}/csat/${token}`)).status).toBe(404);
  expect((await ticketOf(ticket.ticketId))!.csat).toBeUndefined();
}, 60_000);

test('the link needs no sign-in: with or without an agent\'s, supervisor\'s or admin\'s token it does the same; a bad score is a 400 naming it', async () => {
  const phone = '+14155550165';
  const ticket = await smsTicket(phone);
  await setStatus(ticket.ticketId, 'solved');
  const link = linkIn((await nthTextTo(phone, 1)).Body)!;
  for (const role of [undefined, 'agent', 'supervisor', 'admin'] as const) {
    const auth: Record<string, string> = role ? { authorization: `Bearer ${tokens[role]}` } : {};
    const form = await fetch(link, { headers: { ...auth, accept: 'text/html,application/xhtml+xml' } });
    expect({ role, status: form.status, type: form.headers.get('content-type') }).toEqual({ role, status: 200, type: 'text/html; charset=utf-8' });
    expect(form.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await form.text()).toContain('<form method="post">');
    const json = await fetch(link, { headers: auth });
    expect({ role, status: json.status, body: await json.json() }).toEqual({ role, status: 200, body: { answerable: true, scores: [1, 2, 3, 4, 5] } });
    const bad = await post(link, { score: 7 }, auth);
    expect({ role, status: bad.status }).toEqual({ role, status: 400 });
    expect(((await bad.json()) as { errors: unknown }).errors).toEqual([expect.objectContaining({ field: 'score' })]);
  }
  expect((await fetch(link, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '5' })).status).toBe(415);
  // A browser's form post gets a page back.
  const page = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'score=3&comment=ok' });
  expect([page.status, page.headers.get('content-type')]).toEqual([201, 'text/html; charset=utf-8']);
  expect((await ticketOf(ticket.ticketId))!.csat).toMatchObject({ score: 3, comment: 'ok', via: 'link' });
  const repeat = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'score=3' });
  expect([repeat.status, repeat.headers.get('content-type')]).toEqual([409, 'text/html; charset=utf-8']);
}, 60_000);

test('a web form ticket (no reply API) records the request on its timeline only; a later "5" reopens it like any message', async () => {
  const messageId = `csat-web-${Date.now()}`;
  const web = JSON.stringify({ messageId, customer: { id: 'user-77' }, text: 'My parcel has not arrived yet, it is very late.' });
  expect((await postSigned(local.url, 'web', web)).status).toBe(202);
  const assigned = await eventually(async () => {
    const received = local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'MessageReceived' && e.detail.messageId === `web:${messageId}`);
    return received && events(received.detail.ticketId as string, 'TicketAssigned')[0];
  });
  const ticketId = assigned.detail.ticketId as string;
  const sent = (await outbox()).length;
  await setStatus(ticketId, 'solved');

  const requested = await eventually(async () => events(ticketId, 'CsatRequested')[0]);
  expect(requested.detail).toMatchObject({ channel: 'web', sent: false });
  const { replyId } = (await ticketOf(ticketId))!.csatRequest!;
  const item = (await db.send(new QueryCommand({ TableName: local.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.reply(replyId).pk } }))).Items![0]!;
  expect(item).toMatchObject({ parentKey: `TICKET#${ticketId}`, kind: 'notification', channel: 'web', csatRequest: true, delivery: { status: 'recorded' } });
  expect(item.text).toContain('has been solved');
  expect((await outbox()).length).toBe(sent);

  const again = JSON.stringify({ messageId: `${messageId}-2`, customer: { id: 'user-77' }, text: '5' });
  expect((await postSigned(local.url, 'web', again)).status).toBe(202);
  await eventually(async () => events(ticketId, 'TicketReopened')[0]);
  expect((await ticketOf(ticketId))!.csat).toBeUndefined();
}, 60_000);
