import { localClient } from '../../infra/local/dynamodb';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import type { Caller } from '../../shared/http/caller';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { planLink } from '../../shared/tickets/links';
import { planTaskCreate, taskIdFor } from '../../shared/tickets/tasks';
import { apiAs } from '../support/api';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';
import { auditOf, conversation } from '../support/timeline';

/** Sub-tasks, linked tickets and macros through the local API: behaviour, crash convergence, roles. */

const config = parseConfig({
  workspace: {
    // Agents see only assigned tickets (and those they collaborate on): the 404s below depend on it.
    agentsSee: 'assigned',
    macros: [
      {
        id: 'ask-order-number',
        title: { en: 'Ask for the order number', zh: '询问订单号' },
        text: { en: 'Hi {customerName}, could you send the order number for {ticketId}? {agentName}', zh: '{customerName}，您好！请提供工单 {ticketId} 的订单号。{agentName}' },
        set: { status: 'pending', addTags: ['awaiting-order-number'] },
      },
      { id: 'looking-into-it', title: { en: 'Looking into it' }, text: { en: 'We are on it, {customerName}.' } },
      { id: 'close-it', title: { en: 'Close' }, text: { en: 'Closing {ticketId}.' }, set: { status: 'closed' } },
    ],
  },
  routing: {
    sampleAgents: [
      { agentId: 'alice', name: 'Alice', team: 'support', skills: ['language:en', 'language:zh', 'category:delivery', 'category:billing', 'category:general'], capacity: 100, presence: 'online' },
      { agentId: 'bob', name: 'Bob', team: 'billing', skills: ['language:en', 'category:billing'], capacity: 50, presence: 'offline' },
      { agentId: 'mei', name: 'Mei', team: 'billing', skills: ['language:zh'], capacity: 50, presence: 'offline' },
      { agentId: 'lin', name: 'Lin', team: 'support', skills: ['queue:escalation'], capacity: 5, presence: 'offline' },
    ],
  },
});
let local: LocalSwitchboard;
let changes: DynamoDbTicketChanges;
let call: Awaited<ReturnType<typeof apiAs<'alice' | 'bob' | 'mei' | 'lin' | 'root'>>>;
beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  call = await apiAs(local, [['alice', 'agent'], ['bob', 'agent'], ['mei', 'agent'], ['lin', 'supervisor'], ['root', 'admin']] as const);
  changes = new DynamoDbTicketChanges(documentClient(localClient(local.dynamoEndpoint)), local.tableName);
}, 60_000);
afterAll(() => local?.close(), 30_000);

type Who = 'alice' | 'bob' | 'mei' | 'lin' | 'root' | 'nobody';

const detail = (who: Who, ticketId: string) => call(who, 'GET', `/tickets/${ticketId}?order=desc&limit=200`);
const ticketOf = async (ticketId: string) => (await detail('lin', ticketId)).body.ticket;
const eventsOf = (ticketId: string, type: string) => local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticketId && e['detail-type'] === type);
const addTask = (who: Who, ticketId: string, body: unknown, headers: Record<string, string> = {}) => call(who, 'POST', `/tickets/${ticketId}/tasks`, body, headers);
const changeTask = (who: Who, ticketId: string, taskId: string, body: unknown, headers: Record<string, string> = {}) => call(who, 'PATCH', `/tickets/${ticketId}/tasks/${taskId}`, body, headers);
const tasksOf = async (who: Who, query = '') => (await call(who, 'GET', `/tasks${query}`)).body.tasks as { taskId: string; ticketId: string; status: string }[];

let sequence = 0;
/** A new ticket, triaged and assigned to alice, once the workflow's writes have settled. */
async function newTicket(options: { text?: string; name?: string } = {}): Promise<{ ticketId: string; version: number }> {
  const messageId = `tlm-${++sequence}-${Date.now()}`;
  const text = options.text ?? 'Hello, I was charged twice for my order, could you refund one payment please?';
  const customer = { email: `${messageId}@example.com`, ...(options.name ? { name: options.name } : {}) };
  expect((await postSigned(local.url, 'web', JSON.stringify({ messageId, customer, text }))).status).toBe(202);
  const triaged = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'TicketTriaged' && (e.detail.messageIds as string[])[0] === `web:${messageId}`));
  const ticketId = triaged.detail.ticketId as string;
  await eventually(async () => eventsOf(ticketId, 'TicketAssigned')[0]);
  return eventually(async () => {
    const first = await ticketOf(ticketId);
    await new Promise((r) => setTimeout(r, 150));
    const second = await ticketOf(ticketId);
    return first.version === second.version && second.assigneeId === 'alice' ? { ticketId, version: second.version as number } : undefined;
  });
}

describe('sub-tasks', () => {
  test('a task for another agent: on the ticket with its progress and audit entry, in their list, they see the ticket and are told; they finish it', async () => {
    const { ticketId, version } = await newTicket();
    const created = await addTask('alice', ticketId, { title: 'Approve the refund over the limit', assigneeId: 'bob', dueAt: '2026-11-25T17:00:00Z' });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const task = created.body;
    expect(task).toMatchObject({ ticketId, title: 'Approve the refund over the limit', status: 'open', assigneeId: 'bob', dueAt: '2026-11-25T17:00:00.000Z', createdBy: 'alice', version: 1 });

    const ticket = await ticketOf(ticketId);
    expect(ticket).toMatchObject({ version: version + 1, tasks: [task], taskProgress: { done: 0, total: 1 }, collaborators: ['bob'] });
    expect(auditOf((await detail('alice', ticketId)).body)[0]).toMatchObject({ action: 'ticket.task', actor: { id: 'alice' }, after: { task: { taskId: task.taskId }, taskProgress: { done: 0, total: 1 } } });
    // bob sees the ticket now, and finds the task in his list.
    expect((await detail('bob', ticketId)).status).toBe(200);
    expect(await tasksOf('bob')).toContainEqual(task);
    await eventually(async () => eventsOf(ticketId, 'SubTaskAssigned')[0]);
    expect(eventsOf(ticketId, 'SubTaskCreated').map((e) => e.detail)).toEqual([expect.objectContaining({ taskId: task.taskId, assigneeId: 'bob', actor: { type: 'agent', id: 'alice' } })]);
    expect(eventsOf(ticketId, 'SubTaskAssigned').map((e) => e.detail)).toEqual([expect.objectContaining({ taskId: task.taskId, assigneeId: 'bob', assignedBy: 'alice' })]);

    const done = await changeTask('bob', ticketId, task.taskId, { status: 'done' }, { 'if-match': '"1"' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', version: 2 });
    expect(done.headers.etag).toBe('"2"');
    expect(await ticketOf(ticketId)).toMatchObject({ version: version + 2, taskProgress: { done: 1, total: 1 } });
    expect((await tasksOf('bob')).map((t) => t.taskId)).not.toContain(task.taskId);
    expect((await tasksOf('bob', '?status=done')).map((t) => t.taskId)).toContain(task.taskId);
    await eventually(async () => eventsOf(ticketId, 'SubTaskUpdated')[0]);
    expect(eventsOf(ticketId, 'SubTaskUpdated')[0]!.detail).toMatchObject({ fields: ['status'], status: 'done', actor: { id: 'bob' } });

    const stale = await changeTask('bob', ticketId, task.taskId, { status: 'open' }, { 'if-match': '"1"' });
    expect(stale).toMatchObject({ status: 412, body: { currentVersion: 2 } });
    expect(stale.headers.etag).toBe('"2"');
    const refused = await changeTask('bob', ticketId, task.taskId, { status: 'cancelled' });
    expect(refused).toMatchObject({ status: 409, body: { type: 'urn:switchboard:problem:task-transition-not-allowed', allowed: ['open'] } });
    expect((await changeTask('bob', ticketId, task.taskId, { status: 'open' })).body).toMatchObject({ status: 'open', version: 3 });
  }, 60_000);

  test('a team\'s task: its members find it and take it; others of another team do not see that list', async () => {
    const { ticketId } = await newTicket();
    const task = (await addTask('alice', ticketId, { title: 'Check the ledger', team: 'billing' })).body;
    expect((await tasksOf('mei', '?team=billing')).map((t) => t.taskId)).toContain(task.taskId);
    expect((await tasksOf('lin', '?team=billing')).map((t) => t.taskId)).toContain(task.taskId);
    expect((await call('alice', 'GET', '/tasks?team=billing')).status).toBe(403);
    expect((await call('mei', 'GET', '/tasks?assignee=bob')).status).toBe(403);
    // A team member does not see the ticket until they hold the task.
    expect((await detail('mei', ticketId)).status).toBe(404);
    const taken = await changeTask('mei', ticketId, task.taskId, { assigneeId: 'mei' });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ assigneeId: 'mei', version: 2 });
    expect(taken.body.team).toBeUndefined();
    expect((await tasksOf('mei', '?team=billing')).map((t) => t.taskId)).not.toContain(task.taskId);
    expect((await tasksOf('mei', '?limit=100')).map((t) => t.taskId)).toContain(task.taskId);
    expect((await detail('mei', ticketId)).status).toBe(200);
    // Now it is mei's, not the team's: bob (billing) may no longer change it.
    expect((await changeTask('bob', ticketId, task.taskId, { status: 'done' })).status).toBe(404);
  }, 60_000);

  test('notes and tasks each add their agent to the collaborators; neither drops the other\'s, and nobody is listed twice', async () => {
    const { ticketId } = await newTicket();
    expect((await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: '@bob can you approve this?' })).status).toBe(201);
    await Promise.all([addTask('alice', ticketId, { title: 'Check the courier', assigneeId: 'mei' }), call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: '@lin FYI' })]);
    expect((await ticketOf(ticketId)).collaborators.sort()).toEqual(['bob', 'lin', 'mei']);
    await addTask('alice', ticketId, { title: 'Approve it', assigneeId: 'bob' });
    expect((await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: '@mei @bob thanks' })).status).toBe(201);
    expect((await ticketOf(ticketId)).collaborators.sort()).toEqual(['bob', 'lin', 'mei']);
  }, 60_000);

  test('400 names each invalid field; unknown agents, teams and tasks; a ticket the caller may not see is a 404', async () => {
    const { ticketId } = await newTicket();
    const both = await addTask('alice', ticketId, { title: 'x', assigneeId: 'bob', team: 'billing' });
    expect(both).toMatchObject({ status: 400, body: { errors: [{ field: 'assigneeId' }] } });
    expect(both.headers['content-type']).toBe('application/problem+json');
    expect((await addTask('alice', ticketId, { title: 'x'.repeat(201), assigneeId: 'bob', due: 1 })).body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['(body)', 'title']);
    expect((await addTask('alice', ticketId, { title: 'x', assigneeId: 'zed' })).body.errors).toEqual([{ field: 'assigneeId', message: expect.stringContaining('no agent zed') }]);
    expect((await addTask('alice', ticketId, { title: 'x', team: 'legal' })).body.errors).toEqual([{ field: 'team', message: expect.stringContaining('"legal"') }]);
    expect((await changeTask('alice', ticketId, 'task_ffffffffffffffff', { status: 'done' })).status).toBe(404);
    expect((await changeTask('alice', ticketId, 'nope', { status: 'done' })).status).toBe(404);
    expect((await addTask('bob', ticketId, { title: 'x', assigneeId: 'bob' })).status).toBe(404);
    expect((await addTask('alice', 'tkt_ffffffffffffffff', { title: 'x', assigneeId: 'bob' })).status).toBe(404);
    expect((await call('alice', 'GET', '/tasks?status=all')).body.errors).toEqual([{ field: 'status', message: expect.any(String) }]);
  }, 60_000);

  test('concurrent adds all land; at most 50 a ticket (409); an agent\'s list reads page by page, each task once', async () => {
    const { ticketId, version } = await newTicket();
    const parallel = await Promise.all(Array.from({ length: 20 }, (_, i) => addTask('alice', ticketId, { title: `parallel ${i}`, assigneeId: 'mei' })));
    expect(parallel.map((r) => r.status)).toEqual(Array(20).fill(201));
    let ticket = await ticketOf(ticketId);
    expect(ticket.tasks).toHaveLength(20);
    expect(ticket.version).toBe(version + 20);
    expect(ticket.taskProgress).toEqual({ done: 0, total: 20 });
    for (let i = 20; i < 50; i++) expect((await addTask('lin', ticketId, { title: `more ${i}`, assigneeId: 'mei' })).status).toBe(201);
    const over = await addTask('alice', ticketId, { title: 'one too many', assigneeId: 'mei' });
    expect(over).toMatchObject({ status: 409, body: { type: 'urn:switchboard:problem:too-many-tasks', limit: 50 } });
    ticket = await ticketOf(ticketId);
    expect(ticket.tasks).toHaveLength(50);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call('mei', 'GET', `/tasks?assignee=me&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.tasks.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.tasks.filter((t: { ticketId: string }) => t.ticketId === ticketId).map((t: { taskId: string }) => t.taskId));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 30);
    expect(seen.sort()).toEqual(ticket.tasks.map((t: { taskId: string }) => t.taskId).sort());
  }, 120_000);

  test('a retried request makes one task; a crash after the ticket\'s copy is finished by the retry (its own item, collaborator, events)', async () => {
    const { ticketId } = await newTicket();
    const first = await addTask('alice', ticketId, { title: 'Once', assigneeId: 'bob' }, { 'idempotency-key': 'k-1' });
    const again = await addTask('alice', ticketId, { title: 'Once', assigneeId: 'bob' }, { 'idempotency-key': 'k-1' });
    expect(again.body).toEqual(first.body);
    expect((await ticketOf(ticketId)).tasks).toHaveLength(1);

    // The ticket's copy written, then a crash: no item of its own, no collaborator, no events.
    const caller: Caller = { sub: 'alice', groups: ['agent'] };
    const taskId = taskIdFor(ticketId, 'alice', 'k-crash');
    const before = (await changes.getTicket(ticketId))!;
    const plan = planTaskCreate(before, caller, { title: 'Crashed', assigneeId: 'mei' }, { assignee: { agentId: 'mei', exists: true } }, new Date().toISOString(), taskId)!;
    expect(await changes.change(before, plan.change, plan.set)).toBeDefined();
    // (mei holds the 50 tasks of the test before: one page of 100 has them all.)
    expect((await tasksOf('mei', '?limit=100')).map((t) => t.taskId)).not.toContain(taskId);
    expect((await detail('mei', ticketId)).status).toBe(404);

    const retried = await addTask('alice', ticketId, { title: 'Crashed', assigneeId: 'mei' }, { 'idempotency-key': 'k-crash' });
    expect(retried).toMatchObject({ status: 201, body: { taskId, title: 'Crashed' } });
    expect((await ticketOf(ticketId)).tasks).toHaveLength(2);
    expect((await tasksOf('mei', '?limit=100')).map((t) => t.taskId)).toContain(taskId);
    expect((await detail('mei', ticketId)).status).toBe(200);
    await eventually(async () => eventsOf(ticketId, 'SubTaskCreated').find((e) => e.detail.taskId === taskId));
  }, 60_000);
});

describe('linked tickets', () => {
  test('a link shows on both tickets (the reverse of duplicate-of as duplicated-by), audited on both; linking again changes nothing; unlinking removes both', async () => {
    const a = await newTicket();
    const b = await newTicket();
    const linked = await call('alice', 'POST', `/tickets/${a.ticketId}/links`, { ticketId: b.ticketId, kind: 'duplicate-of' });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({ ticketId: a.ticketId, version: a.version + 1, links: [{ ticketId: b.ticketId, kind: 'duplicate-of', linkedBy: 'alice' }] });
    expect((await ticketOf(b.ticketId)).links).toEqual([expect.objectContaining({ ticketId: a.ticketId, kind: 'duplicated-by' })]);
    for (const [id, other, kind] of [[a.ticketId, b.ticketId, 'duplicate-of'], [b.ticketId, a.ticketId, 'duplicated-by']]) {
      expect(auditOf((await detail('alice', id!)).body)[0]).toMatchObject({ action: 'ticket.linked', actor: { id: 'alice' }, after: { link: { ticketId: other, kind } } });
    }
    const repeat = await call('alice', 'POST', `/tickets/${a.ticketId}/links`, { ticketId: b.ticketId, kind: 'duplicate-of' });
    expect(repeat).toMatchObject({ status: 200, body: { version: a.version + 1 } });
    expect((await ticketOf(b.ticketId)).version).toBe(b.version + 1);
    // The other way round, as related: one link per pair, its kind changed on both.
    expect((await call('alice', 'POST', `/tickets/${b.ticketId}/links`, { ticketId: a.ticketId, kind: 'related' })).status).toBe(201);
    expect((await ticketOf(a.ticketId)).links).toEqual([expect.objectContaining({ ticketId: b.ticketId, kind: 'related' })]);

    const removed = await call('alice', 'DELETE', `/tickets/${a.ticketId}/links/${b.ticketId}`);
    expect(removed.status).toBe(204);
    expect((await ticketOf(a.ticketId)).links).toEqual([]);
    expect((await ticketOf(b.ticketId)).links).toEqual([]);
    const version = (await ticketOf(a.ticketId)).version;
    expect((await call('alice', 'DELETE', `/tickets/${a.ticketId}/links/${b.ticketId}`)).status).toBe(204);
    expect((await ticketOf(a.ticketId)).version).toBe(version);
  }, 60_000);

  test('no self-links (400); the other ticket must exist and be visible to the caller (404); a half written before a crash is completed by the retry', async () => {
    const a = await newTicket();
    const b = await newTicket();
    const self = await call('alice', 'POST', `/tickets/${a.ticketId}/links`, { ticketId: a.ticketId, kind: 'related' });
    expect(self).toMatchObject({ status: 400, body: { errors: [{ field: 'ticketId' }] } });
    expect((await call('alice', 'POST', `/tickets/${a.ticketId}/links`, { ticketId: 'tkt_ffffffffffffffff', kind: 'related' })).status).toBe(404);
    expect((await call('alice', 'POST', `/tickets/${a.ticketId}/links`, { ticketId: b.ticketId, kind: 'same' })).body.errors).toEqual([{ field: 'kind', message: expect.any(String) }]);
    // bob holds a ticket (a supervisor gave it to him); alice's is invisible to him.
    const c = await newTicket();
    expect((await call('lin', 'PATCH', `/tickets/${c.ticketId}`, { assigneeId: 'bob' }, { 'if-match': `"${c.version}"` })).status).toBe(200);
    const hidden = await call('bob', 'POST', `/tickets/${c.ticketId}/links`, { ticketId: a.ticketId, kind: 'related' });
    expect(hidden).toMatchObject({ status: 404, body: { detail: expect.stringContaining(a.ticketId) } });
    expect((await call('bob', 'POST', `/tickets/${a.ticketId}/links`, { ticketId: c.ticketId, kind: 'related' })).status).toBe(404);

    // Only a's half written, then a crash: the retry writes b's and leaves a's as it is.
    const caller: Caller = { sub: 'alice', groups: ['agent'] };
    const current = (await changes.getTicket(a.ticketId))!;
    const half = planLink(current, b.ticketId, 'related', caller, new Date().toISOString())!;
    expect(await changes.change(current, half.change, half.set)).toBeDefined();
    const aVersion = (await ticketOf(a.ticketId)).version;
    expect((await ticketOf(b.ticketId)).links).toBeUndefined();
    const retried = await call('alice', 'POST', `/tickets/${a.ticketId}/links`, { ticketId: b.ticketId, kind: 'related' });
    expect(retried).toMatchObject({ status: 201, body: { version: aVersion } });
    expect((await ticketOf(b.ticketId)).links).toEqual([expect.objectContaining({ ticketId: a.ticketId, kind: 'related' })]);
  }, 90_000);
});

describe('macros', () => {
  test('GET /macros lists the configured ones', async () => {
    const res = await call('alice', 'GET', '/macros');
    expect(res.status).toBe(200);
    expect(res.body.macros.map((m: { id: string }) => m.id)).toEqual(['ask-order-number', 'looking-into-it', 'close-it']);
    expect(res.body.macros[0]).toEqual(config.workspace.macros[0]);
  });

  test('a macro reply: its text filled in for the ticket, then its set applied as a versioned change with PATCH\'s events; a retry sends and changes once', async () => {
    const { ticketId, version } = await newTicket({ name: 'Ana Example' });
    const res = await call('alice', 'POST', `/tickets/${ticketId}/replies`, { macroId: 'ask-order-number' }, { 'idempotency-key': 'macro-1' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      text: `Hi Ana Example, could you send the order number for ${ticketId}? Alice`,
      author: { type: 'agent', id: 'alice' },
      macro: { id: 'ask-order-number', changed: ['status', 'tags'], ticketVersion: version + 1 },
    });
    const ticket = await ticketOf(ticketId);
    expect(ticket.status).toBe('pending');
    expect(ticket.tags).toContain('awaiting-order-number');
    const macroChanges = async () => auditOf((await detail('alice', ticketId)).body).filter((a) => a.cause === `macro:ask-order-number:${res.body.replyId}`);
    expect(await macroChanges()).toEqual([expect.objectContaining({ action: 'ticket.updated', version: version + 1, actor: { type: 'agent', id: 'alice' }, after: { status: 'pending', tags: expect.arrayContaining(['awaiting-order-number']) } })]);
    await eventually(async () => eventsOf(ticketId, 'TicketUpdated')[0]);
    expect(eventsOf(ticketId, 'TicketUpdated')[0]!.detail).toMatchObject({ eventId: `${ticketId}:v${version + 1}:updated`, fields: ['status', 'tags'] });
    expect(eventsOf(ticketId, 'TicketStatusChanged').map((e) => [e.detail.from, e.detail.to])).toContainEqual(['new', 'pending']);

    // The same request again: the same reply, not sent again; the set not applied again.
    const retry = await call('alice', 'POST', `/tickets/${ticketId}/replies`, { macroId: 'ask-order-number' }, { 'idempotency-key': 'macro-1' });
    expect(retry).toMatchObject({ status: 202, body: { replyId: res.body.replyId, text: res.body.text } });
    expect(await macroChanges()).toHaveLength(1);
    expect(conversation((await detail('alice', ticketId)).body).filter((e) => e.direction === 'outbound')).toHaveLength(1);
  }, 60_000);

  test('a Chinese ticket gets the zh text; a customer without a name is addressed by the fallback; a macro without set changes nothing', async () => {
    const zh = await newTicket({ text: '你好，我的包裹已经一个星期了还没收到，请帮我查一下物流' });
    expect((await ticketOf(zh.ticketId)).language).toBe('zh');
    const res = await call('alice', 'POST', `/tickets/${zh.ticketId}/replies`, { macroId: 'ask-order-number' });
    expect(res.body.text).toBe(`尊敬的客户，您好！请提供工单 ${zh.ticketId} 的订单号。Alice`);
    const en = await newTicket({ name: 'Bo' });
    const plain = await call('lin', 'POST', `/tickets/${en.ticketId}/replies`, { macroId: 'looking-into-it' });
    expect(plain).toMatchObject({ status: 202, body: { text: 'We are on it, Bo.', macro: { changed: [], ticketVersion: en.version } } });
    expect((await ticketOf(en.ticketId)).version).toBe(en.version);
  }, 60_000);

  test('a macro the lifecycle or the caller\'s role refuses sends nothing (409, 403); unknown macros and text with a macro are 400', async () => {
    const { ticketId, version } = await newTicket();
    const closing = await call('alice', 'POST', `/tickets/${ticketId}/replies`, { macroId: 'close-it' });
    expect(closing).toMatchObject({ status: 409, body: { type: 'urn:switchboard:problem:transition-not-allowed' } });
    // bob, a collaborator (mentioned), may reply but not change alice's ticket.
    expect((await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: '@bob please have a look' })).status).toBe(201);
    expect((await call('bob', 'POST', `/tickets/${ticketId}/replies`, { macroId: 'ask-order-number' })).status).toBe(403);
    expect(conversation((await detail('alice', ticketId)).body).filter((e) => e.direction === 'outbound')).toEqual([]);
    expect((await ticketOf(ticketId)).version).toBe(version);
    expect((await call('alice', 'POST', `/tickets/${ticketId}/replies`, { macroId: 'nope' })).body.errors).toEqual([{ field: 'macroId', message: expect.stringContaining('ask-order-number') }]);
    expect((await call('alice', 'POST', `/tickets/${ticketId}/replies`, { macroId: 'looking-into-it', text: 'hi' })).body.errors).toEqual([{ field: 'text', message: expect.any(String) }]);
  }, 60_000);
});

describe('who may', () => {
  test('each new route: agents and supervisors (as the ticket allows), not admins (403), not without a token (401)', async () => {
    const { ticketId } = await newTicket();
    const other = await newTicket();
    const task = (await addTask('alice', ticketId, { title: 'roles', assigneeId: 'alice' })).body;
    const cases: [string, string, unknown, Record<Who, number>][] = [
      ['POST', `/tickets/${ticketId}/tasks`, { title: 'r', team: 'billing' }, { alice: 201, lin: 201, root: 403, nobody: 401 } as Record<Who, number>],
      ['PATCH', `/tickets/${ticketId}/tasks/${task.taskId}`, { title: `renamed` }, { alice: 200, lin: 200, root: 403, nobody: 401 } as Record<Who, number>],
      ['GET', '/tasks', undefined, { alice: 200, lin: 200, root: 403, nobody: 401 } as Record<Who, number>],
      ['POST', `/tickets/${ticketId}/links`, { ticketId: other.ticketId, kind: 'related' }, { alice: 201, lin: 200, root: 403, nobody: 401 } as Record<Who, number>],
      ['DELETE', `/tickets/${ticketId}/links/${other.ticketId}`, undefined, { alice: 204, lin: 204, root: 403, nobody: 401 } as Record<Who, number>],
      ['GET', '/macros', undefined, { alice: 200, lin: 200, root: 403, nobody: 401 } as Record<Who, number>],
      ['POST', `/tickets/${ticketId}/replies`, { macroId: 'looking-into-it' }, { alice: 202, lin: 202, root: 403, nobody: 401 } as Record<Who, number>],
    ];
    for (const [method, path, body, expected] of cases) {
      for (const who of ['alice', 'lin', 'root', 'nobody'] as const) {
        const res = await call(who, method, path, body);
        expect({ method, path, who, status: res.status }).toEqual({ method, path, who, status: expected[who] });
      }
    }
  }, 90_000);
});
