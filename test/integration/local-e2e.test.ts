import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { parseConfig } from '../../shared/config';
import { signWebRequest } from '../../shared/channels/signatures';
import { issueDevToken } from '../../infra/local/dev-tokens';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { eventually } from '../support/eventually';
import { auditOf, conversation } from '../support/timeline';

/**
 * The whole system as `npm start` runs it: HTTP → webhook function → SQS (fauxqs) → ingest
 * function → DynamoDB (dynalite) → events on the local bus → read API, all through the real handlers.
 */

const config = parseConfig({ ingest: { maxReceiveCount: 2, batchSize: 10 } });
let local: LocalSwitchboard;
let agentToken: string;

beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  agentToken = await issueDevToken(local.signingKey, { sub: 'alice', role: 'agent' });
}, 60_000);
// Closing waits for work in flight (a workflow task, a poll) to finish.
afterAll(() => local?.close(), 30_000);

async function postWeb(body: unknown, options: { secret?: string; timestamp?: number; contentType?: string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(`${local.url}/webhooks/web`, {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json', ...signWebRequest(options.secret ?? 'local-web-secret', raw, options.timestamp) },
    body: raw,
  });
}

const get = (path: string, token = agentToken) => fetch(`${local.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

test('health answers once ready', async () => {
  const res = await fetch(`${local.url}/health`);
  expect(res.status).toBe(200);
});

test('a signed web message becomes a ticket an agent can list and open, and its events reach the bus', async () => {
  const res = await postWeb({ messageId: 'e2e-1', customer: { email: 'Mei@Example.com', name: 'Mei' }, text: 'Order 5521 arrived damaged' });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ accepted: ['e2e-1'] });

  const ticket = await eventually(async () => {
    const list = (await (await get('/tickets')).json()) as { tickets: { ticketId: string; subject: string }[] };
    return list.tickets.find((t) => t.subject === 'Order 5521 arrived damaged');
  });
  const detail = (await (await get(`/tickets/${ticket.ticketId}`)).json()) as Record<string, any>;
  expect(detail.ticket).toMatchObject({ status: 'new', channel: 'web' });
  expect(conversation(detail).map((m: { text: string }) => m.text)).toEqual(['Order 5521 arrived damaged']);
  expect(detail.customer.identities).toEqual([{ kind: 'email', value: 'mei@example.com' }]);
  // Triage and routing follow on their own; the ticket's first change is its creation.
  expect(auditOf(detail)[0].action).toBe('ticket.created');

  const events = await eventually(async () => {
    const delivered = local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticket.ticketId);
    return delivered.length >= 2 ? delivered : undefined;
  });
  // Ingest's two first; triage, routing and the SLA workflow follow as the message moves on.
  expect(events.slice(0, 2).map((e) => e['detail-type'])).toEqual(['TicketCreated', 'MessageReceived']);
});

test('a provider retry of the same message is stored once', async () => {
  const body = { messageId: 'e2e-dup', customer: { phone: '+44 20 7183 8750' }, text: 'Same message twice' };
  expect((await postWeb(body)).status).toBe(202);
  expect((await postWeb(body)).status).toBe(202);
  const ticket = await eventually(async () => {
    const list = (await (await get('/tickets?channel=web')).json()) as { tickets: { ticketId: string; subject: string }[] };
    return list.tickets.find((t) => t.subject === 'Same message twice');
  });
  await new Promise((r) => setTimeout(r, 500));
  const detail = (await (await get(`/tickets/${ticket.ticketId}`)).json()) as { messages: unknown[] };
  expect(conversation(detail)).toHaveLength(1);
});

test.each([
  ['a bad signature', () => postWeb({ messageId: 'x', customer: { id: '1' }, text: 'x' }, { secret: 'wrong' }), 401],
  ['a stale timestamp', () => postWeb({ messageId: 'x', customer: { id: '1' }, text: 'x' }, { timestamp: Math.floor(Date.now() / 1000) - 600 }), 401],
  ['malformed JSON', () => postWeb('{not json'), 400],
  ['a missing field', () => postWeb({ customer: { id: '1' }, text: 'x' }), 400],
  ['a form-encoded body', () => postWeb('a=b', { contentType: 'application/x-www-form-urlencoded' }), 415],
  ['a body over the limit', () => postWeb({ messageId: 'big', customer: { id: '1' }, text: 'x'.repeat(140_000) }), 413],
  ['an unknown channel', () => fetch(`${local.url}/webhooks/carrier-pigeon`, { method: 'POST', body: '{}' }), 404],
  ['a path that is not validly percent-encoded', () => get('/tickets/%E0%A4%A'), 400],
  ['a sentAt the queue contract cannot hold', () => postWeb({ messageId: 'y9999', customer: { id: '1' }, text: 'x', sentAt: '9999-12-31T23:59:59-23:59' }), 400],
])('%s is rejected with a problem document', async (_name, send, status) => {
  const res = await send();
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await res.json()) as { status: number; title: string; detail: string };
  expect(problem).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
});

test('the read API needs a valid token and an agent role', async () => {
  expect((await fetch(`${local.url}/tickets`)).status).toBe(401);
  expect((await get('/tickets', 'not-a-token')).status).toBe(401);
  expect((await get('/tickets', agentToken)).status).toBe(200);
});

test('a message that keeps failing is retried, then moved to the dead-letter queue', async () => {
  const ingest = local.queues.queues[0];
  await local.queues.client.send(new SendMessageCommand({ QueueUrl: ingest.url, MessageBody: '{"not":"a canonical message"}' }));
  const dead = await eventually(async () => {
    const out = await local.queues.client.send(new ReceiveMessageCommand({ QueueUrl: ingest.deadLetterUrl, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    return out.Messages?.[0];
  }, 20_000);
  expect(dead.Body).toBe('{"not":"a canonical message"}');
  expect(Number(dead.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
}, 30_000);
