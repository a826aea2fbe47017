import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { domainEvent, TicketStatusChanged } from '../../events';
import { localClient } from '../../infra/local/dynamodb';
import { LOCAL_BUS, type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import type { Ticket } from '../../shared/domain/ticket';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { documentClient } from '../../shared/store/dynamodb-client';
import { keys } from '../../shared/store/keys';
import { readTicket } from '../../shared/store/reads';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';

/** Agents freed by finished tickets take what waits for them, in real time (day-long targets: no SLA event interferes). */

const config = parseConfig({
  routing: { sampleAgents: [{ agentId: 'alice', skills: ['language:en', 'category:delivery', 'category:billing'], capacity: 1, presence: 'online' }] },
});
let local: LocalSwitchboard;
beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
}, 60_000);
// Closing waits for work in flight (a workflow task, a poll) to finish.
afterAll(() => local?.close(), 30_000);

const eventsOf = (ticketId: string, type: string) => local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticketId && e['detail-type'] === type);

let sequence = 0;
async function newTicket(text: string): Promise<string> {
  const messageId = `rt-${++sequence}`;
  expect((await postSigned(local.url, 'web', JSON.stringify({ messageId, customer: { email: `${messageId}@example.com` }, text }))).status).toBe(202);
  const triaged = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'TicketTriaged' && (e.detail.messageIds as string[])[0] === `web:${messageId}`));
  return triaged.detail.ticketId as string;
}

/** What the agent workspace will do (PATCH /tickets/{id}): the status written, and its event published. */
async function changeStatus(ticketId: string, to: Ticket['status']) {
  const db = documentClient(localClient(local.dynamoEndpoint));
  const ticket = (await readTicket(db, local.tableName, ticketId))!;
  await db.send(
    new UpdateCommand({
      TableName: local.tableName,
      Key: keys.ticket(ticketId),
      UpdateExpression: 'SET #s = :s, statusKey = :k, version = :v',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': to, ':k': `STATUS#${to}`, ':v': ticket.version + 1 },
    }),
  );
  const bus = new EventBridgeClient({ endpoint: local.bus.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await new EventBridgePublisher(bus, LOCAL_BUS).publish([
    domainEvent(TicketStatusChanged, {
      eventId: `${ticketId}:v${ticket.version + 1}`,
      version: 1,
      occurredAt: new Date().toISOString(),
      ticketId,
      customerId: ticket.customerId,
      from: ticket.status,
      to,
      actor: { type: 'agent', id: 'alice' },
    }),
  ]);
}

test('solving a ticket frees its agent, who takes the next ticket in the queue at once', async () => {
  const a = await newTicket('Hello, my invoice shows the wrong address, could you fix it?');
  expect((await eventually(async () => eventsOf(a, 'TicketAssigned')[0])).detail.agentId).toBe('alice');
  // alice (capacity 1) is full: the next English billing ticket waits.
  const b = await newTicket('Hi, I was charged twice for my order, please refund one payment.');
  await eventually(async () => eventsOf(b, 'TicketQueued')[0]);
  expect(eventsOf(b, 'TicketAssigned')).toEqual([]);

  await changeStatus(a, 'solved');
  const assigned = await eventually(async () => eventsOf(b, 'TicketAssigned')[0]);
  expect(assigned.detail).toMatchObject({ agentId: 'alice', reason: 'from-queue' });
  expect(local.workflows.failures).toEqual([]);
}, 60_000);
