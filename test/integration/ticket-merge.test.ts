import { localClient } from '../../infra/local/dynamodb';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { documentClient } from '../../shared/store/dynamodb-client';
import { apiAs, workspaceRoster } from '../support/api';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';
import { auditOf, conversation } from '../support/timeline';

/** Merging and splitting tickets through the local API: who may, the conversation moved, where the customer's next message goes, triage and routing of a split. */

const config = parseConfig({
  // Agents see only assigned tickets: the 404s below depend on it.
  workspace: { agentsSee: 'assigned' },
  channels: { email: { from: 'help@example.com' } },
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

const merge = (who: Who, targetId: string, sourceTicketId: unknown) => call(who, 'POST', `/tickets/${targetId}/merge`, { sourceTicketId });
const split = (who: Who, ticketId: string, messageId: unknown) => call(who, 'POST', `/tickets/${ticketId}/split`, { messageId });
const detail = async (ticketId: string) => (await call('lin', 'GET', `/tickets/${ticketId}?limit=200`)).body;
const eventsOf = (ticketId: string, type: string) => local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticketId && e['detail-type'] === type);
const agents = () => new DynamoDbAgentStore(documentClient(localClient(local.dynamoEndpoint)), local.tableName);

let sequence = 0;
/** A customer of their own: says things on the web channel (by email address) and by email. */
function customer() {
  const n = ++sequence;
  const email = `merge-${n}-${Date.now()}@example.com`;
  let said = 0;
  return {
    email,
    /** Sends a web message and waits until it is stored; its message id and ticket. */
    async says(text: string): Promise<{ messageId: string; ticketId: string }> {
      const id = `${email}-${++said}`;
      expect((await postSigned(local.url, 'web', JSON.stringify({ messageId: id, customer: { email }, text }))).status).toBe(202);
      const received = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'MessageReceived' && e.detail.messageId === `web:${id}`));
      return { messageId: `web:${id}`, ticketId: received.detail.ticketId as string };
    },
    /** An email whose subject quotes a ticket's reference, as every reply we email does. */
    async emails(subject: string, text: string): Promise<string> {
      const id = `<${email.replace('@', '.')}-${++said}@example.com>`;
      const mail = [`From: <${email}>`, 'To: help@example.com', `Subject: ${subject}`, `Message-ID: ${id}`, `Date: ${new Date().toUTCString()}`, '', text, ''].join('\r\n');
      expect((await postSigned(local.url, 'email', mail)).status).toBe(202);
      const received = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'MessageReceived' && e.detail.channel === 'email' && String(e.detail.messageId).includes(email.replace('@', '.'))));
      return received.detail.ticketId as string;
    },
  };
}

/** Waits until the ticket is assigned (to alice, the one online with the skills) and the workflow's writes have settled. */
async function assigned(ticketId: string): Promise<void> {
  await eventually(async () => eventsOf(ticketId, 'TicketAssigned')[0]);
  await eventually(async () => {
    const first = await detail(ticketId);
    await new Promise((r) => setTimeout(r, 150));
    const second = await detail(ticketId);
    return first.ticket.version === second.ticket.version && second.ticket.assigneeId === 'alice' ? true : undefined;
  });
}

/** One customer's ticket with two messages, and the second split off into a ticket of its own, both assigned. */
async function twoTickets() {
  const ana = customer();
  const first = await ana.says('Hello, I was charged twice for my order, could you refund one payment please?');
  const second = await ana.says('Also, the parcel itself is late, where is my delivery?');
  expect(second.ticketId).toBe(first.ticketId);
  await assigned(first.ticketId);
  const res = await split('alice', first.ticketId, second.messageId);
  expect(res.status).toBe(201);
  const splitId = res.body.ticket.ticketId as string;
  await assigned(splitId);
  return { ana, ticketId: first.ticketId, splitId, first, second };
}

describe('POST /tickets/{id}/split', () => {
  test('the message, and only it, goes to a new open ticket of the same customer, which is triaged and assigned like any new ticket; a retry makes no second one', async () => {
    const ana = customer();
    const first = await ana.says('Hello, I was charged twice for my order, could you refund one payment please?');
    const second = await ana.says('Also, the parcel itself is late, where is my delivery?');
    await assigned(first.ticketId);

    const res = await split('alice', first.ticketId, second.messageId);
    expect(res.status).toBe(201);
    const splitId = res.body.ticket.ticketId as string;
    expect(res.headers.location).toBe(`/tickets/${splitId}`);
    expect(res.body).toMatchObject({ sourceTicketId: first.ticketId, messageId: second.messageId, ticket: { status: 'open', splitFrom: first.ticketId, channel: 'web', subject: 'Also, the parcel itself is late, where is my delivery?' } });

    // Triaged on its own message (delivery, not billing) and routed.
    const triaged = await eventually(async () => eventsOf(splitId, 'TicketTriaged')[0]);
    expect(triaged.detail).toMatchObject({ category: 'delivery', messageIds: [second.messageId] });
    await assigned(splitId);
    expect(eventsOf(splitId, 'TicketSplit')[0]!.detail).toMatchObject({ sourceTicketId: first.ticketId, messageId: second.messageId, actor: { id: 'alice' } });

    const source = await detail(first.ticketId);
    expect(conversation(source).map((e) => e.messageId)).toEqual([first.messageId]);
    expect(source.ticket.splitTo).toEqual([splitId]);
    expect(auditOf(source).find((a) => a.action === 'ticket.split')).toMatchObject({ actor: { type: 'agent', id: 'alice' }, after: { ticketId: splitId, messageId: second.messageId } });
    const created = await detail(splitId);
    expect(conversation(created)).toEqual([expect.objectContaining({ messageId: second.messageId, ticketId: splitId, movedFrom: first.ticketId })]);
    expect(auditOf(created)[0]).toMatchObject({ action: 'ticket.split', before: null, after: { splitFrom: first.ticketId } });
    expect(created.ticket.customerId).toBe(source.ticket.customerId);

    const again = await split('alice', first.ticketId, second.messageId);
    expect(again.status).toBe(201);
    expect(again.body.ticket.ticketId).toBe(splitId);
    expect((await detail(first.ticketId)).ticket.splitTo).toEqual([splitId]);
  }, 90_000);

  test('who may: its agent or a supervisor; another agent does not see it (404), an admin works no tickets (403), no token 401', async () => {
    const ana = customer();
    const first = await ana.says('Hello, I was charged twice for my order, could you refund one payment please?');
    const [second, third] = [await ana.says('Second problem: my login fails'), await ana.says('Third: the app crashes')];
    await assigned(first.ticketId);
    expect((await split('bob', first.ticketId, second.messageId)).status).toBe(404);
    expect((await split('root', first.ticketId, second.messageId)).status).toBe(403);
    expect((await split('nobody', first.ticketId, second.messageId)).status).toBe(401);
    expect((await split('alice', first.ticketId, second.messageId)).status).toBe(201);
    expect((await split('lin', first.ticketId, third.messageId)).status).toBe(201);
  }, 90_000);

  test('not a customer message of the ticket: 400 naming messageId; a malformed body: 400', async () => {
    const { ticketId, splitId } = await twoTickets();
    const other = await customer().says('My parcel is late');
    const elsewhere = await split('lin', ticketId, other.messageId);
    expect(elsewhere).toMatchObject({ status: 400, headers: { 'content-type': 'application/problem+json' }, body: { errors: [{ field: 'messageId' }] } });
    expect((await split('lin', ticketId, 'web:never-sent')).body.errors).toEqual([{ field: 'messageId', message: expect.stringContaining(ticketId) }]);
    expect((await split('lin', splitId, 42)).body.errors).toEqual([{ field: 'messageId', message: expect.any(String) }]);
    expect((await call('lin', 'POST', `/tickets/${ticketId}/split`, 'not json')).status).toBe(400);
  }, 90_000);
});

describe('POST /tickets/{id}/merge', () => {
  test('who may: a supervisor only (agents and admins 403, no token 401)', async () => {
    const { ticketId, splitId } = await twoTickets();
    expect((await merge('alice', ticketId, splitId)).status).toBe(403);
    expect((await merge('bob', ticketId, splitId)).status).toBe(403);
    expect((await merge('root', ticketId, splitId)).status).toBe(403);
    expect((await merge('nobody', ticketId, splitId)).status).toBe(401);
    const res = await merge('lin', ticketId, splitId);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${res.body.ticket.version}"`);
  }, 90_000);

  test('merging the split ticket back restores the conversation; the source closes pointing at the target and its agent is freed', async () => {
    const { ana, ticketId, splitId, first, second } = await twoTickets();
    const third = await ana.says('Any news on the refund?');
    expect(third.ticketId).toBe(ticketId);
    await call('alice', 'POST', `/tickets/${splitId}/notes`, { body: 'courier contacted' });
    expect((await agents().getAgent('alice'))!.activeTickets).toContain(splitId);

    const res = await merge('lin', ticketId, splitId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sourceTicketId: splitId, moved: { messages: 1, replies: 0, notes: 1 }, ticket: { ticketId, mergedFrom: [splitId] } });

    const target = await detail(ticketId);
    expect(conversation(target).map((e) => e.messageId)).toEqual([first.messageId, second.messageId, third.messageId]);
    expect(target.timeline.find((e: { type: string }) => e.type === 'note')).toMatchObject({ body: 'courier contacted', movedFrom: splitId });
    expect(auditOf(target).at(-1)).toMatchObject({ action: 'ticket.merged', actor: { type: 'agent', id: 'lin' }, after: { sourceTicketId: splitId, moved: res.body.moved } });
    const source = await detail(splitId);
    expect(source.ticket).toMatchObject({ status: 'closed', mergedInto: ticketId });
    expect(conversation(source)).toEqual([]);
    // A reply to the source is pointed at the target, and nothing is stored on the source.
    const reply = await call('lin', 'POST', `/tickets/${splitId}/replies`, { text: 'Any update?' });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ type: 'urn:switchboard:problem:ticket-merged', mergedInto: ticketId });
    // Its audit trail stays where it was written, the merge included.
    expect(auditOf(source).map((a) => a.action)).toEqual(expect.arrayContaining(['ticket.split', 'ticket.merged']));

    const merged = await eventually(async () => eventsOf(ticketId, 'TicketMerged')[0]);
    expect(merged.detail).toMatchObject({ sourceTicketId: splitId, actor: { type: 'agent', id: 'lin' }, moved: res.body.moved });
    expect(JSON.stringify(merged.detail)).not.toMatch(/refund|parcel|courier/);
    await eventually(async () => eventsOf(splitId, 'TicketStatusChanged').find((e) => e.detail.to === 'closed'));
    // FreeAgents: the closed source leaves alice's load.
    await eventually(async () => ((await agents().getAgent('alice'))!.activeTickets.includes(splitId) ? undefined : true));

    // The same request again: the same answer, nothing more.
    const again = await merge('lin', ticketId, splitId);
    expect(again.status).toBe(200);
    expect(again.body.moved).toEqual(res.body.moved);
    expect(again.body.ticket.version).toBe(res.body.ticket.version);
  }, 90_000);

  test("merging the customer's current ticket: the customer's next message, and an email quoting the source, land on the target", async () => {
    const { ana, ticketId, splitId, first, second } = await twoTickets();
    const res = await merge('lin', splitId, ticketId);
    expect(res.status).toBe(200);
    const target = await detail(splitId);
    // In time order: the first message (moved here) before the one split off.
    expect(conversation(target).map((e) => e.messageId)).toEqual([first.messageId, second.messageId]);

    expect((await ana.says('Is anyone there?')).ticketId).toBe(splitId);
    expect(await ana.emails(`Re: Your request [#${ticketId}]`, 'Replying to the old thread')).toBe(splitId);
    expect((await detail(ticketId)).ticket).toMatchObject({ status: 'closed', mergedInto: splitId });
  }, 90_000);

  test('refusals say why: into itself 400, an unknown ticket 404, another customer\'s ticket 409 (merge the customers), a closed one 409', async () => {
    const { ticketId, splitId } = await twoTickets();
    const other = await customer().says('My parcel is late');
    expect((await merge('lin', ticketId, ticketId)).body).toMatchObject({ status: 400, errors: [{ field: 'sourceTicketId' }] });
    expect((await merge('lin', ticketId, 'tkt_0000000000000000')).status).toBe(404);
    expect((await merge('lin', 'tkt_0000000000000000', ticketId)).status).toBe(404);
    expect((await merge('lin', ticketId, 'nope')).body.errors).toEqual([{ field: 'sourceTicketId', message: expect.stringContaining('tkt_') }]);
    const foreign = await merge('lin', ticketId, other.ticketId);
    expect(foreign.status).toBe(409);
    expect(foreign.body).toMatchObject({ type: 'urn:switchboard:problem:different-customers', merge: { method: 'POST', body: { sourceCustomerId: expect.stringMatching(/^cus_/) } } });
    expect((await merge('lin', ticketId, splitId)).status).toBe(200);
    const closed = await merge('lin', splitId, ticketId);
    expect(closed).toMatchObject({ status: 409, body: { type: 'urn:switchboard:problem:merge-not-allowed', mergedInto: ticketId } });
  }, 90_000);
});
