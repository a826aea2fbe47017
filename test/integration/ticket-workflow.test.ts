import { issueDevToken } from '../../infra/local/dev-tokens';
import type { BusEvent } from '../../infra/local/event-bus';
import { localClient } from '../../infra/local/dynamodb';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { parseConfig } from '../../shared/config';
import type { Ticket } from '../../shared/domain/ticket';
import { documentClient } from '../../shared/store/dynamodb-client';
import { readTicket } from '../../shared/store/reads';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { postSigned } from '../support/channel-requests';
import { eventually } from '../support/eventually';
import { auditOf } from '../support/timeline';

/**
 * The ticket workflow as synthesized by its CDK construct, run by aws-local-stepfunctions with its
 * waits compressed to a few milliseconds, through the real workflow, triage and routing handlers
 * against dynalite and the local bus. Deadlines are hours away: only the compression makes them due.
 */

const config = parseConfig({
  sla: {
    policies: [
      { priority: 'critical', firstResponse: 'PT15M', resolution: 'PT4H' },
      { priority: 'high', firstResponse: 'PT2H', resolution: 'PT24H' },
      { priority: 'normal', firstResponse: 'PT24H', resolution: 'P3D' },
      { priority: 'low', firstResponse: 'P2D', resolution: 'P7D' },
    ],
    escalation: [
      { after: 'PT0S', actions: ['notify-supervisor', 'raise-priority'] },
      { after: 'PT1H', actions: ['escalation-queue'] },
    ],
  },
  routing: {
    sampleAgents: [
      { agentId: 'alice', skills: ['language:en', 'category:delivery', 'category:billing'], capacity: 1, presence: 'online', supervisorId: 'sam' },
      { agentId: 'sam', skills: ['language:en', 'queue:escalation'], capacity: 2, presence: 'offline' },
    ],
  },
});

let local: LocalSwitchboard;
beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1, workflow: { waitMs: 30, retryMs: 10 } });
}, 60_000);
// Closing waits for work in flight (a workflow task, a poll) to finish.
afterAll(() => local?.close(), 30_000);
const db = (on: LocalSwitchboard) => documentClient(localClient(on.dynamoEndpoint));

const eventsOf = (ticketId: string, type?: string): BusEvent[] =>
  local.bus.delivered.get('EventLog')!.filter((e) => e.detail.ticketId === ticketId && (!type || e['detail-type'] === type));
const ticketOf = (ticketId: string, on = local) => readTicket(db(on), on.tableName, ticketId) as Promise<Ticket>;

let sequence = 0;
async function newTicket(text: string, email = `c${++sequence}@example.com`): Promise<string> {
  const body = JSON.stringify({ messageId: `wf-${sequence}-${Date.now()}`, customer: { email }, text });
  expect((await postSigned(local.url, 'web', body)).status).toBe(202);
  const triaged = await eventually(async () => local.bus.delivered.get('EventLog')!.find((e) => e['detail-type'] === 'TicketTriaged' && e.detail.messageIds && (e.detail.messageIds as string[])[0]!.startsWith(`web:wf-${sequence}-`)));
  return triaged.detail.ticketId as string;
}

test('an unanswered critical ticket warns, breaches and climbs the escalation ladder, all on the ticket and in its audit trail', async () => {
  const id = await newTicket('This is UNACCEPTABLE!!! The parcel is late again, I am furious and I will call my lawyer.');
  await eventually(async () => (eventsOf(id, 'TicketEscalated').length >= 2 ? true : undefined));
  const types = eventsOf(id).map((e) => e['detail-type']);
  const order = ['TicketTriaged', 'TicketAssigned', 'SlaWarning', 'SlaBreached', 'TicketEscalated'];
  expect(order.map((t) => types.indexOf(t))).toEqual([...order.map((t) => types.indexOf(t))].sort((a, b) => a - b));
  expect(eventsOf(id, 'SlaWarning')[0]!.detail.clock).toBe('firstResponse');
  const [level1, level2] = eventsOf(id, 'TicketEscalated').map((e) => e.detail);
  expect(level1).toMatchObject({ level: 1, supervisorId: 'sam', assigneeId: 'alice', previousPriority: 'critical', priority: 'critical' });
  expect(level2).toMatchObject({ level: 2, actions: ['escalation-queue'] });

  // sam (escalation) is offline: the ticket waits in the escalation queue, and alice is freed.
  const queued = await eventually(async () => eventsOf(id, 'TicketQueued').find((e) => (e.detail.requiredSkills as string[])[0] === 'queue:escalation'));
  expect(queued.detail.queue).toBe('queue:escalation');
  const alice = (await new DynamoDbAgentStore(db(local), local.tableName).getAgent('alice'))!;
  expect(alice.activeTickets).not.toContain(id);
  const ticket = await ticketOf(id);
  expect(ticket).toMatchObject({ escalated: true, priority: 'critical', requiredSkills: ['queue:escalation'] });
  expect(ticket.assigneeId).toBeUndefined();
  expect(ticket.sla).toMatchObject({ escalationLevel: 2, breaches: { firstResponse: expect.any(String) } });
  const detail = (await (await fetch(`${local.url}/tickets/${id}`, { headers: { authorization: `Bearer ${await issueDevToken(local.signingKey, { sub: 'alice', role: 'agent' })}` } })).json()) as {
    audit: { action: string }[];
  };
  expect(auditOf(detail).map((a) => a.action)).toEqual(expect.arrayContaining(['ticket.triaged', 'ticket.assigned', 'ticket.sla', 'ticket.escalated', 'ticket.queued']));

  // The supervisor comes online: the queued ticket is theirs at once (an event, not a poll).
  const token = await issueDevToken(local.signingKey, { sub: 'sam', role: 'supervisor' });
  await fetch(`${local.url}/agents/me/presence`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"presence":"online"}' });
  const assigned = await eventually(async () => eventsOf(id, 'TicketAssigned').find((e) => e.detail.agentId === 'sam'));
  expect(assigned.detail.reason).toBe('from-queue');
}, 60_000);

