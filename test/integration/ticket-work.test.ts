import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { documentClient } from '../../shared/store/dynamodb-client';
import { localClient } from '../../infra/local/dynamodb';
import { apiAs, workspaceRoster } from '../support/api';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';
import { auditOf, notesOf } from '../support/timeline';

/** Agents working tickets through the API, in local mode: PATCH, lifecycle, notes, timeline, roles. */

const config = parseConfig({
  // Solved tickets close 3 s after solving, so the test sees it happen.
  // Agents see their own, unassigned and collaborating tickets only: the 404s below depend on it.
  workspace: { agentsSee: 'assigned', closeSolvedAfter: 'PT3S', customFields: { orderNumber: { type: 'text', maxLength: 20 }, refundAmount: { type: 'number', min: 0 } } },
  routing: {
    sampleAgents: workspaceRoster,
  },
});
let local: LocalSwitchboard;
let call: Awaited<ReturnType<typeof apiAs<'alice' | 'bob' | 'lin' | 'root'>>>;
beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  call = await apiAs(local, [['alice', 'agent'], ['bob', 'agent'], ['lin', 'supervisor'], ['root', 'admin']] as const);
}, 60_000);
afterAll(() => local?.close(), 30_000);

type Who = 'alice' | 'bob' | 'lin' | 'root' | 'nobody';

const patch = (who: Who, ticketId: string, version: number | undefined, body: unknown) =>
  call(who, 'PATCH', `/tickets/${ticketId}`, body, version === undefined ? {} : { 'if-match': `"${version}"` });
const detail = (who: Who, ticketId: string, query = '') => call(who, 'GET', `/tickets/${ticketId}${query}`);
const eventsOf = (ticketId: string, type: string) => local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticketId && e['detail-type'] === type);

let sequence = 0;
/** A new English billing ticket, triaged and assigned to alice (the only one online with the skills). */
async function newTicket(): Promise<{ ticketId: string; version: number }> {
  const messageId = `tw-${++sequence}-${Date.now()}`;
  const text = 'Hello, I was charged twice for my order, could you refund one payment please?';
  expect((await postSigned(local.url, 'web', JSON.stringify({ messageId, customer: { email: `${messageId}@example.com` }, text }))).status).toBe(202);
  const triaged = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'TicketTriaged' && (e.detail.messageIds as string[])[0] === `web:${messageId}`));
  const ticketId = triaged.detail.ticketId as string;
  await eventually(async () => eventsOf(ticketId, 'TicketAssigned')[0]);
  // The workflow's writes (SLA, assignment) settle before the test reads the version it works on.
  return eventually(async () => {
    const first = await detail('lin', ticketId);
    await new Promise((r) => setTimeout(r, 150));
    const second = await detail('lin', ticketId);
    return first.body.ticket.version === second.body.ticket.version && second.body.ticket.assigneeId === 'alice' ? { ticketId, version: second.body.ticket.version as number } : undefined;
  });
}

describe('PATCH /tickets/{id}', () => {
  test('the assignee changes status, priority, tags and custom fields; the answer and the ETag are the new version; events follow', async () => {
    const { ticketId, version } = await newTicket();
    const res = await patch('alice', ticketId, version, { status: 'pending', priority: 'high', tags: ['Refund', 'refund', 'vip-call'], customFields: { orderNumber: 'A-5521' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ticketId, status: 'pending', priority: 'high', prioritySource: 'agent', tags: ['refund', 'vip-call'], customFields: { orderNumber: 'A-5521' }, version: version + 1 });
    expect(res.headers.etag).toBe(`"${version + 1}"`);

    const changed = await eventually(async () => eventsOf(ticketId, 'TicketStatusChanged')[0]);
    expect(changed.detail).toMatchObject({ from: 'new', to: 'pending', actor: { type: 'agent', id: 'alice' } });
    const updated = await eventually(async () => eventsOf(ticketId, 'TicketUpdated')[0]);
    // The priority moved: the SLA targets move with it (a new workflow run).
    expect(updated.detail).toMatchObject({ fields: ['status', 'priority', 'tags', 'customFields'], routingChanged: true });

    const trail = auditOf((await detail('alice', ticketId)).body);
    expect(trail.find((a) => a.version === version + 1)).toMatchObject({ action: 'ticket.updated', actor: { type: 'agent', id: 'alice' }, before: { status: 'new' }, after: { status: 'pending', priority: 'high' } });
    // Pending: the workflow stops the resolution clock.
    await eventually(async () => ((await detail('alice', ticketId)).body.ticket.sla?.pausedSince ? true : undefined));
  }, 60_000);

  test('on hold, the clocks keep running (the customer still waits); pending stops them', async () => {
    const { ticketId, version } = await newTicket();
    const held = await patch('alice', ticketId, version, { status: 'on-hold' });
    expect(held.status).toBe(200);
    // The workflow takes the status over in a new run: its SLA state moves to a new generation, unpaused.
    const run = await eventually(async () => {
      const { ticket } = (await detail('alice', ticketId)).body;
      return ticket.sla?.generation > held.body.sla.generation ? ticket.sla : undefined;
    });
    expect(run.pausedSince).toBeUndefined();
    expect((await detail('alice', ticketId)).body.ticket.dueAt).toEqual(expect.any(String));
    const pending = await patch('alice', ticketId, (await detail('alice', ticketId)).body.ticket.version, { status: 'pending' });
    expect(pending.status).toBe(200);
    await eventually(async () => ((await detail('alice', ticketId)).body.ticket.sla?.pausedSince ? true : undefined));
  }, 60_000);

  test('an agent who sees assigned tickets only lists theirs or the unassigned ones; a supervisor lists any', async () => {
    await newTicket();
    const all = await call('alice', 'GET', '/tickets');
    expect(all.status).toBe(403);
    expect(all.body.detail).toContain('assignee=me');
    expect((await call('alice', 'GET', '/tickets?status=open')).status).toBe(403);
    const mine = await call('alice', 'GET', '/tickets?assignee=me');
    expect(mine.status).toBe(200);
    expect(mine.body.tickets.every((t: { assigneeId?: string }) => t.assigneeId === 'alice')).toBe(true);
    expect((await call('bob', 'GET', '/tickets?assignee=none')).status).toBe(200);
    expect((await call('bob', 'GET', '/tickets?assignee=alice')).status).toBe(403);
    expect((await call('lin', 'GET', '/tickets')).status).toBe(200);
  }, 60_000);

  test('If-Match: required (428), stale (412 with the current ETag), malformed (400); nothing is written', async () => {
    const { ticketId, version } = await newTicket();
    const missing = await patch('alice', ticketId, undefined, { priority: 'low' });
    expect(missing.status).toBe(428);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    const stale = await patch('alice', ticketId, version - 1, { priority: 'low' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: 'urn:switchboard:problem:precondition-failed', currentVersion: version });
    expect(stale.headers.etag).toBe(`"${version}"`);
    const malformed = await call('alice', 'PATCH', `/tickets/${ticketId}`, { priority: 'low' }, { 'if-match': 'yesterday' });
    expect(malformed.status).toBe(400);
    expect((await detail('alice', ticketId)).body.ticket).toMatchObject({ version });
  }, 60_000);

  test('400 names each invalid field; unknown fields and custom fields are refused', async () => {
    const { ticketId, version } = await newTicket();
    const res = await patch('alice', ticketId, version, { status: 'archived', priority: 'urgent', tags: ['two words'], colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['(body)', 'priority', 'status', 'tags.0'].sort());
    const custom = await patch('alice', ticketId, version, { customFields: { orderNumber: 'x'.repeat(21), refundAmount: -5, colour: 'red' } });
    expect(custom.status).toBe(400);
    expect(custom.body.errors.map((e: { field: string }) => e.field)).toEqual(['customFields.orderNumber', 'customFields.refundAmount', 'customFields.colour']);
    const category = await patch('alice', ticketId, version, { category: 'weather' });
    expect(category.body.errors).toEqual([{ field: 'category', message: expect.stringContaining('billing') }]);
    const empty = await patch('alice', ticketId, version, {});
    expect(empty.status).toBe(400);
  }, 60_000);

  test('a forbidden transition is a 409 naming the allowed ones; closing is a supervisor\'s', async () => {
    const { ticketId, version } = await newTicket();
    const toSolved = await patch('alice', ticketId, version, { status: 'solved' });
    expect(toSolved.status).toBe(200);
    const close = await patch('alice', ticketId, version + 1, { status: 'closed' });
    expect(close.status).toBe(409);
    expect(close.body).toMatchObject({ type: 'urn:switchboard:problem:transition-not-allowed', from: 'solved', to: 'closed', allowed: ['open'] });
    // Solving asks the customer for a score, which moves the version on: read it again.
    const solvedVersion = (await detail('lin', ticketId)).body.ticket.version;
    const byLin = await patch('lin', ticketId, solvedVersion, { status: 'closed' });
    expect(byLin.status).toBe(200);
    expect(byLin.body).toMatchObject({ status: 'closed', closedAt: expect.any(String), solvedAt: toSolved.body.solvedAt });
    const reopen = await patch('lin', ticketId, byLin.body.version, { status: 'open' });
    expect(reopen.status).toBe(409);
    expect(reopen.body.allowed).toEqual([]);
  }, 60_000);

  test('a solved ticket the customer leaves alone closes by itself after workspace.closeSolvedAfter; its agent is freed at solving', async () => {
    const { ticketId, version } = await newTicket();
    const agents = new DynamoDbAgentStore(documentClient(localClient(local.dynamoEndpoint)), local.tableName);
    const solved = await patch('alice', ticketId, version, { status: 'solved' });
    expect(solved.status).toBe(200);
    const solvedAt = Date.now();
    await eventually(async () => ((await agents.getAgent('alice'))!.activeTickets.includes(ticketId) ? undefined : true));
    // Still solved well into the wait (the customer may yet reply).
    await new Promise((r) => setTimeout(r, Math.max(0, solvedAt + 2000 - Date.now())));
    expect((await detail('alice', ticketId)).body.ticket.status).toBe('solved');
    const closed = await eventually(async () => eventsOf(ticketId, 'TicketStatusChanged').find((e) => e.detail.to === 'closed'), 15_000);
    expect(Date.now() - solvedAt).toBeGreaterThanOrEqual(2900);
    expect(closed.detail).toMatchObject({ from: 'solved', actor: { type: 'system', id: 'lifecycle' } });
    expect(Date.parse(String(closed.detail.occurredAt)) - Date.parse(solved.body.solvedAt)).toBeGreaterThanOrEqual(3000);
    const { ticket } = (await detail('alice', ticketId)).body;
    expect(ticket).toMatchObject({ status: 'closed', solvedAt: solved.body.solvedAt, closedAt: closed.detail.occurredAt });
    expect(local.workflows.failures).toEqual([]);
  }, 60_000);

  test('50 parallel PATCHes with the same If-Match: exactly one wins, the rest are 412, the ticket is the winner\'s', async () => {
    const { ticketId, version } = await newTicket();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => patch(i % 2 ? 'alice' : 'lin', ticketId, version, { tags: [`attempt-${i}`], customFields: { refundAmount: i } })),
    );
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(49);
    const final = (await detail('lin', ticketId)).body.ticket;
    expect(final).toEqual(won[0].body);
    expect(final.version).toBe(version + 1);
  }, 60_000);

  test('a retried request whose answer was lost is finished, not refused', async () => {
    const { ticketId, version } = await newTicket();
    const first = await patch('alice', ticketId, version, { tags: ['retry-me'] });
    const again = await patch('alice', ticketId, version, { tags: ['retry-me'] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // Someone else's request with the same stale version is still refused.
    expect((await patch('lin', ticketId, version, { tags: ['retry-me'] })).status).toBe(412);
    expect((await patch('alice', ticketId, version, { tags: ['something-else'] })).status).toBe(412);
  }, 60_000);

  test('assignment: a supervisor reassigns (the slots follow), an agent takes only unassigned tickets and gives back their own', async () => {
    const { ticketId, version } = await newTicket();
    const agents = new DynamoDbAgentStore(documentClient(localClient(local.dynamoEndpoint)), local.tableName);
    expect((await patch('bob', ticketId, version, { assigneeId: 'bob' })).status).toBe(404);
    const unknown = await patch('lin', ticketId, version, { assigneeId: 'zed' });
    expect(unknown.body.errors).toEqual([{ field: 'assigneeId', message: expect.stringContaining('no agent zed') }]);

    const toBob = await patch('lin', ticketId, version, { assigneeId: 'bob' });
    expect(toBob.status).toBe(200);
    // bob is offline: a supervisor's assignment holds anyway.
    expect((await agents.getAgent('bob'))!.activeTickets).toContain(ticketId);
    await eventually(async () => ((await agents.getAgent('alice'))!.activeTickets.includes(ticketId) ? undefined : true));
    const assigned = await eventually(async () => eventsOf(ticketId, 'TicketAssigned').find((e) => e.detail.reason === 'manual'));
    expect(assigned.detail).toMatchObject({ agentId: 'bob', previousAgentId: 'alice' });

    expect((await patch('alice', ticketId, version + 1, { assigneeId: 'alice' })).status).toBe(404);
    const giveBack = await patch('bob', ticketId, version + 1, { assigneeId: null });
    expect(giveBack.status).toBe(200);
    expect(giveBack.body).not.toHaveProperty('assigneeId');
    expect((await agents.getAgent('bob'))!.activeTickets).not.toContain(ticketId);
    // Given back while open: routing takes it up again.
    const rerouted = await eventually(async () => eventsOf(ticketId, 'TicketAssigned').filter((e) => e.detail.reason !== 'manual')[1]);
    expect(rerouted.detail.agentId).toBe('alice');
  }, 60_000);

  test('who may: no token 401, admin 403, another agent\'s ticket 404 (as if it did not exist), a supervisor any ticket', async () => {
    const { ticketId, version } = await newTicket();
    expect((await patch('nobody', ticketId, version, { priority: 'low' })).status).toBe(401);
    const admin = await patch('root', ticketId, version, { priority: 'low' });
    expect(admin.status).toBe(403);
    const other = await patch('bob', ticketId, version, { priority: 'low' });
    const missing = await patch('bob', 'tkt_00000000000000ff', version, { priority: 'low' });
    expect(other.status).toBe(404);
    expect(other.body.detail.replace(ticketId, 'X')).toBe(missing.body.detail.replace('tkt_00000000000000ff', 'X'));
    expect((await detail('bob', ticketId)).status).toBe(404);
    expect((await call('bob', 'POST', `/tickets/${ticketId}/replies`, { text: 'Hello' })).status).toBe(404);
    expect((await patch('lin', ticketId, version, { priority: 'low' })).status).toBe(200);
  }, 60_000);
});

describe('notes and the timeline', () => {
  test('a note @mentioning an agent makes them a collaborator who sees the ticket, and tells them', async () => {
    const { ticketId } = await newTicket();
    expect((await detail('bob', ticketId)).status).toBe(404);
    const note = await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: 'Refund over the limit: @bob can you approve? cc @nobody-here, mail alice@example.com' });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ kind: 'note', author: { type: 'agent', id: 'alice' }, mentions: ['bob'] });
    const mentioned = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'AgentMentioned' && e.detail.noteId === note.body.noteId));
    expect(mentioned.detail).toMatchObject({ agentId: 'bob', mentionedBy: 'alice', ticketId });
    expect(JSON.stringify(mentioned.detail)).not.toContain('Refund');

    const seen = await detail('bob', ticketId);
    expect(seen.status).toBe(200);
    expect(notesOf(seen.body).map((n) => n.body)).toEqual([note.body.body]);
    // A collaborator writes notes, but the ticket is still alice's to change.
    expect((await call('bob', 'POST', `/tickets/${ticketId}/notes`, { body: 'Approved.' })).status).toBe(201);
    expect((await patch('bob', ticketId, seen.body.ticket.version, { priority: 'low' })).status).toBe(403);
  }, 60_000);

  test('the same Idempotency-Key makes one note; an empty note is a 400', async () => {
    const { ticketId } = await newTicket();
    const a = await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: 'Called the courier.' }, { 'idempotency-key': 'k-1' });
    const b = await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: 'Called the courier.' }, { 'idempotency-key': 'k-1' });
    expect(b.body.noteId).toBe(a.body.noteId);
    expect(notesOf((await detail('alice', ticketId)).body)).toHaveLength(1);
    expect((await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: '   ' })).body.errors).toEqual([{ field: 'body', message: 'must not be empty' }]);
    expect((await call('lin', 'POST', `/tickets/${ticketId}/notes`, { body: 'Supervisor here.' })).status).toBe(201);
    expect((await call('root', 'POST', `/tickets/${ticketId}/notes`, { body: 'hi' })).status).toBe(403);
    expect((await call('nobody', 'POST', `/tickets/${ticketId}/notes`, { body: 'hi' })).status).toBe(401);
  }, 60_000);

  test('a long timeline reads page by page, each entry once, in order both ways', async () => {
    const { ticketId } = await newTicket();
    for (let i = 0; i < 23; i++) expect((await call('alice', 'POST', `/tickets/${ticketId}/notes`, { body: `note ${i}` })).status).toBe(201);
    const read = async (order: 'asc' | 'desc') => {
      const entries: { type: string; body?: string; noteId?: string; version?: number }[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await detail('alice', ticketId, `?limit=7&order=${order}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.timeline.length).toBeLessThanOrEqual(7);
        entries.push(...res.body.timeline);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      return { entries, pages };
    };
    const whole = (await detail('alice', ticketId, '?limit=200')).body.timeline as { type: string }[];
    expect(whole.filter((e) => e.type === 'note')).toHaveLength(23);
    const asc = await read('asc');
    expect(asc.entries).toEqual(whole);
    expect(asc.pages).toBe(Math.ceil(whole.length / 7));
    const desc = await read('desc');
    expect(desc.entries).toEqual([...whole].reverse());
  }, 60_000);
});
