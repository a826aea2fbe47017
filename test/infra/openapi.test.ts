import { Template } from 'aws-cdk-lib/assertions';
import { issueDevToken } from '../../infra/local/dev-tokens';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { version } from '../../package.json';
import { buildOpenApiDocument } from '../../shared/api/openapi';
import { areas } from '../../shared/api/operations';
import { openApiDocumentSchema } from '../../shared/api/operations/meta';
import { problemSchema, problemTypes, problemTypeUri } from '../../shared/api/problems';
import { problemsOf } from '../../shared/api/openapi';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';
import { buildTestApp, cdkJsonConfig } from './build';

/**
 * The document against what runs: the routes the stack deploys and local mode serves are the
 * documented ones, /openapi.json is open and answers the document, and real answers (successes and
 * problems) are what the document says.
 */

const config = cdkJsonConfig();
const macroId = config.workspace.macros[0]!.id;
const document = buildOpenApiDocument(areas, { version });
const operations = areas.flatMap((a) => a.operations);
const documented = operations.map((o) => `${o.method} ${o.path}`).sort();

let template: Template;
let local: LocalSwitchboard;
const tokens = new Map<string, string>();
beforeAll(async () => {
  template = Template.fromStack(buildTestApp(config, { checks: false }).stack);
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  for (const [sub, role] of [['alice', 'agent'], ['lin', 'supervisor'], ['root', 'admin']] as const) tokens.set(sub, await issueDevToken(local.signingKey, { sub, role }));
}, 120_000);
afterAll(() => local?.close(), 30_000);

type Who = 'alice' | 'lin' | 'root' | 'nobody';

async function call(who: Who, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${local.url}${path}`, {
    method,
    headers: { ...(who === 'nobody' ? {} : { authorization: `Bearer ${tokens.get(who)}` }), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', headers: Object.fromEntries(res.headers), body: text ? (JSON.parse(text) as any) : undefined };
}

/**
 * An answer is one the document lists for the operation: a documented status, and a body its
 * schema describes. A success parses with its zod schema and loses nothing in parsing (no field
 * the schema leaves out); a problem is a Problem of a type documented for that status.
 */
function expectDocumented(key: string, res: Awaited<ReturnType<typeof call>>, status: number) {
  expect({ key, status: res.status }).toEqual({ key, status });
  const operation = operations.find((o) => `${o.method} ${o.path}` === key)!;
  const media = res.contentType.split(';')[0];
  if (res.status >= 400) {
    expect({ key, media }).toEqual({ key, media: 'application/problem+json' });
    const types = problemsOf(operation).filter((p) => problemTypes[p].status === res.status).map(problemTypeUri);
    expect({ key, status: res.status, type: res.body.type, documented: types.includes(res.body.type) }).toEqual({ key, status: res.status, type: res.body.type, documented: true });
    expect(problemSchema.safeParse(res.body).success).toBe(true);
    return;
  }
  const response = operation.responses[res.status];
  expect({ key, status: res.status, documented: response !== undefined }).toEqual({ key, status: res.status, documented: true });
  if (res.body === undefined) return;
  const schema = response.content?.[media]?.schema;
  expect({ key, media, documented: schema !== undefined }).toEqual({ key, media, documented: true });
  const parsed = schema!.safeParse(res.body);
  expect({ key, issues: parsed.error?.issues }).toEqual({ key, issues: undefined });
  // z.object drops what it does not know: an answer with an undocumented field would lose it here.
  expect({ key, body: parsed.data }).toEqual({ key, body: res.body });
}

test('the stack deploys exactly the documented routes', () => {
  const deployed = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey as string);
  expect(deployed.sort()).toEqual(documented);
});

test('local mode serves every documented route (none answers "No route")', async () => {
  for (const key of documented) {
    const [method, path] = key.split(' ');
    const url = path.replace('{channel}', 'web').replace(/\{[^}]+\}/g, 'x1');
    const res = await fetch(`${local.url}${url}`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }) });
    const text = await res.text();
    const detail = String((JSON.parse(text || '{}') as { detail?: unknown }).detail ?? '');
    expect({ key, routed: !detail.startsWith('No route') && !/is not served on/.test(detail) }).toEqual({ key, routed: true });
  }
});

test('GET /openapi.json answers the document to anyone, signed in or not, as JSON', async () => {
  for (const who of ['nobody', 'alice', 'lin', 'root'] as const) {
    const res = await call(who, 'GET', '/openapi.json');
    expect({ who, status: res.status, contentType: res.contentType }).toEqual({ who, status: 200, contentType: 'application/json' });
    expect(res.body).toEqual(JSON.parse(JSON.stringify(document)));
    expectDocumented('GET /openapi.json', res, 200);
  }
  expect(openApiDocumentSchema.parse(document).openapi).toMatch(/^3\.1\./);
});

describe('real answers are what the document says', () => {
  let ticketId: string;
  let customerId: string;
  const email = `openapi-${Date.now()}@example.com`;

  beforeAll(async () => {
    const messageId = `oa-${Date.now()}`;
    const sent = await postSigned(local.url, 'web', JSON.stringify({ messageId, customer: { email, name: 'Olga' }, text: 'Hello, my parcel never arrived, where is it?' }));
    expectDocumented('POST /webhooks/{channel}', { status: sent.status, contentType: sent.headers.get('content-type') ?? '', headers: {}, body: await sent.json() }, 202);
    const triaged = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'TicketTriaged' && (e.detail.messageIds as string[])[0] === `web:${messageId}`));
    ticketId = triaged.detail.ticketId as string;
    customerId = triaged.detail.customerId as string;
    // A second message on the same ticket, for the split below.
    await postSigned(local.url, 'web', JSON.stringify({ messageId: `${messageId}-2`, customer: { email }, text: 'Also, can I change my address?' }));
    await eventually(async () => ((await call('lin', 'GET', `/tickets/${ticketId}`)).body.timeline.filter((e: { type: string }) => e.type === 'message').length === 2 ? true : undefined));
  }, 60_000);

  const read = async (who: Who = 'lin') => {
    const res = await call(who, 'GET', `/tickets/${ticketId}?limit=200`);
    expectDocumented('GET /tickets/{id}', res, 200);
    return res.body;
  };

  test('tickets: list, detail, change, notes, replies, sub-tasks, links, split and merge, macros', async () => {
    expectDocumented('GET /tickets', await call('lin', 'GET', '/tickets'), 200);
    expectDocumented('GET /tickets', await call('lin', 'GET', `/tickets?customer=${customerId}&limit=1`), 200);
    expectDocumented('GET /tickets', await call('lin', 'GET', '/tickets?sort=sideways'), 400);
    let detail = await read();
    expectDocumented('PATCH /tickets/{id}', await call('lin', 'PATCH', `/tickets/${ticketId}`, { tags: ['late'] }), 428);
    expectDocumented('PATCH /tickets/{id}', await call('lin', 'PATCH', `/tickets/${ticketId}`, { tags: ['late'] }, { 'if-match': '"1"' }), 412);
    // The workflow may still be writing the ticket (SLA, assignment): read the version again if it moved.
    const patched = await eventually(async () => {
      const res = await call('lin', 'PATCH', `/tickets/${ticketId}`, { tags: ['late'], priority: 'high' }, { 'if-match': `"${(await read()).ticket.version}"` });
      return res.status === 412 ? undefined : res;
    });
    expectDocumented('PATCH /tickets/{id}', patched, 200);
    expectDocumented('POST /tickets/{id}/notes', await call('lin', 'POST', `/tickets/${ticketId}/notes`, { body: '@alice please look at the courier notes' }), 201);
    expectDocumented('POST /tickets/{id}/notes', await call('lin', 'POST', `/tickets/${ticketId}/notes`, { body: '' }), 400);
    expectDocumented('POST /tickets/{id}/replies', await call('lin', 'POST', `/tickets/${ticketId}/replies`, { text: 'We are on it.' }), 202);
    expectDocumented('POST /tickets/{id}/replies', await call('lin', 'POST', `/tickets/${ticketId}/replies`, { macroId }), 202);
    expectDocumented('POST /tickets/{id}/replies', await call('root', 'POST', `/tickets/${ticketId}/replies`, { text: 'Admins do not reply' }), 403);
    expectDocumented('POST /tickets/{id}/replies', await call('lin', 'POST', `/tickets/${ticketId}/replies`, 'plain text', { 'content-type': 'text/plain' }), 415);

    const task = await call('lin', 'POST', `/tickets/${ticketId}/tasks`, { title: 'Call the courier', assigneeId: 'alice' });
    expectDocumented('POST /tickets/{id}/tasks', task, 201);
    expectDocumented('PATCH /tickets/{id}/tasks/{taskId}', await call('alice', 'PATCH', `/tickets/${ticketId}/tasks/${task.body.taskId}`, { status: 'done' }), 200);
    expectDocumented('PATCH /tickets/{id}/tasks/{taskId}', await call('alice', 'PATCH', `/tickets/${ticketId}/tasks/${task.body.taskId}`, { title: 'Call the courier again' }, { 'if-match': '"1"' }), 412);
    expectDocumented('GET /tasks', await call('alice', 'GET', '/tasks?status=done'), 200);
    expectDocumented('GET /macros', await call('alice', 'GET', '/macros'), 200);

    // Split the second message off into a new ticket, link the two, then merge it back.
    detail = await read();
    const second = detail.timeline.filter((e: { type: string }) => e.type === 'message')[1];
    const split = await call('lin', 'POST', `/tickets/${ticketId}/split`, { messageId: second.messageId });
    expectDocumented('POST /tickets/{id}/split', split, 201);
    const other = split.body.ticket.ticketId as string;
    const linked = await call('lin', 'POST', `/tickets/${ticketId}/links`, { ticketId: other, kind: 'related' });
    expectDocumented('POST /tickets/{id}/links', linked, 201);
    expectDocumented('POST /tickets/{id}/links', await call('lin', 'POST', `/tickets/${ticketId}/links`, { ticketId: other, kind: 'related' }), 200);
    expectDocumented('POST /tickets/{id}/links', await call('lin', 'POST', `/tickets/${ticketId}/links`, { ticketId, kind: 'related' }), 400);
    expectDocumented('DELETE /tickets/{id}/links/{otherTicketId}', await call('lin', 'DELETE', `/tickets/${ticketId}/links/${other}`), 204);
    const merged = await call('lin', 'POST', `/tickets/${ticketId}/merge`, { sourceTicketId: other });
    expectDocumented('POST /tickets/{id}/merge', merged, 200);
    expectDocumented('POST /tickets/{id}/merge', await call('alice', 'POST', `/tickets/${ticketId}/merge`, { sourceTicketId: other }), 403);
    expectDocumented('POST /tickets/{id}/merge', await call('lin', 'POST', `/tickets/${ticketId}/merge`, { sourceTicketId: ticketId }), 400);

    // The timeline now holds every kind of entry: messages (one moved back by the merge), replies, notes, audit entries.
    detail = await read();
    expect(new Set(detail.timeline.map((e: { type: string }) => e.type))).toEqual(new Set(['message', 'reply', 'note', 'audit']));
    expectDocumented('GET /tickets/{id}', await call('lin', 'GET', '/tickets/tkt_0000000000000000'), 404);
    expectDocumented('GET /tickets/{id}', await call('lin', 'GET', `/tickets/${ticketId}?order=sideways`), 400);
    expectDocumented('GET /tickets/{id}', await call('nobody', 'GET', `/tickets/${ticketId}`), 401);
  });

  test('agents, customers and satisfaction links', async () => {
    expectDocumented('GET /agents', await call('alice', 'GET', '/agents'), 200);
    expectDocumented('PUT /agents/{id}', await call('root', 'PUT', '/agents/oa-agent', { team: 'support', skills: ['language:en'], capacity: 2 }), 201);
    expectDocumented('PUT /agents/{id}', await call('root', 'PUT', '/agents/oa-agent', { team: 'support', skills: ['language:en'], capacity: 3 }, { 'if-match': '"1"' }), 200);
    expectDocumented('PUT /agents/{id}', await call('root', 'PUT', '/agents/oa-agent', { team: 'support', skills: ['language:en'], capacity: 3 }, { 'if-match': '"1"' }), 412);
    expectDocumented('PUT /agents/{id}', await call('alice', 'PUT', '/agents/oa-agent', { team: 'support', skills: [], capacity: 1 }), 403);
    expectDocumented('PUT /agents/me/presence', await call('alice', 'PUT', '/agents/me/presence', { presence: 'away' }), 200);
    expectDocumented('PUT /agents/me/presence', await call('alice', 'PUT', '/agents/me/presence', { presence: 'asleep' }), 400);

    expectDocumented('GET /customers', await call('alice', 'GET', `/customers?q=${encodeURIComponent(email)}`), 200);
    expectDocumented('GET /customers', await call('alice', 'GET', '/customers?q=o'), 400);
    const view = await call('alice', 'GET', `/customers/${customerId}`);
    expectDocumented('GET /customers/{id}', view, 200);
    expectDocumented('PATCH /customers/{id}', await call('alice', 'PATCH', `/customers/${customerId}`, { tier: 'vip' }, { 'if-match': view.headers.etag }), 200);
    expectDocumented('PATCH /customers/{id}', await call('alice', 'PATCH', `/customers/${customerId}`, { tier: 'vip' }), 428);
    expectDocumented('POST /customers/{id}/identities', await call('alice', 'POST', `/customers/${customerId}/identities`, { kind: 'phone', value: '+44 20 7183 8750' }), 201);
    expectDocumented('DELETE /customers/{id}/identities/{handle}', await call('alice', 'DELETE', `/customers/${customerId}/identities/${encodeURIComponent('phone:+442071838750')}`), 200);
    expectDocumented('POST /customers/{id}/merge', await call('lin', 'POST', `/customers/${customerId}/merge`, { sourceCustomerId: customerId }), 409);
    expectDocumented('GET /customers/{id}/export', await call('root', 'GET', `/customers/${customerId}/export`), 200);
    // Erased, the timeline's entries keep their ids and lose their content: still as documented.
    expectDocumented('DELETE /customers/{id}', await call('root', 'DELETE', `/customers/${customerId}`), 200);
    await read();
    expectDocumented('GET /customers/{id}', await call('alice', 'GET', `/customers/${customerId}`), 200);
    expectDocumented('PATCH /customers/{id}', await call('alice', 'PATCH', `/customers/${customerId}`, { tier: 'vip' }, { 'if-match': '"99"' }), 409);

    const token = 'A'.repeat(43);
    expectDocumented('GET /csat/{token}', await call('nobody', 'GET', `/csat/${token}`), 404);
    expectDocumented('POST /csat/{token}', await call('nobody', 'POST', `/csat/${token}`, { score: 5 }), 404);
    expectDocumented('POST /csat/{token}', await call('nobody', 'POST', `/csat/${token}`, { score: 9 }), 400);
  });

});
