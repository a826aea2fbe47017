import fc from 'fast-check';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from '../../infra/local/lambda-context';
import { durationToMs, type Priority } from '../../shared/config';
import type { Ticket } from '../../shared/domain/ticket';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { readTicket } from '../../shared/store/reads';
import { encodeCursor } from '../../shared/tickets/list-cursor';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

/**
 * GET /tickets over its list indexes: every filter and order, checked against the same tickets
 * filtered and sorted in memory, page by page, through the real handler and dynalite.
 */

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
// Deadlines are judged by the handler's clock: the seed is laid out around the test's start.
const NOW = Date.now();

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
let list: Handler;
let tickets: Ticket[] = [];

const priorities: Priority[] = ['low', 'normal', 'high', 'critical'];
const statuses = ['new', 'open', 'pending', 'on-hold', 'solved'] as const;
const categories = ['billing', 'delivery', 'general'];
const teams = ['support', 'logistics', undefined];
const agents = ['alice', 'bob', undefined];
const tags = [['refund'], ['vip', 'refund'], [], ['late']];

beforeAll(async () => {
  dynamo = await dynamoForTests();
  const table = await dynamo.freshTable();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    SWITCHBOARD_CONFIG: JSON.stringify({ workspace: { agentsSee: 'all' } }),
    TABLE_NAME: table,
  });
  await jest.isolateModulesAsync(async () => {
    list = (await import('../../functions/list-tickets/handler')).handler as unknown as Handler;
  });
  const intake = { store: new DynamoDbIntakeStore(dynamo.doc, table), publisher: new RecordingPublisher(), mergeWindowMs: durationToMs('PT24H') };
  const changes = new DynamoDbTicketChanges(dynamo.doc, table);
  // 40 tickets with every combination spread over them, written the way the system writes them.
  for (let i = 0; i < 40; i++) {
    const at = new Date(NOW - (60 - i) * 60_000).toISOString();
    const { ticketId } = await ingestMessage(intake, inbound({ at, channel: i % 4 ? 'web' : 'sms', customer: { handles: [{ kind: 'email', value: `c${i}@example.com` }] }, text: `Problem ${i}` }));
    const ticket = (await readTicket(dynamo.doc, table, ticketId))!;
    // Minutes from NOW, 5 minutes off any boundary (the handler reads its own clock a little later): overdue, soon, later.
    const dueIn = (((i * 7) % 9) - 3) * 10 + 5;
    const agent = agents[i % 3];
    const status = statuses[i % 5];
    const fields = {
      priority: priorities[i % 4],
      urgency: priorities[(i + 1) % 4],
      category: categories[i % 3],
      tags: tags[Math.floor(i / 2) % 4],
      ...(agent ? { assigneeId: agent, team: teams[i % 3] } : {}),
      sla: { generation: 1, startedAt: at, pausedMs: 0, warnings: {}, breaches: {}, escalationLevel: 0, resolutionDueAt: new Date(NOW + dueIn * 60_000).toISOString() },
    };
    const change = { version: ticket.version + 1, action: 'ticket.updated' as const, actor: { type: 'agent' as const, id: 'lin' }, at: new Date(NOW - (30 - (i % 20)) * 60_000).toISOString(), before: {}, after: {} };
    const written = await changes.change(ticket, change, { ...fields, status, ...(status === 'solved' ? { solvedAt: change.at } : {}) } as never);
    tickets.push(written!);
  }
}, 120_000);
afterAll(() => dynamo?.close());

async function listAll(query: Record<string, string>, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: Record<string, string> = { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) };
    const res = await list(event(q), lambdaContext('listTickets'));
    const body = JSON.parse(String(res.body));
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${JSON.stringify(body)}`);
    expect(body.tickets.length).toBeLessThanOrEqual(limit);
    ids.push(...body.tickets.map((t: { ticketId: string }) => t.ticketId));
    cursor = body.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

/** What the list should hold, decided from the tickets themselves, not from their index keys. */
function expected(query: Record<string, string>): string[] {
  const open = (t: Ticket) => ['new', 'open', 'pending', 'on-hold'].includes(t.status);
  const runs = (t: Ticket) => ['new', 'open', 'on-hold'].includes(t.status) && t.sla?.resolutionDueAt !== undefined;
  const due = (t: Ticket) => t.sla?.resolutionDueAt ?? '';
  let matching = tickets.filter(
    (t) =>
      (!query.status || t.status === query.status) &&
      (query.sort !== 'priority' || open(t)) &&
      (!query.priority || t.priority === query.priority) &&
      (!query.urgency || t.urgency === query.urgency) &&
      (!query.category || t.category === query.category) &&
      (!query.channel || t.channel === query.channel) &&
      (!query.team || t.team === query.team) &&
      (!query.tag || (t.tags ?? []).includes(query.tag)) &&
      (query.assignee === undefined || (query.assignee === 'none' ? !t.assigneeId : t.assigneeId === query.assignee)) &&
      (!query.createdFrom || t.createdAt >= query.createdFrom) &&
      (!query.createdTo || t.createdAt <= query.createdTo) &&
      (!query.updatedFrom || t.updatedAt >= query.updatedFrom) &&
      (query.sla !== 'breached' || (runs(t) && Date.parse(due(t)) <= NOW)) &&
      (query.sla !== 'due-soon' || (runs(t) && Date.parse(due(t)) >= NOW && Date.parse(due(t)) <= NOW + Number(query.dueWithin ?? 60) * 60_000)),
  );
  const rank = (p?: string) => ['critical', 'high', 'normal', 'low'].indexOf(p ?? 'normal');
  const by = (key: (t: Ticket) => string) => (a: Ticket, b: Ticket) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  if (query.sla) matching = matching.sort(by((t) => `${due(t)}#${t.ticketId}`));
  else if (query.sort === 'priority') matching = matching.sort((a, b) => rank(a.priority) - rank(b.priority) || by((t) => `${runs(t) ? due(t) : '~'}#${t.ticketId}`)(a, b));
  else if (query.sort === 'updated') matching = matching.sort(by((t) => `${t.updatedAt}#${t.ticketId}`)).reverse();
  else matching = matching.sort(by((t) => `${t.createdAt}#${t.ticketId}`)).reverse();
  return matching.map((t) => t.ticketId);
}

const queries: Record<string, string>[] = [
  {},
  { status: 'open' },
  { priority: 'high' },
  { urgency: 'critical', status: 'new' },
  { category: 'billing', channel: 'web' },
  { team: 'support' },
  { tag: 'refund' },
  { tag: 'vip', priority: 'critical' },
  { assignee: 'alice', status: 'pending' },
  { assignee: 'none' },
  { assignee: 'none', category: 'general', channel: 'web' },
  { createdFrom: new Date(NOW - 40 * 60_000).toISOString(), createdTo: new Date(NOW - 25 * 60_000).toISOString() },
  { createdFrom: new Date(NOW - 40 * 60_000).toISOString(), team: 'logistics' },
  { urgency: 'normal', channel: 'sms', status: 'new' },
  { status: 'open', sort: 'priority' },
  { assignee: 'bob', sort: 'priority' },
  { status: 'new', sort: 'updated' },
  { status: 'on-hold', sort: 'updated', updatedFrom: new Date(NOW - 20 * 60_000).toISOString() },
  { sla: 'breached' },
  { sla: 'breached', assignee: 'alice' },
  { sla: 'due-soon', dueWithin: '30' },
  { sla: 'due-soon', category: 'general' },
];

test.each(queries)('%j: exactly the matching tickets, in order, page by page', async (query) => {
  const want = expected(query);
  for (const limit of [3, 100]) {
    const got = await listAll(query, limit);
    expect(got.ids).toEqual(want);
    expect(got.pages).toBe(Math.max(1, Math.ceil(want.length / limit)));
  }
});

test('a cursor made by hand to start before a created range is an empty last page, not an error', async () => {
  const createdFrom = new Date(NOW - 40 * 60_000).toISOString();
  const cursor = encodeCursor({ createdFrom }, 'created', '2000-01-01T00:00:00.000Z#tkt_0000000000000000');
  const res = await list(event({ createdFrom, cursor }), lambdaContext('listTickets'));
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(String(res.body))).toEqual({ tickets: [], nextCursor: null });
});

test('the seed covers what the filters tell apart', () => {
  expect(tickets.length).toBeGreaterThan(30);
  for (const q of queries.filter((q) => Object.keys(q).length > 0 && !q.createdFrom)) expect([q, expected(q).length > 0]).toEqual([q, true]);
});

test('property: any combination of filters a plan serves lists exactly the matching tickets', async () => {
  const query = fc.record(
    {
      status: fc.constantFrom(...statuses),
      priority: fc.constantFrom(...priorities),
      category: fc.constantFrom(...categories),
      team: fc.constantFrom('support', 'logistics'),
      tag: fc.constantFrom('refund', 'vip', 'late'),
      assignee: fc.constantFrom('alice', 'bob', 'none'),
      channel: fc.constantFrom('web', 'sms'),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(query, async (q) => {
      expect((await listAll(q as Record<string, string>, 4)).ids).toEqual(expected(q as Record<string, string>));
    }),
    { numRuns: 40 },
  );
}, 120_000);

function event(query: Record<string, string>): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: 'GET /tickets',
    rawPath: '/tickets',
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: query,
    requestContext: {
      http: { method: 'GET', path: '/tickets' },
      authorizer: { jwt: { claims: { sub: 'lin', 'cognito:groups': '[supervisor]' }, scopes: null } },
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}
