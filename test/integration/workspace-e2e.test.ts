import { issueDevToken } from '../../infra/local/dev-tokens';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';

/**
 * The agent workspace, the way people use it, in local mode and through the HTTP API only: an
 * agent takes a customer's ticket from new to closed with a note, a sub-task, a merge, a reply and
 * a satisfaction score; a supervisor sees and fixes the agent's work; every step is on the
 * timeline; and every route used is one the OpenAPI document describes.
 */

const SMS_FROM = '+14155550100';
const config = parseConfig({
  channels: { sms: { from: SMS_FROM } },
  routing: {
    sampleAgents: [
      { agentId: 'alice', name: 'Alice', team: 'support', skills: ['language:en', 'category:delivery', 'category:billing', 'category:general'], capacity: 20, presence: 'online' },
      { agentId: 'omar', name: 'Omar', team: 'logistics', skills: ['language:en'], capacity: 20, presence: 'offline' },
      { agentId: 'lin', name: 'Lin', team: 'support', skills: ['queue:escalation'], capacity: 5, presence: 'online' },
    ],
  },
});
let local: LocalSwitchboard;
const tokens = new Map<string, string>();
const used = new Set<string>();

beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  for (const [sub, role] of [['alice', 'agent'], ['omar', 'agent'], ['lin', 'supervisor']] as const) tokens.set(sub, await issueDevToken(local.signingKey, { sub, role }));
}, 60_000);
afterAll(() => local?.close(), 30_000);

async function call(who: string | undefined, method: string, path: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  used.add(`${method} ${route}`);
  const res = await fetch(`${local.url}${path}`, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${tokens.get(who)}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}
const read = (who: string, id: string) => call(who, 'GET', `/tickets/${id}?limit=200`, '/tickets/{id}');
const patch = async (who: string, id: string, body: unknown) => {
  const version = (await read(who, id)).body.ticket.version;
  return call(who, 'PATCH', `/tickets/${id}`, '/tickets/{id}', body, { 'if-match': `"${version}"` });
};
const bus = (type: string, ticketId: string) => local.bus.delivered.get('EventLog')!.filter((e) => e['detail-type'] === type && e.detail.ticketId === ticketId);

let sequence = 0;
async function text(phone: string, body: string): Promise<string> {
  const sid = `SMws${++sequence}`;
  const form = new URLSearchParams({ MessageSid: sid, From: phone, To: SMS_FROM, Body: body, NumMedia: '0' }).toString();
  expect((await postSigned(local.url, 'sms', form)).status).toBe(200);
  const received = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'MessageReceived' && e.detail.messageId === `sms:${sid}`));
  return received.detail.ticketId as string;
}
async function textsTo(phone: string): Promise<string[]> {
  const { entries } = (await (await fetch(`${local.url}/dev/outbox`)).json()) as { entries: { kind: string; request: { url: string; body: string } }[] };
  return entries.filter((e) => e.kind === 'http' && e.request.url.includes('api.twilio.com')).map((e) => new URLSearchParams(e.request.body)).filter((p) => p.get('To') === phone).map((p) => p.get('Body')!);
}

test('new to closed: notes, a sub-task, a merge, a reply, a score; a supervisor fixes the work; all on the timeline; all documented', async () => {
  const phone = '+14155550177';
  const ticketId = await text(phone, 'Hello, I was charged twice for order 5521, please refund one payment.');
  await eventually(async () => bus('TicketAssigned', ticketId)[0]);
  expect((await read('alice', ticketId)).body.ticket).toMatchObject({ status: 'new', assigneeId: 'alice' });

  // The agent opens it and works it.
  expect((await patch('alice', ticketId, { status: 'open', tags: ['refund'], priority: 'high' })).status).toBe(200);
  expect((await call('alice', 'POST', `/tickets/${ticketId}/notes`, '/tickets/{id}/notes', { body: 'Double charge confirmed in the payment log. @omar can you check the courier?' })).status).toBe(201);
  const task = await call('alice', 'POST', `/tickets/${ticketId}/tasks`, '/tickets/{id}/tasks', { title: 'Confirm the parcel left the depot', assigneeId: 'omar' });
  expect(task.status).toBe(201);

  // The other department finds and finishes its sub-task.
  const mine = await call('omar', 'GET', '/tasks?assignee=me', '/tasks');
  expect(mine.body.tasks.map((t: { taskId: string }) => t.taskId)).toContain(task.body.taskId);
  const done = await call('omar', 'PATCH', `/tickets/${ticketId}/tasks/${task.body.taskId}`, '/tickets/{id}/tasks/{taskId}', { status: 'done' });
  expect(done.status).toBe(200);
  expect((await read('alice', ticketId)).body.ticket.taskProgress).toEqual({ done: 1, total: 1 });

  // Waiting on the customer; meanwhile they write again from their other phone, which opens a second ticket.
  expect((await patch('alice', ticketId, { status: 'pending' })).status).toBe(200);
  const duplicate = await text('+14155550178', 'Second number: still charged twice for 5521!');
  await eventually(async () => bus('TicketAssigned', duplicate)[0]);
  // A different phone is a different customer: the supervisor merges the customers first, then the tickets.
  const customerA = (await read('lin', ticketId)).body.ticket.customerId;
  const customerB = (await read('lin', duplicate)).body.ticket.customerId;
  expect((await call('lin', 'POST', `/customers/${customerA}/merge`, '/customers/{id}/merge', { sourceCustomerId: customerB })).status).toBe(200);
  await eventually(async () => ((await read('lin', duplicate)).body.ticket.customerId === customerA ? true : undefined));
  const merged = await call('lin', 'POST', `/tickets/${ticketId}/merge`, '/tickets/{id}/merge', { sourceTicketId: duplicate });
  expect(merged.status).toBe(200);
  expect((await read('lin', duplicate)).body.ticket).toMatchObject({ status: 'closed', mergedInto: ticketId });

  // The supervisor fixes the agent's work: the priority was not high, and the category is billing.
  const fixed = await patch('lin', ticketId, { priority: 'normal', category: 'billing' });
  expect(fixed.status).toBe(200);
  expect(fixed.body).toMatchObject({ priority: 'normal', category: 'billing', assigneeId: 'alice' });

  // The agent answers the customer and solves the ticket; the customer gets the satisfaction request and scores.
  const reply = await call('alice', 'POST', `/tickets/${ticketId}/replies`, '/tickets/{id}/replies', { text: 'We refunded the second payment; it shows in 3–5 days.' });
  expect(reply.status).toBe(202);
  expect((await patch('alice', ticketId, { status: 'solved' })).status).toBe(200);
  // It goes where the customer wrote last: their second phone.
  const request = await eventually(async () => (await textsTo('+14155550178')).find((t) => t.includes('/csat/')));
  expect((await textsTo('+14155550178')).some((t) => t.includes('refunded the second payment'))).toBe(true);
  const link = /\/csat\/([A-Za-z0-9_-]{43})/.exec(request)![1];
  const scored = await call(undefined, 'POST', `/csat/${link}`, '/csat/{token}', { score: 5, comment: 'Quick and kind.' });
  expect(scored.status).toBe(201);
  await eventually(async () => ((await read('alice', ticketId)).body.ticket.csat?.score === 5 ? true : undefined));

  // Closing by hand is the supervisor's.
  expect((await patch('alice', ticketId, { status: 'closed' })).status).toBe(409);
  expect((await patch('lin', ticketId, { status: 'closed' })).status).toBe(200);

  // Every step is on the timeline, in order.
  const { timeline } = (await read('lin', ticketId)).body as { timeline: { type: string; action?: string; body?: string; text?: string; after?: Record<string, unknown>; movedFrom?: string }[] };
  const steps = timeline.map((e) => (e.type === 'audit' ? `${e.action}${e.after?.status ? `:${e.after.status}` : ''}` : e.type));
  for (const step of ['message', 'ticket.created:new', 'ticket.updated:open', 'note', 'ticket.task', 'ticket.updated:pending', 'ticket.merged', 'reply', 'ticket.updated:solved', 'ticket.csat', 'ticket.updated:closed']) {
    expect(steps).toContain(step);
  }
  const position = (step: string) => steps.indexOf(step);
  expect(position('ticket.updated:open')).toBeLessThan(position('note'));
  expect(position('ticket.merged')).toBeLessThan(position('ticket.updated:solved'));
  expect(position('ticket.updated:solved')).toBeLessThan(position('ticket.updated:closed'));
  expect(timeline.some((e) => e.type === 'message' && e.movedFrom === duplicate)).toBe(true);

  // What ran is what the contract describes.
  const doc = (await call(undefined, 'GET', '/openapi.json', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  for (const route of used) {
    const [method, path] = route.split(' ');
    expect([route, doc.paths[path]?.[method.toLowerCase()] !== undefined]).toEqual([route, true]);
  }
}, 120_000);
