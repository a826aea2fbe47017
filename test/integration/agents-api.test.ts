import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type BusEvent, type LocalEventBus, startEventBus } from '../../infra/local/event-bus';
import { lambdaContext } from '../../infra/local/lambda-context';
import type { AgentSeed } from '../../shared/config';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { keys } from '../../shared/store/keys';
import { dynamoForTests } from '../support/dynamo';
import { captureOutput, linesContaining } from '../support/output';

/**
 * The agents function's real handler against a dynalite table and the local event bus, called with
 * the HTTP API v2 events API Gateway (and local mode) build; and the agent store's claims and
 * releases racing against dynalite.
 */

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
/** null: a request without a token. */
type Claims = Record<string, string> | null;
type RouteKey = 'GET /agents' | 'PUT /agents/{id}' | 'PUT /agents/me/presence';

const claimsOf = (sub: string, groups: string): Claims => ({ sub, 'cognito:groups': groups });
const ADMIN = claimsOf('admin-ada', '[admin]');
const SUPERVISOR = claimsOf('sup-sam', '[supervisor]');
const MEI = claimsOf('mei', '[agent]');
/** Signed in, but in no group Switchboard knows. */
const NO_ROLE = claimsOf('guest', '[customers]');

const T0 = '2026-11-23T08:00:00.000Z';

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
let bus: LocalEventBus;

beforeAll(async () => {
  dynamo = await dynamoForTests();
  bus = await startEventBus(undefined, async () => undefined);
  // What the stack sets on the function; read when the handler module loads. INFO, so the test sees what is logged.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    EVENT_BUS_NAME: 'switchboard',
    SWITCHBOARD_CONFIG: '{}',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  delete process.env.POWERTOOLS_DEV;
});
afterAll(async () => {
  await bus.close();
  await dynamo.close();
});

/** A fresh table, the store on it, and the handler bound to it (a fresh module registry, since it reads TABLE_NAME at load). */
async function setup() {
  const table = await dynamo.freshTable();
  process.env.TABLE_NAME = table;
  let handler!: Handler;
  await jest.isolateModulesAsync(async () => {
    handler = (await import('../../functions/agents/handler')).handler as unknown as Handler;
  });
  const store = new DynamoDbAgentStore(dynamo.doc, table);
  const published = bus.delivered.get('EventLog')!;
  published.length = 0;

  const lines: string[] = [];
  async function call(routeKey: RouteKey | 'DELETE /agents/{id}', request: { claims: Claims; id?: string; body?: unknown; contentType?: string | null; headers?: Record<string, string> }) {
    const event = apiEvent(routeKey, request.claims, request.id, request.body, request.contentType === undefined ? 'application/json' : request.contentType, request.headers ?? {});
    const { result, lines: out } = await captureOutput(() => handler(event, lambdaContext('agents')));
    lines.push(...out);
    return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ? JSON.parse(String(result.body)) : undefined };
  }
  const list = (claims: Claims = MEI) => call('GET /agents', { claims });
  const put = (id: string, body: unknown, extra: { claims?: Claims; contentType?: string | null; headers?: Record<string, string> } = {}) =>
    call('PUT /agents/{id}', { claims: ADMIN, id, body, ...extra });
  const presence = (value: unknown, claims: Claims = MEI, contentType?: string | null) => call('PUT /agents/me/presence', { claims, body: { presence: value }, contentType });
  /** The AgentAvailabilityChanged events the bus took since setup, oldest first. */
  const availability = () => published.filter((e: BusEvent) => e['detail-type'] === 'AgentAvailabilityChanged').map((e) => e.detail);

  return { table, store, call, list, put, presence, availability, lines };
}

function apiEvent(routeKey: string, claims: Claims, id: string | undefined, body: unknown, contentType: string | null, headers: Record<string, string>) {
  const [method, route] = routeKey.split(' ');
  const path = route.replace('{id}', id ?? '');
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}), ...headers },
    ...(id !== undefined ? { pathParameters: { id } } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(claims ? { authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: null } } } : {}),
    },
    // As API Gateway (and local mode) pass a body they do not treat as text.
    ...(text !== undefined ? { body: Buffer.from(text).toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const seed = (agentId: string, fields: Partial<AgentSeed> = {}): AgentSeed => ({ agentId, team: 'support', skills: [], capacity: 5, presence: 'offline', ...fields });
const MEI_PROFILE = { name: 'Mei Chen', team: 'cn', skills: ['language:zh', 'category:delivery'], capacity: 3, supervisorId: 'sup-sam' };

describe('GET /agents', () => {
  test('the roster by agent id, with load, free capacity, presence, skills, team and supervisor', async () => {
    const { store, list } = await setup();
    await store.seed([seed('mei', { name: 'Mei Chen', team: 'cn', skills: ['language:zh'], capacity: 2, presence: 'online', supervisorId: 'sup-sam' }), seed('bo'), seed('Ana')], T0);
    await store.claim('mei', 'tkt_1', ['language:zh'], T0);

    const res = await list();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body.agents.map((a: { agentId: string }) => a.agentId)).toEqual(['Ana', 'bo', 'mei']);
    expect(res.body.agents[2]).toEqual({
      agentId: 'mei',
      name: 'Mei Chen',
      team: 'cn',
      skills: ['language:zh'],
      capacity: 2,
      load: 1,
      freeCapacity: 1,
      presence: 'online',
      supervisorId: 'sup-sam',
      lastAssignedAt: T0,
      version: 2,
      updatedAt: T0,
    });
    expect(res.body.agents[1]).toEqual(expect.objectContaining({ agentId: 'bo', load: 0, freeCapacity: 5, presence: 'offline' }));
  });

  test('an empty roster is an empty list', async () => {
    const { list } = await setup();
    expect(await list()).toMatchObject({ status: 200, body: { agents: [] } });
  });

  test.each([
    { who: 'an agent', claims: MEI, status: 200 },
    { who: 'a supervisor', claims: SUPERVISOR, status: 200 },
    { who: 'an admin', claims: ADMIN, status: 200 },
    { who: 'someone in no Switchboard group', claims: NO_ROLE, status: 403 },
    { who: 'no token', claims: null as Claims, status: 401 },
  ])('$who → $status', async ({ claims, status }) => {
    const { list } = await setup();
    const res = await list(claims);
    expect(res.status).toBe(status);
    if (status >= 400) expect(res.headers['content-type']).toBe('application/problem+json');
  });
});

describe('PUT /agents/{id}', () => {
  test('an admin creates an agent (201, offline, holding nothing), then replaces the profile (200), keeping presence and tickets', async () => {
    const { put, presence, store, list } = await setup();
    const created = await put('mei', MEI_PROFILE);
    expect(created.status).toBe(201);
    expect(created.headers).toMatchObject({ etag: '"1"', location: '/agents/mei' });
    expect(created.body).toEqual({
      agentId: 'mei',
      name: 'Mei Chen',
      team: 'cn',
      skills: ['category:delivery', 'language:zh'],
      capacity: 3,
      load: 0,
      freeCapacity: 3,
      presence: 'offline',
      supervisorId: 'sup-sam',
      version: 1,
      updatedAt: expect.any(String),
    });

    expect((await presence('online')).status).toBe(200);
    await store.claim('mei', 'tkt_1', ['language:zh'], T0);

    // No name or supervisor this time: a PUT replaces the profile, so they are cleared.
    const updated = await put('mei', { team: 'cn-2', skills: ['language:zh'], capacity: 4 });
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('"4"');
    expect(updated.headers.location).toBeUndefined();
    expect(updated.body).toEqual(expect.objectContaining({ team: 'cn-2', skills: ['language:zh'], capacity: 4, presence: 'online', load: 1, freeCapacity: 3, lastAssignedAt: T0, version: 4 }));
    expect(updated.body).not.toHaveProperty('name');
    expect(updated.body).not.toHaveProperty('supervisorId');

    expect(await store.getAgent('mei')).toMatchObject({ agentId: 'mei', activeTickets: ['tkt_1'], presence: 'online', version: 4 });
    expect((await list()).body.agents).toEqual([updated.body]);
  });

  test('validation problems name each field', async () => {
    const { put, store } = await setup();
    const res = await put('mei', { name: '', skills: ['Chinese', 'language:zh'], capacity: 101, supervisorId: 'not ok', shoeSize: 42 });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'urn:switchboard:problem:invalid-request', status: 400 });
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['(body)', 'capacity', 'name', 'skills.0', 'supervisorId', 'team']);
    expect(res.body.errors).toContainEqual({ field: 'skills.0', message: expect.stringContaining('language:zh') });

    expect((await put('mei', { team: 't', skills: [], capacity: -1 })).body.errors).toEqual([{ field: 'capacity', message: 'must be from 0 to 100' }]);
    expect((await put('mei', 'not json')).body.detail).toMatch(/must be JSON/);
    expect((await put('a b', { team: 't', skills: [], capacity: 1 })).body.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
    expect((await put('me', { team: 't', skills: [], capacity: 1 })).body.errors).toEqual([{ field: 'id', message: expect.stringContaining('reserved') }]);
    expect(await store.getAgent('mei')).toBeUndefined();
  });

  test('415 for anything but JSON', async () => {
    const { put } = await setup();
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', null]) {
      const res = await put('mei', MEI_PROFILE, { contentType });
      expect(res.status).toBe(415);
      expect(res.body.type).toBe('urn:switchboard:problem:unsupported-media-type');
    }
    expect((await put('mei', MEI_PROFILE, { contentType: 'application/json; charset=utf-8' })).status).toBe(201);
  });

  test('If-Match: the current ETag updates; a stale one is 412 with the current ETag; * needs the agent to exist', async () => {
    const { put, store } = await setup();
    // Creating with If-Match: there is nothing to match.
    const missing = await put('mei', MEI_PROFILE, { headers: { 'if-match': '"1"' } });
    expect(missing.status).toBe(412);
    expect(missing.body).toMatchObject({ type: 'urn:switchboard:problem:precondition-failed', detail: expect.stringContaining('without If-Match') });
    expect((await put('mei', MEI_PROFILE, { headers: { 'if-match': '*' } })).status).toBe(412);
    expect(await store.getAgent('mei')).toBeUndefined();

    expect((await put('mei', MEI_PROFILE)).headers.etag).toBe('"1"');
    const first = await put('mei', { ...MEI_PROFILE, capacity: 4 }, { headers: { 'if-match': '"1"' } });
    expect(first).toMatchObject({ status: 200, headers: { etag: '"2"' } });

    // A second admin still holding version 1: their edit would undo the first.
    const stale = await put('mei', { ...MEI_PROFILE, capacity: 1 }, { headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.headers).toMatchObject({ 'content-type': 'application/problem+json', etag: '"2"' });
    expect(stale.body).toMatchObject({ status: 412, currentVersion: 2, detail: expect.stringContaining('If-Match: "2"') });
    expect((await store.getAgent('mei'))?.capacity).toBe(4);

    expect((await put('mei', MEI_PROFILE, { headers: { 'if-match': 'W/"2"' } })).status).toBe(200);
    expect((await put('mei', MEI_PROFILE, { headers: { 'if-match': '*' } })).headers.etag).toBe('"4"');
    const malformed = await put('mei', MEI_PROFILE, { headers: { 'if-match': 'yesterday' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([{ field: 'If-Match', message: expect.any(String) }]);
  });

  test.each([
    { who: 'an agent', claims: MEI, status: 403 },
    { who: 'a supervisor', claims: SUPERVISOR, status: 403 },
    { who: 'someone in no Switchboard group', claims: NO_ROLE, status: 403 },
    { who: 'no token', claims: null as Claims, status: 401 },
  ])('$who → $status, and nothing is written', async ({ claims, status }) => {
    const { put, store } = await setup();
    expect((await put('mei', MEI_PROFILE, { claims })).status).toBe(status);
    expect(await store.getAgent('mei')).toBeUndefined();
  });

  test('an admin is allowed: 201', async () => {
    const { put } = await setup();
    expect((await put('mei', MEI_PROFILE, { claims: claimsOf('root', 'admin') })).status).toBe(201);
  });
});

describe('PUT /agents/me/presence', () => {
  test('without a profile: 404 that says an admin must add them', async () => {
    const { presence } = await setup();
    const res = await presence('online');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: 'urn:switchboard:problem:not-found', detail: expect.stringContaining('PUT /agents/mei') });
  });

  test('the caller sets their own presence; coming online tells routing once, and only coming online does', async () => {
    const { put, presence, availability, list } = await setup();
    await put('mei', MEI_PROFILE);
    expect(availability()).toEqual([]);

    const online = await presence('online');
    expect(online).toMatchObject({ status: 200, headers: { etag: '"2"' }, body: { agentId: 'mei', presence: 'online', version: 2 } });
    expect(availability()).toEqual([
      { eventId: 'agent:mei:v2', version: 1, occurredAt: expect.any(String), agentId: 'mei', presence: 'online', capacity: 3, reason: 'presence' },
    ]);

    await presence('online'); // already online: nothing new to take
    await presence('away');
    expect(availability()).toHaveLength(1);
    expect((await list()).body.agents[0].presence).toBe('away');

    await presence('online');
    expect(availability().map((e) => [e.eventId, e.reason])).toEqual([
      ['agent:mei:v2', 'presence'],
      ['agent:mei:v5', 'presence'],
    ]);
    await presence('offline');
    expect((await list()).body.agents[0].presence).toBe('offline');
    expect(availability()).toHaveLength(2);
  });

  test('a supervisor who takes tickets sets theirs too', async () => {
    const { put, presence } = await setup();
    await put('sup-sam', { team: 'cn', skills: ['queue:escalation'], capacity: 2 });
    expect(await presence('online', SUPERVISOR)).toMatchObject({ status: 200, body: { agentId: 'sup-sam', presence: 'online' } });
  });

  test('bad presence: 400 naming the field; not JSON: 415', async () => {
    const { put, presence } = await setup();
    await put('mei', MEI_PROFILE);
    expect((await presence('busy')).body).toMatchObject({ status: 400, errors: [{ field: 'presence', message: 'must be one of online, away, offline' }] });
    expect((await presence('online', MEI, 'text/plain')).status).toBe(415);
  });

  test.each([
    { who: 'an admin (admins manage, they do not take tickets)', claims: ADMIN, status: 403 },
    { who: 'someone in no Switchboard group', claims: NO_ROLE, status: 403 },
    { who: 'no token', claims: null as Claims, status: 401 },
  ])('$who → $status', async ({ claims, status }) => {
    const { presence } = await setup();
    expect((await presence('online', claims)).status).toBe(status);
  });
});

describe('AgentAvailabilityChanged from profile changes', () => {
  test('more capacity or a new skill while online tells routing; while offline, or less of either, does not', async () => {
    const { put, presence, availability } = await setup();
    await put('mei', MEI_PROFILE); // v1
    await put('mei', { ...MEI_PROFILE, capacity: 9 }); // v2, offline: nothing yet
    await presence('online'); // v3
    await put('mei', { ...MEI_PROFILE, capacity: 10 }); // v4: capacity
    await put('mei', { ...MEI_PROFILE, capacity: 10, skills: [...MEI_PROFILE.skills, 'category:billing'] }); // v5: skills
    await put('mei', { ...MEI_PROFILE, capacity: 2 }); // v6: less, and a skill dropped
    await put('mei', { ...MEI_PROFILE, capacity: 2, team: 'other' }); // v7: nothing to take
    expect(availability().map((e) => [e.eventId, e.reason, e.capacity])).toEqual([
      ['agent:mei:v3', 'presence', 9],
      ['agent:mei:v4', 'capacity', 10],
      ['agent:mei:v5', 'skills', 10],
    ]);
  });

  test('logs carry ids, never names', async () => {
    const { put, presence, list, lines } = await setup();
    await put('mei', MEI_PROFILE);
    await presence('online');
    await list();
    expect(lines.some((l) => l.includes('"agentId":"mei"'))).toBe(true);
    expect(linesContaining(lines, ['Mei Chen'])).toEqual([]);
  });
});

test('a route the function does not serve: 404', async () => {
  const { call } = await setup();
  expect((await call('DELETE /agents/{id}', { claims: ADMIN, id: 'mei' })).status).toBe(404);
});

describe('DynamoDbAgentStore against dynalite', () => {
  const online = (agentId: string, fields: Partial<AgentSeed> = {}) => seed(agentId, { presence: 'online', skills: ['language:zh'], ...fields });

  test('30 parallel claims of different tickets on a capacity-3 agent: exactly 3 succeed, and the agent holds those 3', async () => {
    const { store } = await setup();
    await store.seed([online('mei', { capacity: 3 })], T0);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.claim('mei', `tkt_${i}`, ['language:zh'], T0)));
    const won = results.flatMap((r, i) => (r ? [`tkt_${i}`] : []));
    expect(won).toHaveLength(3);
    expect((await store.getAgent('mei'))?.activeTickets).toEqual([...won].sort());
  });

  test('racing claims and releases never overfill an agent, and a repeated claim of the same ticket is one place', async () => {
    const { store } = await setup();
    await store.seed([online('mei', { capacity: 4 })], T0);
    for (let round = 0; round < 5; round++) {
      const tickets = Array.from({ length: 12 }, (_, i) => `tkt_${round}_${i % 6}`);
      const held = (await store.getAgent('mei'))!.activeTickets;
      const ops = [...tickets.map((t) => store.claim('mei', t, ['language:zh'], T0)), ...held.map((t) => store.release('mei', t, T0))];
      const results = await Promise.all(ops);
      const after = (await store.getAgent('mei'))!;
      expect(after.activeTickets.length).toBeLessThanOrEqual(4);
      // Every ticket whose claim succeeded is held (this round's claims are never released in it).
      const claimed = new Set(tickets.filter((_, i) => results[i]));
      expect([...claimed].every((t) => after.activeTickets.includes(t))).toBe(true);
      expect(after.activeTickets.filter((t) => t.startsWith(`tkt_${round}_`)).sort()).toEqual([...claimed].sort());
    }
  });

  test('claiming a ticket already held succeeds again without taking a second place, even when full', async () => {
    const { store } = await setup();
    await store.seed([online('mei', { capacity: 1 })], T0);
    const results = await Promise.all(Array.from({ length: 10 }, () => store.claim('mei', 'tkt_same', ['language:zh'], T0)));
    expect(results.every((r) => r?.activeTickets.length === 1)).toBe(true);
    expect(await store.claim('mei', 'tkt_other', [], T0)).toBeUndefined();
    expect(await store.claim('mei', 'tkt_same', [], '2026-11-23T09:00:00.000Z')).toMatchObject({ activeTickets: ['tkt_same'], lastAssignedAt: '2026-11-23T09:00:00.000Z' });
  });

  test('a claim is refused unless the agent is online, has every required skill and room', async () => {
    const { store } = await setup();
    await store.seed([online('mei', { skills: ['category:billing', 'language:zh'] }), online('away', { presence: 'away' }), online('off', { presence: 'offline' }), online('none', { capacity: 0 })], T0);
    expect(await store.claim('away', 't1', [], T0)).toBeUndefined();
    expect(await store.claim('off', 't1', [], T0)).toBeUndefined();
    expect(await store.claim('none', 't1', [], T0)).toBeUndefined();
    expect(await store.claim('ghost', 't1', [], T0)).toBeUndefined();
    expect(await store.claim('mei', 't1', ['language:zh', 'category:delivery'], T0)).toBeUndefined();
    // contains() on the skills list matches whole elements, not substrings.
    expect(await store.claim('mei', 't1', ['language:z'], T0)).toBeUndefined();
    expect(await store.getAgent('mei')).toMatchObject({ activeTickets: [], version: 1 });

    const claimed = await store.claim('mei', 't1', ['category:billing', 'language:zh'], '2026-11-23T09:00:00.000Z');
    expect(claimed).toMatchObject({ agentId: 'mei', activeTickets: ['t1'], lastAssignedAt: '2026-11-23T09:00:00.000Z', updatedAt: '2026-11-23T09:00:00.000Z', version: 2 });
    expect(await store.claim('mei', 't2', [], T0)).toMatchObject({ activeTickets: ['t1', 't2'] });
  });

  test('release frees the place; a repeat changes nothing, not even the version; the last one leaves no empty set', async () => {
    const { store, table } = await setup();
    await store.seed([online('mei', { capacity: 2 })], T0);
    await store.claim('mei', 't1', [], T0);
    await store.claim('mei', 't2', [], T0);
    const released = await store.release('mei', 't1', '2026-11-23T09:00:00.000Z');
    expect(released).toMatchObject({ activeTickets: ['t2'], version: 4, updatedAt: '2026-11-23T09:00:00.000Z' });
    expect(await store.release('mei', 't1', '2026-11-23T10:00:00.000Z')).toEqual(released);
    expect(await store.release('mei', 't2', T0)).toMatchObject({ activeTickets: [], version: 5 });
    expect(await store.release('ghost', 't2', T0)).toBeUndefined();

    const item = (await dynamo.dump(table)).find((i) => i.pk === keys.agent('mei').pk)!;
    expect(item).not.toHaveProperty('activeTickets');
    expect(item).toMatchObject({ parentKey: keys.agentsParent, childKey: keys.agentChild('mei') });
  });

  test('upsert keeps presence and tickets, moves the version, and refuses a stale expected version', async () => {
    const { store } = await setup();
    const created = await store.upsertAgent({ agentId: 'mei', team: 'cn', skills: ['language:zh', 'language:zh'], capacity: 2 }, T0);
    expect(created).toEqual({ after: { agentId: 'mei', team: 'cn', skills: ['language:zh'], capacity: 2, presence: 'offline', activeTickets: [], version: 1, updatedAt: T0 } });
    await store.setPresence('mei', 'online', T0);
    await store.claim('mei', 't1', [], T0);

    const change = await store.upsertAgent({ agentId: 'mei', name: 'Mei', team: 'cn', skills: [], capacity: 5 }, '2026-11-23T09:00:00.000Z', 3);
    expect(change?.before).toMatchObject({ capacity: 2, version: 3, activeTickets: ['t1'] });
    expect(change?.after).toEqual({ ...change!.before, name: 'Mei', skills: [], capacity: 5, version: 4, updatedAt: '2026-11-23T09:00:00.000Z' });
    expect(await store.getAgent('mei')).toEqual(change?.after);
    expect(await store.upsertAgent({ agentId: 'mei', team: 'x', skills: [], capacity: 1 }, T0, 3)).toBeUndefined();
    expect(await store.upsertAgent({ agentId: 'ghost', team: 'x', skills: [], capacity: 1 }, T0, 1)).toBeUndefined();
    expect(await store.getAgent('ghost')).toBeUndefined();
  });

  test('setPresence reports before and after; nothing for an unknown agent', async () => {
    const { store } = await setup();
    await store.seed([seed('mei')], T0);
    const change = await store.setPresence('mei', 'online', '2026-11-23T09:00:00.000Z');
    expect(change).toMatchObject({ before: { presence: 'offline', version: 1 }, after: { presence: 'online', version: 2, updatedAt: '2026-11-23T09:00:00.000Z' } });
    expect(await store.getAgent('mei')).toEqual(change?.after);
    expect(await store.setPresence('ghost', 'online', T0)).toBeUndefined();
    expect(await store.getAgent('ghost')).toBeUndefined();
  });

  test('seed creates only the agents that are missing, and never resets one', async () => {
    const { store } = await setup();
    expect((await store.seed([seed('mei', { presence: 'online' }), seed('bo')], T0)).map((a) => a.agentId)).toEqual(['mei', 'bo']);
    await store.claim('mei', 't1', [], T0);
    expect((await store.seed([seed('mei'), seed('bo'), seed('chen')], T0)).map((a) => a.agentId)).toEqual(['chen']);
    expect(await store.getAgent('mei')).toMatchObject({ presence: 'online', activeTickets: ['t1'] });
    expect((await store.listAgents()).map((a) => a.agentId)).toEqual(['bo', 'chen', 'mei']);
  });
});
