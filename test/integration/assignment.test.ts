import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { durationToMs, type Priority, parseConfig } from '../../shared/config';
import type { Ticket } from '../../shared/domain/ticket';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import type { AgentSeed } from '../../shared/config';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbQueueStore } from '../../shared/store/dynamodb-queue-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { keys } from '../../shared/store/keys';
import { assignTicket, dispatchTo, finishTicket, Roster, type RoutingDeps } from '../../shared/workflow/assignment';
import { runTask } from '../../shared/workflow/tasks';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

/** Assignment and the workflow's tasks against dynalite: capacity, preference, the skill queue, the SLA clocks. */

const config = parseConfig({});
let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
});
afterAll(() => dynamo.close());

const en = ['language:en', 'category:billing'];
let clock = Date.parse('2026-11-23T09:00:00.000Z');

async function setup(agents: AgentSeed[], rosterTtlMs = 0) {
  const table = await dynamo.freshTable();
  const agentStore = new DynamoDbAgentStore(dynamo.doc, table);
  await agentStore.seed(agents, new Date(clock).toISOString());
  const publisher = new RecordingPublisher();
  const deps: RoutingDeps = {
    tickets: new DynamoDbTicketChanges(dynamo.doc, table),
    agents: agentStore,
    roster: new Roster(agentStore, rosterTtlMs),
    queue: new DynamoDbQueueStore(dynamo.doc, table),
    publisher,
    config,
    now: () => new Date((clock += 1000)),
  };
  const intake = { store: new DynamoDbIntakeStore(dynamo.doc, table), publisher: new RecordingPublisher(), mergeWindowMs: durationToMs('PT24H') };
  let n = 0;
  /** A triaged English billing ticket of a new customer. */
  const ticket = async (fields: Partial<Pick<Ticket, 'priority' | 'previousAgentId'>> = {}): Promise<Ticket> => {
    const at = new Date((clock += 1000)).toISOString();
    const { ticketId } = await ingestMessage(intake, inbound({ at, providerMessageId: `t${++n}`, customer: { handles: [{ kind: 'email', value: `c${n}@example.com` }] } }));
    const t = (await deps.tickets.getTicket(ticketId))!;
    const change = { version: t.version + 1, action: 'ticket.triaged' as const, actor: { type: 'system' as const, id: 'test' }, at, before: null, after: {} };
    return (await deps.tickets.change(t, change, { language: 'en', category: 'billing', priority: 'normal', ...fields }))!;
  };
  return { deps, publisher, ticket, agentStore, table };
}

const agent = (agentId: string, capacity: number, extra: Partial<AgentSeed> = {}): AgentSeed => ({ agentId, team: 'support', skills: en, capacity, presence: 'online', ...extra });

test('many tickets at once never overfill an agent; the rest wait in the queue', async () => {
  const { deps, ticket, agentStore } = await setup([agent('alice', 3), agent('bob', 3)], 60_000);
  const tickets = await Promise.all(Array.from({ length: 20 }, () => ticket()));
  const outcomes = await Promise.all(tickets.map((t) => assignTicket(deps, t)));
  expect(outcomes.filter((o) => o.kind === 'assigned')).toHaveLength(6);
  expect(outcomes.filter((o) => o.kind === 'queued')).toHaveLength(14);
  for (const a of await agentStore.listAgents()) {
    expect(a.activeTickets).toHaveLength(3);
    for (const id of a.activeTickets) expect((await deps.tickets.getTicket(id))!.assigneeId).toBe(a.agentId);
  }
  expect(await deps.queue.list(100)).toHaveLength(14);
});

test("the customer's previous agent gets the ticket while eligible, even when busier", async () => {
  const { deps, ticket } = await setup([agent('alice', 5), agent('bob', 5)]);
  await assignTicket(deps, await ticket({ previousAgentId: 'bob' }));
  const outcome = await assignTicket(deps, await ticket({ previousAgentId: 'bob' }));
  expect(outcome).toMatchObject({ kind: 'assigned', agentId: 'bob' });
  expect(deps.publisher instanceof RecordingPublisher && deps.publisher.published.at(-1)!.detail).toMatchObject({ reason: 'previous-agent', previousAgentId: 'bob' });
});

test('a stale roster costs a refused claim, not a wrong assignment', async () => {
  const { deps, ticket, agentStore } = await setup([agent('alice', 5), agent('bob', 5)], 60_000);
  await deps.roster.current();
  await agentStore.setPresence('alice', 'offline', new Date(clock).toISOString());
  await agentStore.setPresence('bob', 'offline', new Date(clock).toISOString());
  expect(await assignTicket(deps, await ticket())).toMatchObject({ kind: 'queued' });
  expect((await agentStore.listAgents()).flatMap((a) => a.activeTickets)).toEqual([]);
});

test('a freed agent takes the best-ranked ticket they can: highest priority, then oldest', async () => {
  const { deps, ticket, agentStore } = await setup([agent('alice', 1)]);
  const busy = await ticket();
  await assignTicket(deps, busy);
  const order: [string, Priority][] = [];
  for (const p of ['normal', 'critical', 'low', 'critical'] as Priority[]) {
    const t = await ticket({ priority: p });
    await assignTicket(deps, t);
    order.push([t.ticketId, p]);
  }
  // Freed, alice takes the older critical one; capacity 1, so only that.
  await finishTicket(deps, (await deps.tickets.getTicket(busy.ticketId))!);
  expect((await agentStore.getAgent('alice'))!.activeTickets).toEqual([order[1]![0]]);
  expect((await deps.queue.list(10)).map((q) => q.ticketId)).toEqual([order[3]![0], order[0]![0], order[2]![0]]);
  // Raising capacity (what PUT /agents/{id} announces) lets her take the rest, best first.
  await agentStore.upsertAgent({ agentId: 'alice', team: 'support', skills: en, capacity: 4 }, new Date(clock).toISOString());
  expect(await dispatchTo(deps, 'alice')).toBe(3);
  expect(await deps.queue.list(10)).toEqual([]);
});

test('a ticket solved before it could be assigned takes no slot', async () => {
  const { deps, ticket, agentStore, table } = await setup([agent('alice', 2)]);
  const t = await ticket();
  // Solved by someone else after this assigner read it.
  await dynamo.doc.send(
    new UpdateCommand({ TableName: table, Key: keys.ticket(t.ticketId), UpdateExpression: 'SET #s = :s, version = :v', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'solved', ':v': t.version + 1 } }),
  );
  expect(await assignTicket(deps, t)).toMatchObject({ kind: 'skipped', reason: 'closed' });
  expect((await agentStore.getAgent('alice'))!.activeTickets).toEqual([]);
  expect(await deps.queue.list(10)).toEqual([]);
});

test('a slot left behind by a crashed attempt is given back when the ticket is assigned', async () => {
  const { deps, ticket, agentStore } = await setup([agent('alice', 2), agent('bob', 2, { presence: 'away' })]);
  const t = await ticket();
  // An earlier attempt claimed bob, then died before writing the ticket; bob went away since.
  await agentStore.setPresence('bob', 'online', new Date(clock).toISOString());
  await agentStore.claim('bob', t.ticketId, [], new Date(clock).toISOString());
  await agentStore.setPresence('bob', 'away', new Date(clock).toISOString());
  expect(await assignTicket(deps, t)).toMatchObject({ kind: 'assigned', agentId: 'alice' });
  expect((await agentStore.getAgent('bob'))!.activeTickets).toEqual([]);
});

test('a queue entry whose ticket is not marked queued yet (being written) is left alone by a freed agent', async () => {
  const { deps, ticket } = await setup([agent('alice', 2)]);
  const t = await ticket();
  await deps.queue.put({ ticketId: t.ticketId, customerId: t.customerId, priority: 'normal', queuedAt: new Date(clock).toISOString(), requiredSkills: en, rank: `2#${new Date(clock).toISOString()}#${t.ticketId}` });
  expect(await dispatchTo(deps, 'alice')).toBe(0);
  expect((await deps.queue.list(10)).map((q) => q.ticketId)).toEqual([t.ticketId]);
});

describe('workflow tasks', () => {
  const started = (ticketId: string, type: string, detail: Record<string, unknown> = {}) => ({
    action: 'start' as const,
    event: { 'detail-type': type, detail: { ticketId, occurredAt: new Date(clock).toISOString(), ...detail } },
  });

  test('a start delivered twice assigns once, and the deadlines are on the ticket after the first check', async () => {
    const { deps, ticket, agentStore, publisher } = await setup([agent('alice', 2)]);
    const t = await ticket();
    await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    const run = await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    expect((await agentStore.getAgent('alice'))!.activeTickets).toEqual([t.ticketId]);
    const assigned = publisher.published.filter((e) => e.detailType === 'TicketAssigned');
    // The second start republished the same assignment (same id), nothing more.
    expect(new Set(assigned.map((e) => e.detail.eventId)).size).toBe(1);
    await runTask(deps, { action: 'check', ticketId: t.ticketId, generation: run.generation, nextCheckAt: null });
    expect((await deps.tickets.getTicket(t.ticketId))!.sla).toMatchObject({ firstResponseDueAt: expect.any(String), resolutionDueAt: expect.any(String) });
  });

  test('a late "to pending" event does not stop the clock of a ticket that is open again', async () => {
    const { deps, ticket } = await setup([agent('alice', 2)]);
    const t = await ticket();
    await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    await runTask(deps, started(t.ticketId, 'TicketStatusChanged', { from: 'open', to: 'pending' }));
    expect((await deps.tickets.getTicket(t.ticketId))!.sla!.pausedSince).toBeUndefined();
  });

  test('a ticket waiting in its queue is checked without being queued again', async () => {
    const { deps, ticket, publisher } = await setup([agent('alice', 0)]);
    const t = await ticket();
    const run = await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    expect((await deps.tickets.getTicket(t.ticketId))!.queuedAt).toBeDefined();
    const first = await runTask(deps, { action: 'check', ticketId: t.ticketId, generation: run.generation, nextCheckAt: null });
    const version = (await deps.tickets.getTicket(t.ticketId))!.version;
    const again = await runTask(deps, { action: 'check', ticketId: t.ticketId, generation: run.generation, nextCheckAt: null });
    expect(again).toEqual(first);
    expect((await deps.tickets.getTicket(t.ticketId))!.version).toBe(version);
    expect(publisher.published.filter((e) => e.detailType === 'TicketQueued')).toHaveLength(1);
  });

  test('a check gives a waiting ticket to an agent whose freeing was never announced', async () => {
    const { deps, ticket, agentStore } = await setup([agent('alice', 0)]);
    const t = await ticket();
    const run = await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    expect((await deps.tickets.getTicket(t.ticketId))!.queuedAt).toBeDefined();
    // Capacity raised without the AgentAvailabilityChanged that would have dispatched to her.
    await agentStore.upsertAgent({ agentId: 'alice', team: 'support', skills: en, capacity: 1 }, new Date(clock).toISOString());
    await runTask(deps, { action: 'check', ticketId: t.ticketId, generation: run.generation, nextCheckAt: null });
    expect((await deps.tickets.getTicket(t.ticketId))!).toMatchObject({ assigneeId: 'alice' });
    expect(await deps.queue.list(10)).toEqual([]);
  });

  test('a new run takes over: the older run ends at its next check', async () => {
    const { deps, ticket } = await setup([agent('alice', 2)]);
    const t = await ticket();
    const first = await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    const second = await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    expect([first.generation, second.generation]).toEqual([1, 2]);
    expect(await runTask(deps, { action: 'check', ticketId: t.ticketId, generation: 1, nextCheckAt: null })).toMatchObject({ done: true });
    expect(await runTask(deps, { action: 'check', ticketId: t.ticketId, generation: 2, nextCheckAt: null })).toMatchObject({ done: false, nextCheckAt: expect.any(String) });
  });

  test('pending stops the resolution clock; the customer answering starts it again, later by the time paused', async () => {
    const { deps, ticket, table } = await setup([agent('alice', 2)]);
    const t = await ticket();
    await runTask(deps, started(t.ticketId, 'TicketTriaged'));
    const before = (await deps.tickets.getTicket(t.ticketId))!.sla!;
    const setStatus = (status: string) =>
      dynamo.doc.send(new UpdateCommand({ TableName: table, Key: keys.ticket(t.ticketId), UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': status } }));
    await setStatus('pending');
    await runTask(deps, started(t.ticketId, 'TicketStatusChanged', { from: 'open', to: 'pending' }));
    expect((await deps.tickets.getTicket(t.ticketId))!.sla!.pausedSince).toBeDefined();
    clock += 3_600_000;
    await setStatus('open');
    await runTask(deps, started(t.ticketId, 'TicketStatusChanged', { from: 'pending', to: 'open' }));
    const after = (await deps.tickets.getTicket(t.ticketId))!.sla!;
    expect(after.pausedSince).toBeUndefined();
    expect(after.pausedMs - before.pausedMs).toBeGreaterThanOrEqual(3_600_000);
    expect(after.generation).toBe(before.generation + 2);
  });
});

describe('crash points', () => {
  test('an assignment written but not announced is announced by the retry', async () => {
    const { deps, ticket, agentStore, publisher } = await setup([agent('alice', 2), agent('bob', 2)]);
    const t = await ticket({ previousAgentId: 'bob' });
    const failing = { ...deps, publisher: { publish: () => Promise.reject(new Error('bus down')) } };
    await expect(assignTicket(failing, t)).rejects.toThrow('bus down');
    expect(publisher.published).toEqual([]);
    // The retried workflow start records its SLA clocks first, so the assignment is no longer the latest change.
    const assigned = (await deps.tickets.getTicket(t.ticketId))!;
    await deps.tickets.change(assigned, { version: assigned.version + 1, action: 'ticket.sla', actor: { type: 'system', id: 'sla' }, at: assigned.updatedAt, before: null, after: {} }, {});
    const retried = await assignTicket(deps, (await deps.tickets.getTicket(t.ticketId))!);
    expect(retried).toMatchObject({ kind: 'skipped', reason: 'already-assigned' });
    expect(publisher.published.map((e) => [e.detailType, e.detail.agentId])).toEqual([['TicketAssigned', 'bob']]);
    expect((await agentStore.getAgent('bob'))!.activeTickets).toEqual([t.ticketId]);
  });

  test('claims that keep failing while someone else assigns the ticket leave that assignment alone', async () => {
    const { deps, ticket, agentStore } = await setup([agent('alice', 2), agent('bob', 2)]);
    const t = await ticket();
    let claims = 0;
    const racing = {
      ...deps,
      agents: {
        ...agentStore,
        getAgent: agentStore.getAgent.bind(agentStore),
        release: agentStore.release.bind(agentStore),
        listAgents: agentStore.listAgents.bind(agentStore),
        // Every claim of this assigner is refused; meanwhile bob gets the ticket through his queue.
        claim: async () => {
          if (++claims === 3) await assignTicket(deps, (await deps.tickets.getTicket(t.ticketId))!);
          return undefined;
        },
      },
    };
    const outcome = await assignTicket(racing, t);
    expect(outcome).toMatchObject({ kind: 'skipped', reason: 'already-assigned' });
    const now = (await deps.tickets.getTicket(t.ticketId))!;
    expect(now.assigneeId).toBeDefined();
    expect(now.queuedAt).toBeUndefined();
    expect((await agentStore.getAgent(now.assigneeId!))!.activeTickets).toEqual([t.ticketId]);
    expect(await deps.queue.list(10)).toEqual([]);
  });
});
