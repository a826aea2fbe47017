import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { issueDevToken } from '../../infra/local/dev-tokens';
import { localClient } from '../../infra/local/dynamodb';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import type { CustomerRecord } from '../../shared/customers/customer';
import { type CustomersDeps, eraseCustomer, mergeCustomers } from '../../shared/customers/customers-service';
import { renewedCustomerId } from '../../shared/domain/identity';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbCustomerStore, readCustomerView } from '../../shared/store/dynamodb-customer-store';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { keys } from '../../shared/store/keys';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';
import { inbound, RecordingPublisher } from '../support/messages';

/**
 * The customer API through local mode's HTTP API (`npm start`): messages in on real channels, then
 * the 360° view, search, edits, identities, merge, erasure and export, with the dev tokens of each
 * role. Crashes and races are driven through the same core the handler runs, on the same table.
 */

jest.setTimeout(60_000);

// Agents see only assigned tickets here, so the 360° view's filtering shows.
const config = parseConfig({ channels: { sms: { from: '+14155550100' } }, ingest: { maxReceiveCount: 2 }, workspace: { agentsSee: 'assigned' } });
let local: LocalSwitchboard;
let doc: DynamoDBDocumentClient;
const tokens: Record<'agent' | 'supervisor' | 'admin', string> = { agent: '', supervisor: '', admin: '' };

beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  doc = documentClient(localClient(local.dynamoEndpoint));
  tokens.agent = await issueDevToken(local.signingKey, { sub: 'alice', role: 'agent' });
  tokens.supervisor = await issueDevToken(local.signingKey, { sub: 'lin', role: 'supervisor' });
  tokens.admin = await issueDevToken(local.signingKey, { sub: 'ada', role: 'admin' });
}, 60_000);
afterAll(async () => {
  doc?.destroy();
  await local?.close();
}, 30_000);

type Json = Record<string, any>;
type Role = keyof typeof tokens | 'none';

async function call(method: string, path: string, options: { as?: Role; body?: unknown; headers?: Record<string, string> } = {}) {
  const as = options.as ?? 'agent';
  const res = await fetch(`${local.url}${path}`, {
    method,
    headers: {
      ...(as !== 'none' ? { authorization: `Bearer ${tokens[as]}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}

let seq = 0;
const unique = () => `${process.pid}-${Date.now().toString(36)}-${++seq}`;
/** A distinct valid US number per call. */
let phones = 2000;
const newPhone = () => `+1415555${++phones}`;

async function web(customer: { email?: string; phone?: string; id?: string; name?: string }, text: string) {
  const res = await postSigned(local.url, 'web', JSON.stringify({ messageId: `w-${unique()}`, customer, text }));
  expect(res.status).toBe(202);
}

async function sms(from: string, text: string) {
  const body = new URLSearchParams({ MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: '+14155550100', Body: text, NumMedia: '0' });
  const res = await postSigned(local.url, 'sms', body.toString());
  expect(res.status).toBeLessThan(300);
}

async function telegram(userId: number, firstName: string, text: string) {
  const update = { update_id: ++seq, message: { message_id: seq, date: Math.floor(Date.now() / 1000), chat: { id: userId, type: 'private', first_name: firstName }, from: { id: userId, first_name: firstName }, text } };
  const res = await postSigned(local.url, 'telegram', JSON.stringify(update));
  expect(res.status).toBe(200);
}

/** The customer a search finds first, once ingest has placed their message. */
const found = (q: string): Promise<Json> =>
  eventually(async () => {
    const res = await call('GET', `/customers?q=${encodeURIComponent(q)}`);
    return res.status === 200 && res.body.customers.length > 0 ? res.body.customers[0] : undefined;
  });

const view = async (customerId: string) => (await call('GET', `/customers/${customerId}`)).body;

/** Waits until the customer has `count` tickets, and returns the view. */
const withTickets = (customerId: string, count: number) =>
  eventually(async () => {
    const v = await view(customerId);
    return v.tickets.length >= count ? v : undefined;
  });

const events = (type: string) => (local.bus.delivered.get('EventLog') ?? []).filter((e) => e['detail-type'] === type).map((e) => e.detail);

/** The ticket closed directly in the table (the lifecycle API is someone else's), so the next message opens another. */
async function closeTicket(ticketId: string) {
  await doc.send(
    new UpdateCommand({
      TableName: local.tableName,
      Key: keys.ticket(ticketId),
      UpdateExpression: 'SET #status = :closed, statusKey = :key',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':closed': 'closed', ':key': 'STATUS#closed' },
    }),
  );
}

const rawItem = async (key: { pk: string; sk: string }) => (await doc.send(new GetCommand({ TableName: local.tableName, Key: key, ConsistentRead: true }))).Item;

/** The core the handler runs, on local mode's table, through `db` (a crashing one in some tests). */
function coreDeps(db: DynamoDBDocumentClient = doc): CustomersDeps & { publisher: RecordingPublisher } {
  return {
    store: new DynamoDbCustomerStore(db, local.tableName),
    tickets: new DynamoDbTicketChanges(db, local.tableName),
    publisher: new RecordingPublisher(),
    defaultPhoneRegion: 'US',
    now: () => new Date(),
  };
}

/** A document client that fails every write after the first `writes`: a crash part-way through. */
function crashingAfter(writes: number): DynamoDBDocumentClient & { crashed: () => boolean } {
  let sent = 0;
  let crashed = false;
  return {
    send: async (command: { constructor: { name: string } }) => {
      if (/^(Put|Update|Delete)Command$/.test(command.constructor.name) && ++sent > writes) {
        crashed = true;
        throw new Error('crash');
      }
      return doc.send(command as never);
    },
    crashed: () => crashed,
  } as unknown as DynamoDBDocumentClient & { crashed: () => boolean };
}

/** Messages placed by ingest directly (no queue), for setups of crash and race tests. */
const intake = () => ({ store: new DynamoDbIntakeStore(doc, local.tableName), publisher: new RecordingPublisher(), mergeWindowMs: 86_400_000 });
async function place(email: string, text: string, extra: { phone?: string; name?: string } = {}) {
  const handles = [{ kind: 'email' as const, value: email }, ...(extra.phone ? [{ kind: 'phone' as const, value: extra.phone }] : [])];
  const at = new Date().toISOString();
  return ingestMessage(intake(), inbound({ providerMessageId: `p-${unique()}`, at, text, customer: { handles, ...(extra.name ? { displayName: extra.name } : {}) } }));
}
const customerOf = async (ticketId: string) => (await rawItem(keys.ticket(ticketId)))!.customerId as string;

describe('GET /customers/{id}: the 360° view', () => {
  test('after messages on two channels: profile, every identity, tickets on both channels, scores; ETag is the version', async () => {
    const phone = newPhone();
    const email = `mei-${unique()}@example.com`;
    await web({ email, phone, name: 'Mei Chen' }, 'My order arrived damaged');
    const { customerId } = await found(email);
    const first = await withTickets(customerId, 1);
    await closeTicket(first.tickets[0].ticketId);
    await sms(phone, 'Any news on my order?');
    const v = await withTickets(customerId, 2);

    expect(v).toMatchObject({ customerId, displayName: 'Mei Chen', attributes: {}, version: 1, moreTickets: false, csat: [] });
    expect(v.identities).toEqual([
      { handle: `phone:${phone}`, kind: 'phone', value: phone, verified: true, firstSeenAt: expect.any(String), firstChannel: 'web' },
      { handle: `email:${email}`, kind: 'email', value: email, verified: true, firstSeenAt: expect.any(String), firstChannel: 'web' },
    ]);
    expect(v.tickets.map((t: Json) => [t.channel, t.status, t.subject])).toEqual([
      ['sms', 'new', 'Any news on my order?'],
      ['web', 'closed', 'My order arrived damaged'],
    ]);

    const ticketId = v.tickets[1].ticketId;
    await doc.send(
      new PutCommand({
        TableName: local.tableName,
        Item: { ...keys.csat(ticketId), parentKey: keys.customerParent(customerId), childKey: keys.csatChild('2026-11-23T10:00:00.000Z', ticketId), ticketId, customerId, score: 4, at: '2026-11-23T10:00:00.000Z', via: 'link', settled: true },
      }),
    );
    const res = await call('GET', `/customers/${customerId}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body.csat).toEqual([{ ticketId, score: 4, at: '2026-11-23T10:00:00.000Z', via: 'link' }]);
  });

  test("an agent sees the tickets they may open, not another agent's; a supervisor sees them all", async () => {
    const email = `seen-${unique()}@example.com`;
    const first = await place(email, 'First');
    const customerId = await customerOf(first.ticketId);
    await closeTicket(first.ticketId);
    const second = await place(email, 'Second');
    await doc.send(
      new UpdateCommand({
        TableName: local.tableName,
        Key: keys.ticket(first.ticketId),
        UpdateExpression: 'SET assigneeId = :mei, assigneeKey = :key',
        ExpressionAttributeValues: { ':mei': 'mei', ':key': 'ASSIGNEE#mei' },
      }),
    );
    expect((await view(customerId)).tickets.map((t: Json) => t.ticketId)).toEqual([second.ticketId]);
    expect((await call('GET', `/customers/${customerId}`, { as: 'supervisor' })).body.tickets.map((t: Json) => t.ticketId)).toEqual([second.ticketId, first.ticketId]);
  });

  test('the profile, identities and scores are one DynamoDB request', async () => {
    const email = `one-${unique()}@example.com`;
    const { ticketId } = await place(email, 'Hello');
    const customerId = await customerOf(ticketId);
    const sent: string[] = [];
    const counting = { send: (c: { constructor: { name: string } }) => (sent.push(c.constructor.name), doc.send(c as never)) } as unknown as DynamoDBDocumentClient;
    const snapshot = await readCustomerView(counting, local.tableName, customerId);
    expect(snapshot?.customer.customerId).toBe(customerId);
    expect(snapshot?.identities.map((i) => i.value)).toEqual([email]);
    expect(sent).toEqual(['QueryCommand']);
  });

  test('unknown and malformed ids are 404', async () => {
    expect((await call('GET', '/customers/cus_0000000000000000')).status).toBe(404);
    const malformed = await call('GET', '/customers/bob');
    expect(malformed.status).toBe(404);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('GET /customers?q=: search', () => {
  test('by email in any case, phone in any format, channel handle, and name prefix in any case or accent, CJK too', async () => {
    const phone = newPhone();
    const email = `josé-${unique()}@example.com`.replace('é', 'e');
    const name = `Zoë Ålund ${unique().replace(/[^a-z]/g, '')}`;
    await web({ email, phone, name }, 'Where is my refund?');
    const { customerId } = await found(email.toUpperCase());
    const tgUser = 700_000 + (Date.now() % 100_000);
    await telegram(tgUser, '王小明', '你好，我的包裹在哪里？');

    const national = `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    expect((await call('GET', `/customers?q=${encodeURIComponent(national)}`)).body).toEqual({ query: { kind: 'phone', value: phone }, customers: [{ customerId, displayName: name }] });
    expect((await call('GET', `/customers?q=${encodeURIComponent(`phone:${phone}`)}`)).body.customers).toEqual([{ customerId, displayName: name }]);
    const byName = await call('GET', `/customers?q=${encodeURIComponent('ZOE ALU')}`);
    expect(byName.body.query).toEqual({ kind: 'name', value: 'zoe alu' });
    expect(byName.body.customers).toContainEqual({ customerId, displayName: name });

    const tg = await found(`telegram:${tgUser}`);
    expect(tg).toEqual({ customerId: expect.stringMatching(/^cus_/), displayName: '王小明' });
    expect((await call('GET', `/customers?q=${encodeURIComponent('王小')}`)).body.customers).toContainEqual(tg);
    expect((await call('GET', `/customers?q=${encodeURIComponent('王')}`)).body.customers).toContainEqual(tg);

    expect((await call('GET', `/customers?q=${encodeURIComponent('nobody-here@example.com')}`)).body).toEqual({ query: { kind: 'email', value: 'nobody-here@example.com' }, customers: [] });
  });

  test('a missing or too short q is a 400 naming it', async () => {
    for (const query of ['', '?q=', '?q=a', '?q=%20%20', '?name=mei']) {
      const res = await call('GET', `/customers${query}`);
      expect({ query, status: res.status, type: res.headers.get('content-type') }).toEqual({ query, status: 400, type: 'application/problem+json' });
      expect(res.body.errors.map((e: Json) => e.field)).toContainEqual(query.startsWith('?name') ? 'name' : 'q');
    }
  });
});

describe('PATCH /customers/{id}', () => {
  test('needs If-Match (428), refuses a stale one (412 with the current version), and audits who changed what', async () => {
    const email = `ana-${unique()}@example.com`;
    const { ticketId } = await place(email, 'Hi', { name: 'Ana' });
    const customerId = await customerOf(ticketId);
    const patch = (body: unknown, ifMatch?: string) => call('PATCH', `/customers/${customerId}`, { body, headers: ifMatch ? { 'if-match': ifMatch } : {} });

    expect((await patch({ tier: 'gold' })).status).toBe(428);
    const first = await patch({ displayName: 'Ana Lima', tier: 'gold', language: 'pt', notes: 'Prefers WhatsApp', attributes: { plan: 'pro', seats: 3 } }, '"1"');
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    expect(first.body).toMatchObject({ customerId, displayName: 'Ana Lima', tier: 'gold', language: 'pt', notes: 'Prefers WhatsApp', attributes: { plan: 'pro', seats: 3 }, version: 2 });

    const stale = await patch({ tier: 'vip' }, '"1"');
    expect(stale.status).toBe(412);
    expect(stale.body.currentVersion).toBe(2);
    expect(stale.headers.get('etag')).toBe('"2"');
    expect((await patch({ attributes: { seats: null } }, '"2"')).body.attributes).toEqual({ plan: 'pro' });
    // The same values again change nothing: no new version.
    expect((await patch({ tier: 'gold' }, '"3"')).body.version).toBe(3);
    expect((await patch({ tier: 'gold', surprise: 1 }, '"3"')).body.errors).toEqual([{ field: '(body)', message: expect.stringMatching(/surprise/) }]);
    expect((await patch({ tier: 'gold' }, 'yesterday')).status).toBe(400);

    // The name search follows the name.
    expect((await call('GET', `/customers?q=${encodeURIComponent('ana li')}`)).body.customers).toContainEqual({ customerId, displayName: 'Ana Lima', tier: 'gold' });

    const exported = (await call('GET', `/customers/${customerId}/export`, { as: 'admin' })).body;
    expect(exported.audit.map((a: Json) => [a.action, a.version, a.actor])).toEqual([
      ['customer.updated', 2, { type: 'agent', id: 'alice' }],
      ['customer.updated', 3, { type: 'agent', id: 'alice' }],
    ]);
    expect(exported.audit[0].before).toEqual({ displayName: 'Ana', tier: null, language: null, notes: null, attributes: null });
    expect(events('CustomerUpdated').filter((e) => e.customerId === customerId).map((e) => e.fields)).toEqual([
      ['displayName', 'tier', 'language', 'notes', 'attributes'],
      ['attributes'],
    ]);
  });

  test("a tier set here raises the urgency of the customer's next message (triage reads it)", async () => {
    const email = `vip-${unique()}@example.com`;
    await web({ email, name: 'Vera' }, 'Hello, a question about my invoice please');
    const { customerId } = await found(email);
    const before = await withTickets(customerId, 1);
    expect((await call('PATCH', `/customers/${customerId}`, { body: { tier: 'vip' }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    await closeTicket(before.tickets[0].ticketId);
    await web({ email }, 'Hello, another question about my invoice please');
    const v = await withTickets(customerId, 2);
    const ticket = await eventually(async () => {
      const detail = (await call('GET', `/tickets/${v.tickets[0].ticketId}`)).body;
      return detail.ticket?.triage ? detail.ticket : undefined;
    });
    expect(ticket.tier).toBe('vip');
    expect(ticket.triage.reasons).toContain('tier vip +1');
  });
});

describe('identities', () => {
  test('added by hand (normalized, unverified), idempotent, 409 when someone else holds it; removed by handle, never the last one', async () => {
    const email = `ida-${unique()}@example.com`;
    const { ticketId } = await place(email, 'Hi');
    const customerId = await customerOf(ticketId);
    const other = await customerOf((await place(`other-${unique()}@example.com`, 'Hi')).ticketId);
    const phone = newPhone();
    const national = `${phone.slice(2, 5)}.${phone.slice(5, 8)}.${phone.slice(8)}`;
    const add = (body: unknown, id = customerId) => call('POST', `/customers/${id}/identities`, { body });

    const added = await add({ kind: 'phone', value: national });
    expect(added.status).toBe(201);
    expect(added.body.identity).toEqual({ handle: `phone:${phone}`, kind: 'phone', value: phone, verified: false });
    expect(added.body.customer.version).toBe(2);
    expect((await add({ kind: 'phone', value: phone })).status).toBe(200);
    expect((await add({ kind: 'email', value: email.toUpperCase() })).body).toMatchObject({ identity: { handle: `email:${email}`, verified: true }, customer: { version: 2 } });
    expect((await add({ kind: 'phone', value: 'not a number' })).body.errors).toEqual([{ field: 'value', message: expect.stringMatching(/not a valid phone number/) }]);
    expect((await add({ kind: 'fax', value: '1' })).body.errors.map((e: Json) => e.field)).toEqual(['kind']);

    const taken = await add({ kind: 'phone', value: phone }, other);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ type: 'urn:switchboard:problem:identity-taken', heldBy: customerId, merge: { method: 'POST', path: `/customers/${other}/merge`, body: { sourceCustomerId: customerId } } });

    const v = await view(customerId);
    expect(v.identities).toEqual([
      { handle: `phone:${phone}`, kind: 'phone', value: phone, verified: false, addedBy: 'alice', addedAt: expect.any(String) },
      expect.objectContaining({ handle: `email:${email}`, verified: true }),
    ]);
    // A message from the added number now lands on this customer.
    expect(await customerOf((await ingestMessage(intake(), inbound({ providerMessageId: `p-${unique()}`, channel: 'sms', customer: { handles: [{ kind: 'phone', value: phone }] } }))).ticketId)).toBe(customerId);

    const remove = (handle: string) => call('DELETE', `/customers/${customerId}/identities/${encodeURIComponent(handle)}`);
    expect((await remove(`email:${email.toUpperCase()}`)).status).toBe(200);
    expect((await remove(`phone:${phone}`)).body).toMatchObject({ status: 409, type: 'urn:switchboard:problem:last-identity' });
    expect((await remove('telegram:42')).status).toBe(404);
    expect((await remove('nonsense')).status).toBe(400);
    expect((await view(customerId)).identities.map((i: Json) => i.handle)).toEqual([`phone:${phone}`]);
    // The released email is nobody's: its next message is a new customer's.
    expect(await customerOf((await place(email, 'Me again')).ticketId)).not.toBe(customerId);
  });
});

describe('POST /customers/{id}/merge', () => {
  /** One person as two customers: `source` with two tickets (one closed), `target` with one. */
  async function twoRecords() {
    const sourceEmail = `old-${unique()}@example.com`;
    const sourcePhone = newPhone();
    const first = await place(sourceEmail, 'First problem', { phone: sourcePhone, name: 'Li Wei' });
    const sourceId = await customerOf(first.ticketId);
    await closeTicket(first.ticketId);
    const second = await place(sourceEmail, 'Second problem');
    const targetEmail = `new-${unique()}@example.com`;
    const third = await place(targetEmail, 'Writing from my new address');
    const targetId = await customerOf(third.ticketId);
    return { sourceId, targetId, sourceEmail, sourcePhone, targetEmail, sourceTickets: [first.ticketId, second.ticketId], targetTicket: third.ticketId };
  }

  /** Everything a finished merge leaves, once: checked after clean runs, retries and races alike. */
  async function expectMerged(r: Awaited<ReturnType<typeof twoRecords>>) {
    const source = (await rawItem(keys.customer(r.sourceId))) as CustomerRecord;
    const target = (await rawItem(keys.customer(r.targetId))) as CustomerRecord;
    expect(source.mergedInto).toBe(r.targetId);
    expect(target.mergedFrom).toEqual([r.sourceId]);
    expect(target.currentTicket?.ticketId).toBe(r.targetTicket);
    for (const ticketId of r.sourceTickets) expect(await rawItem(keys.ticket(ticketId))).toMatchObject({ customerId: r.targetId, customerKey: `CUSTOMER#${r.targetId}` });
    const v = await view(r.targetId);
    expect(v.identities.map((i: Json) => i.handle).sort()).toEqual([`email:${r.sourceEmail}`, `email:${r.targetEmail}`, `phone:${r.sourcePhone}`].sort());
    expect(v.tickets.map((t: Json) => t.ticketId).sort()).toEqual([...r.sourceTickets, r.targetTicket].sort());
    expect(v.displayName).toBe('Li Wei');
    expect((await view(r.sourceId)).identities).toEqual([]);
    expect((await view(r.sourceId)).tickets).toEqual([]);
    const exported = (await call('GET', `/customers/${r.targetId}/export`, { as: 'admin' })).body;
    expect(exported.audit.filter((a: Json) => a.action === 'customer.merged')).toEqual([expect.objectContaining({ actor: { type: 'agent', id: 'lin' }, after: expect.objectContaining({ mergedFrom: r.sourceId }) })]);
    expect(exported.mergedFrom[0].audit.filter((a: Json) => a.action === 'customer.merged-into')).toHaveLength(1);
    for (const ticket of exported.tickets.filter((t: Json) => r.sourceTickets.includes(t.ticket.ticketId))) {
      expect(ticket.audit.filter((a: Json) => a.action === 'ticket.customer-changed')).toEqual([
        expect.objectContaining({ before: { customerId: r.sourceId }, after: { customerId: r.targetId }, actor: { type: 'agent', id: 'lin' } }),
      ]);
    }
  }

  test("the source's identities and tickets become the target's, audited on both, announced; a repeat changes nothing", async () => {
    const r = await twoRecords();
    const res = await call('POST', `/customers/${r.targetId}/merge`, { as: 'supervisor', body: { sourceCustomerId: r.sourceId } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ customerId: r.targetId, sourceCustomerId: r.sourceId, identitiesMoved: 2, ticketsMoved: 2, version: 2 });
    await expectMerged(r);
    expect(events('CustomerMerged').filter((e) => e.customerId === r.targetId)).toEqual([
      expect.objectContaining({ eventId: `${r.sourceId}:merged-into:${r.targetId}`, sourceCustomerId: r.sourceId, identitiesMoved: 2, ticketsMoved: 2 }),
    ]);
    const again = await call('POST', `/customers/${r.targetId}/merge`, { as: 'supervisor', body: { sourceCustomerId: r.sourceId } });
    expect(again.body).toEqual({ customerId: r.targetId, sourceCustomerId: r.sourceId, identitiesMoved: 0, ticketsMoved: 0, version: 2 });
    await expectMerged(r);

    // The source's old number writes again: it is the target's now.
    const next = await ingestMessage(intake(), inbound({ providerMessageId: `p-${unique()}`, channel: 'sms', customer: { handles: [{ kind: 'phone', value: r.sourcePhone }] } }));
    expect(next.ticketId).toBe(r.targetTicket);
  });

  test('409 into itself, into a merged or erased customer, or from a merged one; 404 for an unknown source', async () => {
    const r = await twoRecords();
    const merge = (target: string, source: string) => call('POST', `/customers/${target}/merge`, { as: 'supervisor', body: { sourceCustomerId: source } });
    expect((await merge(r.targetId, r.targetId)).body).toMatchObject({ status: 409, type: 'urn:switchboard:problem:merge-not-allowed' });
    expect((await merge(r.targetId, 'cus_0000000000000000')).status).toBe(404);
    expect((await merge(r.targetId, 'nobody')).status).toBe(400);
    expect((await merge(r.targetId, r.sourceId)).status).toBe(200);
    expect((await merge(r.sourceId, r.targetId)).body).toMatchObject({ status: 409, mergedInto: r.targetId });
    const third = await customerOf((await place(`third-${unique()}@example.com`, 'Hi')).ticketId);
    expect((await merge(third, r.sourceId)).body).toMatchObject({ status: 409, mergedInto: r.targetId });
    expect((await call('DELETE', `/customers/${third}`, { as: 'admin' })).status).toBe(200);
    expect((await merge(third, r.targetId)).body).toMatchObject({ status: 409, title: 'The target was erased' });
    expect((await merge(r.targetId, third)).body).toMatchObject({ status: 409, title: 'The source was erased' });
    expect((await call('PATCH', `/customers/${r.sourceId}`, { body: { tier: 'vip' }, headers: { 'if-match': '"2"' } })).body).toMatchObject({ status: 409, type: 'urn:switchboard:problem:customer-merged' });
  });

  test('a crash anywhere part-way, then the same request again, completes the merge exactly once', async () => {
    for (let writes = 0; ; writes++) {
      const r = await twoRecords();
      const db = crashingAfter(writes);
      const outcome = await mergeCustomers(coreDeps(db), r.targetId, r.sourceId, { sub: 'lin', groups: ['supervisor'] }).catch((e: Error) => e);
      if (!db.crashed()) {
        expect(outcome).toMatchObject({ ticketsMoved: 2 });
        await expectMerged(r);
        expect(writes).toBeGreaterThan(8);
        break;
      }
      expect(outcome).toEqual(new Error('crash'));
      // A message from a handle the crash left with the source meanwhile still lands on the target.
      const racing = await place(r.sourceEmail, `Racing message ${writes}`);
      const retry = await call('POST', `/customers/${r.targetId}/merge`, { as: 'supervisor', body: { sourceCustomerId: r.sourceId } });
      expect({ writes, status: retry.status }).toEqual({ writes, status: 200 });
      expect({ writes, customer: await customerOf(racing.ticketId) }).toEqual({ writes, customer: r.targetId });
      if (racing.ticketId !== r.targetTicket && !r.sourceTickets.includes(racing.ticketId)) r.sourceTickets.push(racing.ticketId);
      await expectMerged(r);
    }
  });

  test('a message placed while the merge runs lands on the target, whether it joins the source ticket or needs a new one', async () => {
    for (const sourceOpen of [true, false]) {
      const r = await twoRecords();
      if (!sourceOpen) await closeTicket(r.sourceTickets[1]!);
      // The message reads the source as not yet merged; the whole merge happens before it goes on.
      const store = new DynamoDbIntakeStore(doc, local.tableName);
      const getCustomer = store.getCustomer.bind(store);
      let merged = false;
      store.getCustomer = async (id: string) => {
        const customer = await getCustomer(id);
        if (id === r.sourceId && !merged) {
          merged = true;
          await mergeCustomers(coreDeps(), r.targetId, r.sourceId, { sub: 'lin', groups: ['supervisor'] });
        }
        return customer;
      };
      const message = await ingestMessage({ store, publisher: new RecordingPublisher(), mergeWindowMs: 86_400_000 }, inbound({ providerMessageId: `p-${unique()}`, at: new Date().toISOString(), text: 'Meanwhile', customer: { handles: [{ kind: 'email', value: r.sourceEmail }] } }));
      expect(merged).toBe(true);
      expect({ sourceOpen, customer: await customerOf(message.ticketId) }).toEqual({ sourceOpen, customer: r.targetId });
      expect(message.ticketId).toBe(sourceOpen ? r.sourceTickets[1] : r.targetTicket);
      await expectMerged(r);
    }
  });

  test('over HTTP: a message sent as the merge is requested ends on the target', async () => {
    const r = await twoRecords();
    const [res] = await Promise.all([
      call('POST', `/customers/${r.targetId}/merge`, { as: 'supervisor', body: { sourceCustomerId: r.sourceId } }),
      sms(r.sourcePhone, 'Sent while merging'),
    ]);
    expect(res.status).toBe(200);
    const withMessage = await eventually(async () => {
      const v = await view(r.targetId);
      for (const t of v.tickets) {
        const detail = (await call('GET', `/tickets/${t.ticketId}`)).body;
        if (JSON.stringify(detail).includes('Sent while merging')) return detail;
      }
      return undefined;
    });
    expect(withMessage.ticket.customerId).toBe(r.targetId);
    await expectMerged(r);
  });
});

describe('privacy: DELETE /customers/{id} and GET /customers/{id}/export', () => {
  test('the export holds everything; after erasure it holds nothing personal, the ticket metrics remain, and the same phone is someone new', async () => {
    const phone = newPhone();
    const email = `erase-${unique()}@example.com`;
    const marker = `Secret-${unique()}`;
    await web({ email, phone, name: 'Ernesto Ruiz' }, `${marker} my card was charged twice`);
    const { customerId } = await found(email);
    const { tickets } = await withTickets(customerId, 1);
    const ticketId = tickets[0].ticketId;
    expect((await call('PATCH', `/customers/${customerId}`, { body: { notes: `${marker} VIP since 2019`, attributes: { iban: 'ES9121000418450200051332' } }, headers: { 'if-match': '"1"' } })).status).toBe(200);
    expect((await call('POST', `/tickets/${ticketId}/replies`, { body: { text: `${marker} we refunded Ernesto` } })).status).toBe(202);
    await eventually(async () => ((await call('GET', `/tickets/${ticketId}`)).body.ticket?.triage ? true : undefined));

    const before = await call('GET', `/customers/${customerId}/export`, { as: 'admin' });
    expect(before.status).toBe(200);
    expect(before.headers.get('content-disposition')).toBe(`attachment; filename="${customerId}.json"`);
    expect(before.body).toMatchObject({ customer: { customerId, displayName: 'Ernesto Ruiz' }, identities: expect.arrayContaining([expect.objectContaining({ value: email }), expect.objectContaining({ value: phone })]) });
    const exportedText = JSON.stringify(before.body);
    for (const personal of [email, phone, 'Ernesto', marker]) expect(exportedText).toContain(personal);
    expect(before.body.tickets[0].timeline.map((m: Json) => m.direction)).toEqual(['inbound', 'outbound']);
    const metrics = (t: Json) => ({ ticketId: t.ticketId, status: t.status, channel: t.channel, priority: t.priority, category: t.category, createdAt: t.createdAt, version: t.version });
    const ticketBefore = (await call('GET', `/tickets/${ticketId}`)).body.ticket;

    const erased = await call('DELETE', `/customers/${customerId}`, { as: 'admin' });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ customerId, erasedAt: expect.any(String), tickets: 1, itemsErased: expect.any(Number) });
    expect(events('CustomerErased').filter((e) => e.customerId === customerId)).toEqual([expect.objectContaining({ eventId: `${customerId}:erased`, tickets: 1 })]);

    const after = await call('GET', `/customers/${customerId}/export`, { as: 'admin' });
    const afterText = JSON.stringify(after.body);
    for (const personal of [email, phone, 'Ernesto', marker, 'ES91', 'charged twice']) expect(afterText).not.toContain(personal);
    expect(after.body.identities).toEqual([]);
    expect(after.body.customer).toMatchObject({ customerId, erasedAt: erased.body.erasedAt, createdAt: expect.any(String) });
    const ticketAfter = (await call('GET', `/tickets/${ticketId}`)).body.ticket;
    expect(metrics(ticketAfter)).toEqual(metrics(ticketBefore));
    expect(ticketAfter).toMatchObject({ subject: '(erased)', erasedAt: erased.body.erasedAt });
    expect(after.body.tickets[0].timeline.map((m: Json) => [m.direction, m.text, m.erasedAt !== undefined])).toEqual([
      ['inbound', '', true],
      ['outbound', '', true],
    ]);
    expect((await call('GET', `/customers?q=${encodeURIComponent(email)}`)).body.customers).toEqual([]);
    expect((await call('GET', `/customers?q=ernesto`)).body.customers.filter((c: Json) => c.customerId === customerId)).toEqual([]);

    // Repeated: nothing left to erase.
    expect((await call('DELETE', `/customers/${customerId}`, { as: 'admin' })).body).toMatchObject({ itemsErased: 0 });
    // The same phone writing again is a new customer, without the erased one's tickets.
    await sms(phone, 'Hello again');
    const renewed = await found(phone);
    expect(renewed.customerId).toBe(renewedCustomerId(customerId));
    const renewedView = await withTickets(renewed.customerId, 1);
    expect(renewedView.tickets.map((t: Json) => t.ticketId)).not.toContain(ticketId);
    expect((await view(customerId)).tickets.map((t: Json) => t.ticketId)).toEqual([ticketId]);
    expect((await call('PATCH', `/customers/${customerId}`, { body: { tier: 'vip' }, headers: { 'if-match': '"3"' } })).body).toMatchObject({ status: 409, type: 'urn:switchboard:problem:customer-erased' });
  });

  test('a crash anywhere part-way, then the request again, leaves nothing personal; records merged into it are erased too', async () => {
    for (let writes = 0; ; writes++) {
      const email = `crash-${unique()}@example.com`;
      const oldEmail = `crash-old-${unique()}@example.com`;
      const first = await place(email, `Private words ${writes}`, { name: 'Paula Private' });
      const customerId = await customerOf(first.ticketId);
      await closeTicket(first.ticketId);
      await place(email, 'More private words');
      const sourceId = await customerOf((await place(oldEmail, 'Old private words', { name: 'P. Private' })).ticketId);
      await mergeCustomers(coreDeps(), customerId, sourceId, { sub: 'lin', groups: ['supervisor'] });

      const db = crashingAfter(writes);
      const outcome = await eraseCustomer(coreDeps(db), customerId, { sub: 'ada', groups: ['admin'] }).catch((e: Error) => e);
      if (db.crashed()) {
        expect(outcome).toEqual(new Error('crash'));
        expect({ writes, status: (await call('DELETE', `/customers/${customerId}`, { as: 'admin' })).status }).toEqual({ writes, status: 200 });
      }
      const exported = JSON.stringify((await call('GET', `/customers/${customerId}/export`, { as: 'admin' })).body);
      for (const personal of [email, oldEmail, 'Private', 'private words']) expect({ writes, leaked: exported.includes(personal) ? personal : null }).toEqual({ writes, leaked: null });
      expect(JSON.parse(exported).tickets).toHaveLength(3);
      if (!db.crashed()) break;
    }
  });
});

describe('roles', () => {
  const some = 'cus_0000000000000000';
  // Each request passes the role check only for the roles listed, then fails for a reason of its own (or succeeds).
  const routes: [string, string, unknown, Role[], number][] = [
    ['GET', `/customers/${some}`, undefined, ['agent', 'supervisor', 'admin'], 404],
    ['GET', '/customers?q=nobody%40example.com', undefined, ['agent', 'supervisor', 'admin'], 200],
    ['PATCH', `/customers/${some}`, { tier: 'vip' }, ['agent', 'supervisor'], 404],
    ['POST', `/customers/${some}/identities`, { kind: 'email', value: 'x@example.com' }, ['agent', 'supervisor'], 404],
    ['DELETE', `/customers/${some}/identities/${encodeURIComponent('email:x@example.com')}`, undefined, ['agent', 'supervisor'], 404],
    ['POST', `/customers/${some}/merge`, { sourceCustomerId: some }, ['supervisor'], 404],
    ['DELETE', `/customers/${some}`, undefined, ['admin'], 404],
    ['GET', `/customers/${some}/export`, undefined, ['admin'], 404],
  ];
  test.each(routes)('%s %s', async (method, path, body, allowed, status) => {
    for (const as of ['agent', 'supervisor', 'admin', 'none'] as Role[]) {
      const res = await call(method, path, { as, body, headers: method === 'PATCH' ? { 'if-match': '"1"' } : {} });
      const expected = as === 'none' ? 401 : allowed.includes(as) ? status : 403;
      expect({ as, status: res.status }).toEqual({ as, status: expected });
    }
  });
});
