import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from '../../infra/local/lambda-context';
import { durationToMs } from '../../shared/config';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { keys } from '../../shared/store/keys';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';
import { auditOf, conversation } from '../support/timeline';

/** The read API's real handlers, loaded against a dynalite table of their own, called with HTTP API v2 events. */

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
/** null: a request without a token's claims. */
type Claims = Record<string, string> | null;
type Summary = { ticketId: string; status: string; channel: string; customerId: string; assigneeId?: string; subject: string; createdAt: string };

const AGENT = { sub: 'agent-alice', 'cognito:groups': '[agent]' };

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
  // What the stack sets on the functions; read when the handler modules load.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: process.env.DEBUG_LOGS ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    // These tests read lists as an agent: every agent sees every ticket here.
    SWITCHBOARD_CONFIG: JSON.stringify({ workspace: { agentsSee: 'all' } }),
  });
});
afterAll(() => dynamo.close());

/** A fresh table, a way to seed it through ingest, and the two handlers bound to it. */
async function setup() {
  const table = await dynamo.freshTable();
  process.env.TABLE_NAME = table;
  let list!: Handler;
  let get!: Handler;
  // The handlers read TABLE_NAME once, at module load: a fresh module registry per table.
  await jest.isolateModulesAsync(async () => {
    list = (await import('../../functions/list-tickets/handler')).handler as unknown as Handler;
    get = (await import('../../functions/get-ticket/handler')).handler as unknown as Handler;
  });
  const deps = { store: new DynamoDbIntakeStore(dynamo.doc, table), publisher: new RecordingPublisher(), mergeWindowMs: durationToMs('PT24H') };
  const ingest = async (overrides: Parameters<typeof inbound>[0]) => (await ingestMessage(deps, inbound(overrides))).ticketId;

  const call = async (handler: Handler, name: 'listTickets' | 'getTicket', request: { query?: Record<string, string>; id?: string; claims: Claims }) => {
    const result = await handler(apiEvent(name, request.query, request.id, request.claims), lambdaContext(name));
    return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(String(result.body)) };
  };
  const listTickets = (query?: Record<string, string>, claims: Claims = AGENT) => call(list, 'listTickets', { query, claims });
  const getTicket = (id: string, claims: Claims = AGENT) => call(get, 'getTicket', { id, claims });

  /** Every ticket of a list, page by page. */
  async function listAll(query: Record<string, string>) {
    const pages: Summary[][] = [];
    let cursor: string | null = null;
    do {
      const res = await call(list, 'listTickets', { query: { ...query, ...(cursor ? { cursor } : {}) }, claims: AGENT });
      expect(res.status).toBe(200);
      pages.push(res.body.tickets);
      cursor = res.body.nextCursor;
    } while (cursor);
    return pages;
  }

  const setTicket = (ticketId: string, fields: { status?: string; assigneeId?: string }) => {
    const sets = [
      ...(fields.status ? ['#status = :status', 'statusKey = :statusKey'] : []),
      ...(fields.assigneeId ? ['assigneeId = :assignee', 'assigneeKey = :assigneeKey'] : []),
    ];
    return dynamo.doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.ticket(ticketId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ...(fields.status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: {
          ...(fields.status ? { ':status': fields.status, ':statusKey': `STATUS#${fields.status}` } : {}),
          ...(fields.assigneeId ? { ':assignee': fields.assigneeId, ':assigneeKey': `ASSIGNEE#${fields.assigneeId}` } : {}),
        },
      }),
    );
  };

  return { table, ingest, listTickets, getTicket, listAll, setTicket };
}

function apiEvent(name: 'listTickets' | 'getTicket', query: Record<string, string> | undefined, id: string | undefined, claims: Claims) {
  const path = name === 'getTicket' ? `/tickets/${id}` : '/tickets';
  const rawQueryString = new URLSearchParams(query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: name === 'getTicket' ? 'GET /tickets/{id}' : 'GET /tickets',
    rawPath: path,
    rawQueryString,
    headers: { accept: 'application/json' },
    ...(query && Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(name === 'getTicket' ? { pathParameters: { id } } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: name === 'getTicket' ? 'GET /tickets/{id}' : 'GET /tickets',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(claims ? { authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: null } } } : {}),
    },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** A first message from a new customer, at minute `n` of the day: one new ticket each. */
const fromCustomer = (n: number, overrides: Parameters<typeof inbound>[0] = {}) => ({
  at: `2026-11-23T09:${String(n).padStart(2, '0')}:00.000Z`,
  customer: { handles: [{ kind: 'email' as const, value: `customer${n}@example.com` }] },
  text: `Question ${n}`,
  ...overrides,
});

describe('GET /tickets', () => {
  test('lists summaries newest first, filtered by status, channel, customer and assignee', async () => {
    const { ingest, listTickets, setTicket } = await setup();
    const t1 = await ingest(fromCustomer(1));
    const t2 = await ingest(fromCustomer(2, { channel: 'sms' }));
    const t3 = await ingest(fromCustomer(3));
    const t4 = await ingest(fromCustomer(4, { channel: 'sms' }));
    await setTicket(t2, { status: 'open', assigneeId: AGENT.sub });
    await setTicket(t3, { status: 'pending', assigneeId: 'agent-bob' });
    await setTicket(t4, { status: 'open' });
    // Customer 1's ticket is closed; their next message opens a second ticket.
    await setTicket(t1, { status: 'closed' });
    const t5 = await ingest(fromCustomer(1, { at: '2026-11-23T09:05:00.000Z' }));

    const all = await listTickets();
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toBe('application/json');
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.tickets.map((t: Summary) => t.ticketId)).toEqual([t5, t4, t3, t2, t1]);
    expect(all.body.tickets[2]).toEqual({
      ticketId: t3,
      updatedAt: '2026-11-23T09:03:00.000Z',
      status: 'pending',
      channel: 'web',
      customerId: expect.stringMatching(/^cus_/),
      assigneeId: 'agent-bob',
      subject: 'Question 3',
      createdAt: '2026-11-23T09:03:00.000Z',
    });
    expect(all.body.tickets[0]).not.toHaveProperty('assigneeId');

    const ids = async (query: Record<string, string>) => (await listTickets(query)).body.tickets.map((t: Summary) => t.ticketId);
    expect(await ids({ status: 'open' })).toEqual([t4, t2]);
    expect(await ids({ status: 'new' })).toEqual([t5]);
    expect(await ids({ channel: 'sms' })).toEqual([t4, t2]);
    expect(await ids({ channel: 'web' })).toEqual([t5, t3, t1]);
    expect(await ids({ status: 'open', channel: 'web' })).toEqual([]);
    expect(await ids({ assignee: 'me' })).toEqual([t2]);
    expect(await ids({ assignee: 'agent-bob' })).toEqual([t3]);
    expect(await ids({ assignee: 'agent-bob', status: 'open' })).toEqual([]);
    const customer1 = all.body.tickets[0].customerId;
    expect(await ids({ customer: customer1 })).toEqual([t5, t1]);
    expect(await ids({ customer: customer1, status: 'closed' })).toEqual([t1]);
    expect(await ids({ customer: 'cus_0000000000000000' })).toEqual([]);
  });

  test('pages through every ticket exactly once, in order, and the last page says it is the last', async () => {
    const { ingest, listTickets, listAll } = await setup();
    const created: string[] = [];
    for (let n = 1; n <= 7; n++) created.push(await ingest(fromCustomer(n)));
    const newestFirst = [...created].reverse();

    const pages = await listAll({ limit: '3' });
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((t) => t.ticketId)).toEqual(newestFirst);

    // A list that fills its pages exactly ends without an empty extra page.
    expect((await listAll({ limit: '7' })).map((p) => p.length)).toEqual([7]);
    const first = await listTickets({ limit: '6' });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await listTickets({ limit: '6', cursor: first.body.nextCursor });
    expect(second.body).toEqual({ tickets: [expect.objectContaining({ ticketId: created[0] })], nextCursor: null });
  });

  test('filters applied on the index still fill pages, across many reads, and page without gaps or repeats', async () => {
    const { ingest, listAll, setTicket } = await setup();
    // 16 open tickets; only the newest, the 5th newest and the 3 oldest are on web, so a page of 2
    // needs reads beyond the first to fill.
    const web = new Set([16, 12, 3, 2, 1]);
    const byMinute = new Map<number, string>();
    for (let n = 1; n <= 16; n++) {
      const ticketId = await ingest(fromCustomer(n, { channel: web.has(n) ? 'web' : 'sms' }));
      await setTicket(ticketId, { status: 'open' });
      byMinute.set(n, ticketId);
    }
    await setTicket(byMinute.get(2)!, { status: 'pending' });

    const pages = await listAll({ status: 'open', channel: 'web', limit: '2' });
    expect(pages.map((p) => p.map((t) => t.ticketId))).toEqual([
      [byMinute.get(16), byMinute.get(12)],
      [byMinute.get(3), byMinute.get(1)],
    ]);
    expect(pages.flat().every((t) => t.status === 'open' && t.channel === 'web')).toBe(true);

    const sms = await listAll({ status: 'open', channel: 'sms', limit: '4' });
    expect(sms.flat().map((t) => t.ticketId)).toEqual([15, 14, 13, 11, 10, 9, 8, 7, 6, 5, 4].map((n) => byMinute.get(n)));
  });

  test('401 without claims, 403 without a reading group', async () => {
    const { listTickets } = await setup();
    const anonymous = await listTickets({}, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toBe('application/problem+json');

    const outsiders: Claims[] = [{ sub: 'x' }, { sub: 'x', 'cognito:groups': '[customer]' }, { sub: 'x', 'cognito:groups': '[]' }];
    for (const claims of outsiders) {
      const res = await listTickets({}, claims);
      expect(res.status).toBe(403);
      expect(res.body.type).toBe('urn:switchboard:problem:forbidden');
    }
    for (const group of ['supervisor', 'admin']) expect((await listTickets({}, { sub: 'x', 'cognito:groups': `[${group}]` })).status).toBe(200);
  });

  test('bad query parameters are a 400 problem naming each field', async () => {
    const { ingest, listTickets } = await setup();
    for (let n = 1; n <= 3; n++) await ingest(fromCustomer(n));

    const bad = await listTickets({ status: 'waiting', limit: '500', sort: 'asc' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/problem+json');
    expect(bad.body).toMatchObject({ type: 'urn:switchboard:problem:invalid-request', status: 400 });
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'sort', 'status']);

    const malformed = await listTickets({ cursor: 'bm90IGEgY3Vyc29y' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);

    const page = await listTickets({ limit: '1', channel: 'web' });
    const foreign = await listTickets({ limit: '1', channel: 'sms', cursor: page.body.nextCursor });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([{ field: 'cursor', message: expect.stringMatching(/other filters/) }]);
  });
});

describe('GET /tickets/{id}', () => {
  const phone = { kind: 'phone' as const, value: '+14155550123' };
  const email = { kind: 'email' as const, value: 'mei@example.com' };
  const webUser = { kind: 'channel-user' as const, value: 'web:8812' };

  /** A ticket with three messages (one arriving late), two audit entries and a customer with three identities. */
  async function seedTicket(s: Awaited<ReturnType<typeof setup>>) {
    const ticketId = await s.ingest({ at: '2026-11-23T09:00:00.000Z', text: 'First', customer: { handles: [email, webUser], displayName: 'Mei' } });
    await s.ingest({ channel: 'sms', at: '2026-11-23T09:20:00.000Z', text: 'Third', customer: { handles: [phone, email] } });
    // Sent before the third, delivered after it.
    await s.ingest({ at: '2026-11-23T09:10:00.000Z', text: 'Second', customer: { handles: [email] } });
    await s.setTicket(ticketId, { status: 'solved' });
    await s.ingest({ at: '2026-11-23T10:00:00.000Z', text: 'Fourth, reopening', customer: { handles: [webUser] } });
    return ticketId;
  }

  test('returns the ticket, its timeline (messages and audit entries interleaved, in order) and the customer with every identity', async () => {
    const s = await setup();
    const ticketId = await seedTicket(s);

    const res = await s.getTicket(ticketId);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const { ticket, customer } = res.body;
    const messages = conversation(res.body);
    const audit = auditOf(res.body);
    // A change follows the message that caused it.
    expect(res.body.timeline.map((e: { type: string; text?: string; action?: string }) => e.text ?? e.action)).toEqual([
      'First',
      'ticket.created',
      'Second',
      'Third',
      'Fourth, reopening',
      'ticket.reopened',
    ]);
    expect(res.headers.etag).toBe(`"${ticket.version}"`);
    expect(res.body).not.toHaveProperty('nextCursor');

    expect(ticket).toMatchObject({ ticketId, status: 'open', channel: 'web', lastChannel: 'web', subject: 'First', version: 2, lastChange: { action: 'ticket.reopened' } });
    for (const storage of ['pk', 'sk', 'statusKey', 'customerKey', 'allKey', 'listKey', 'dueKey', 'updatedKey']) expect(ticket).not.toHaveProperty(storage);

    expect(messages.map((m: { text: string }) => m.text)).toEqual(['First', 'Second', 'Third', 'Fourth, reopening']);
    expect(messages[2]).toMatchObject({ ticketId, channel: 'sms', direction: 'inbound', receivedAt: '2026-11-23T09:20:00.000Z' });
    for (const m of messages) {
      for (const hidden of ['events', 'pk', 'sk', 'parentKey', 'childKey']) expect(m).not.toHaveProperty(hidden);
    }

    expect(audit.map((a: { action: string; version: number }) => [a.action, a.version])).toEqual([
      ['ticket.created', 1],
      ['ticket.reopened', 2],
    ]);
    expect(audit[1]).toMatchObject({ ticketId, actor: { type: 'customer', id: ticket.customerId }, before: { status: 'solved' }, after: { status: 'open' } });
    for (const a of audit) expect(a).not.toHaveProperty('pk');

    expect(customer).toEqual({
      customerId: ticket.customerId,
      displayName: 'Mei',
      createdAt: '2026-11-23T09:00:00.000Z',
      identities: expect.arrayContaining([phone, email, webUser]),
    });
    expect(customer.identities).toHaveLength(3);
  });

  test('the latest change is in the trail even when its audit entry was never written', async () => {
    const s = await setup();
    const ticketId = await seedTicket(s);
    const before = (await s.getTicket(ticketId)).body;
    const reopen = auditOf(before)[1];
    await dynamo.doc.send(new DeleteCommand({ TableName: s.table, Key: { pk: keys.audit(ticketId, reopen.at, reopen.version).pk, sk: keys.audit(ticketId, reopen.at, reopen.version).sk } }));

    const after = (await s.getTicket(ticketId)).body;
    expect(auditOf(after)).toEqual(auditOf(before));
    expect(auditOf(after)[1]).toEqual({ type: 'audit', ...before.ticket.lastChange, ticketId });
  });

  test('every message of a ticket with more than a read page of them', async () => {
    const s = await setup();
    // Over DynamoDB's 1 MB per Query page.
    const texts = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(60_000)}`);
    let ticketId = '';
    for (const [i, text] of texts.entries()) {
      ticketId = await s.ingest({ at: `2026-11-23T09:${String(i).padStart(2, '0')}:00.000Z`, text });
    }
    const res = await s.getTicket(ticketId);
    expect(res.status).toBe(200);
    expect(conversation(res.body).map((m: { text: string }) => m.text.slice(0, 2))).toEqual(texts.map((t) => t.slice(0, 2)));
  });

  test('an unknown or malformed id is a 404 problem; groups are checked first', async () => {
    const s = await setup();
    for (const id of ['tkt_0000000000000000', 'not-a-ticket', 'TKT_0000000000000000', '']) {
      const res = await s.getTicket(id);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.type).toBe('urn:switchboard:problem:not-found');
    }
    expect((await s.getTicket('tkt_0000000000000000', null)).status).toBe(401);
    expect((await s.getTicket('tkt_0000000000000000', { sub: 'x', 'cognito:groups': '[customer]' })).status).toBe(403);
  });
});
