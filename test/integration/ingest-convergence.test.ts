import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import type { CustomerHandle, InboundMessage } from '../../events/inbound-message';
import type { DomainEvent } from '../../events/define';
import { durationToMs } from '../../shared/config';
import { ingestMessage, type IngestDeps } from '../../shared/ingest/ingest-message';
import type { EventPublisher, IntakeStore } from '../../shared/ingest/ports';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { keys } from '../../shared/store/keys';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

/**
 * Idempotency, concurrency and crash-convergence, against dynalite through the real adapter:
 * random deliveries of one customer's messages over several channels, with duplicates, reorderings,
 * concurrent processing, and a failure injected at every write (before or after it lands) and at
 * publishing, each followed by the queue's retry.
 */

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
});
afterAll(() => dynamo.close());

const writes = ['claimIdentity', 'moveIdentity', 'createCustomer', 'retireCustomer', 'pointCustomerAt', 'joinTicket', 'createTicket', 'changeTicket', 'putAudit', 'commitMessage'] as const;

class InjectedFault extends Error {}

type Mode = 'before' | 'after';

/**
 * Counts writes and publishes. At the `failAt`-th one (before or after it takes effect) it either
 * fails, or pauses until `resume()` — the same interleaving without the failure.
 */
function faulty(store: IntakeStore, publisher: EventPublisher, failAt: number, mode: Mode, pause: boolean) {
  let step = 0;
  let resume!: () => void;
  const gate = new Promise<void>((r) => (resume = r));
  let onPause: () => void = () => {};
  const paused = new Promise<void>((r) => (onPause = r));
  const trip = async <T>(run: () => Promise<T>): Promise<T> => {
    step += 1;
    if (step !== failAt) return run();
    const result = mode === 'after' ? await run() : undefined;
    if (!pause) throw new InjectedFault(`injected at step ${step}`);
    onPause();
    await gate;
    return mode === 'after' ? (result as T) : run();
  };
  const wrappedStore = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (!(writes as readonly string[]).includes(String(prop))) return value.bind(target);
      return (...args: unknown[]) => trip(() => value.apply(target, args));
    },
  });
  const wrappedPublisher: EventPublisher = { publish: (events) => trip(() => publisher.publish(events)) };
  return { store: wrappedStore, publisher: wrappedPublisher, steps: () => step, paused, resume };
}

const PHONE: CustomerHandle = { kind: 'phone', value: '+14155550123' };
const channels = ['web', 'sms', 'email', 'whatsapp'] as const;

/** Messages from one customer; each carries the phone (the anchor) and some of their other handles. */
const messagesArb = fc
  .array(
    fc.record({
      channel: fc.constantFrom(...channels),
      minute: fc.integer({ min: 0, max: 600 }),
      withEmail: fc.boolean(),
      withUser: fc.boolean(),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((specs) =>
    specs.map((s, i) =>
      inbound({
        channel: s.channel,
        providerMessageId: `p-${i}`,
        at: new Date(Date.UTC(2026, 10, 23, 9, 0, 0) + s.minute * 60_000 + i).toISOString(),
        customer: {
          handles: [
            PHONE,
            ...(s.withEmail ? [{ kind: 'email' as const, value: 'ana@example.com' }] : []),
            ...(s.withUser ? [{ kind: 'channel-user' as const, value: `${s.channel}:ana` }] : []),
          ],
        },
      }),
    ),
  );

/**
 * A provider's retry of a message: the same provider message id, accepted again by the webhook, so
 * received up to a few seconds later (0: the queue delivering the very same record twice).
 */
const redelivered = (m: InboundMessage, laterMs: number): InboundMessage => ({ ...m, receivedAt: new Date(Date.parse(m.receivedAt) + laterMs).toISOString() });

/**
 * Deliveries: every message at least once, some twice, in any order. `retryDelaysMs` are how much
 * later a second delivery may be received: 0 is the queue handing out the same record again.
 */
const scenarioArb = (retryDelaysMs: readonly number[]) =>
  messagesArb.chain((messages) =>
    fc
      .tuple(fc.array(fc.tuple(fc.nat(messages.length - 1), fc.constantFrom(...retryDelaysMs)), { maxLength: 2 }), fc.boolean())
      .chain(([dupes, solvedBefore]) =>
        fc
          .shuffledSubarray([...messages, ...dupes.map(([i, laterMs]) => redelivered(messages[i], laterMs))], { minLength: messages.length + dupes.length })
          .map((deliveries) => ({ deliveries, solvedBefore })),
      ),
  );

const WINDOW = durationToMs('PT24H');

async function freshWorld(solvedBefore: boolean) {
  const table = await dynamo.freshTable();
  const store = new DynamoDbIntakeStore(dynamo.doc, table);
  if (solvedBefore) {
    // An earlier conversation, solved an hour before: the scenario's messages reopen it.
    const earlier = await ingestMessage({ store, publisher: new RecordingPublisher(), mergeWindowMs: WINDOW }, inbound({ providerMessageId: 'earlier', at: '2026-11-23T07:00:00.000Z', customer: { handles: [PHONE] } }));
    await dynamo.doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.ticket(earlier.ticketId),
        UpdateExpression: 'SET #s = :s, solvedAt = :at, statusKey = :k',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'solved', ':at': '2026-11-23T08:00:00.000Z', ':k': 'STATUS#solved' },
      }),
    );
  }
  return { table, store };
}

/**
 * Runs deliveries one after another. With `fault`, the delivery that reaches step `failAt` either
 * fails and goes back on the queue (its retry comes after the others), or pauses there while the
 * others run and then carries on: the run without failure that the failed one must converge to.
 */
async function runSequential(deliveries: InboundMessage[], solvedBefore: boolean, fault?: { failAt: number; mode: Mode; pause: boolean }) {
  const { table, store } = await freshWorld(solvedBefore);
  const recorder = new RecordingPublisher();
  const f = faulty(store, recorder, fault?.failAt ?? 0, fault?.mode ?? 'before', fault?.pause ?? false);
  const deps: IngestDeps = { store: f.store, publisher: f.publisher, mergeWindowMs: WINDOW };
  const queue = deliveries.map((message) => ({ message, attempts: 0 }));
  let parked: Promise<unknown> | undefined;
  while (queue.length > 0) {
    const next = queue.shift()!;
    const attempt = ingestMessage(deps, next.message, next.attempts > 0);
    const settled = attempt.then(() => 'done' as const, (e: unknown) => e);
    const outcome = parked ? await settled : await Promise.race([settled, f.paused.then(() => 'paused' as const)]);
    if (outcome === 'paused') parked = attempt;
    else if (outcome instanceof InjectedFault) queue.push({ message: next.message, attempts: next.attempts + 1 });
    else if (outcome !== 'done' && outcome !== 'paused') throw outcome;
  }
  f.resume();
  await parked;
  return { state: await dynamo.dump(table), events: recorder.published, steps: f.steps() };
}

const byId = (events: readonly DomainEvent[]) => new Map(events.map((e) => [e.detail.eventId, e]));

test('a failure before or after any write or publish, then the retry, converges to the run without the failure', async () => {
  await fc.assert(
    // The queue's retry is the same record. (Of two provider copies racing, which one's receivedAt the
    // ticket's lastMessageKey shows depends on timing, failure or not; the concurrency test covers them.)
    fc.asyncProperty(scenarioArb([0]), fc.constantFrom<Mode>('before', 'after'), async ({ deliveries, solvedBefore }, mode) => {
      const clean = await runSequential(deliveries, solvedBefore);
      for (let failAt = 1; failAt <= clean.steps; failAt++) {
        const crashed = await runSequential(deliveries, solvedBefore, { failAt, mode, pause: false });
        const paused = await runSequential(deliveries, solvedBefore, { failAt, mode, pause: true });
        expect(crashed.state).toEqual(paused.state);
        // At-least-once with stable ids: the same events, possibly some twice, never a different one.
        expect(byId(crashed.events)).toEqual(byId(paused.events));
      }
    }),
    { numRuns: 12 },
  );
}, 580_000);

test('concurrent deliveries from one customer over several channels make one customer, one ticket, each message once', async () => {
  await fc.assert(
    fc.asyncProperty(scenarioArb([0, 7_000]), fc.nat(40), async ({ deliveries }, failAt) => {
      const { table, store } = await freshWorld(false);
      const recorder = new RecordingPublisher();
      const f = faulty(store, recorder, failAt, 'after', false);
      const deps: IngestDeps = { store: f.store, publisher: f.publisher, mergeWindowMs: WINDOW };
      const deliver = async (m: InboundMessage, redelivery = false): Promise<unknown> => {
        try {
          return await ingestMessage(deps, m, redelivery);
        } catch (error) {
          if (error instanceof InjectedFault) return deliver(m, true);
          throw error;
        }
      };
      await Promise.all(deliveries.map((m) => deliver(m)));

      const items = await dynamo.dump(table);
      const of = (sk: string) => items.filter((i) => i.sk === sk);
      const tickets = of('TICKET');
      const customers = of('CUSTOMER');
      const messages = of('MESSAGE');
      const distinct = new Set(deliveries.map((d) => d.providerMessageId));
      expect(tickets).toHaveLength(1);
      expect(customers).toHaveLength(1);
      expect(customers[0].currentTicket).toMatchObject({ ticketId: tickets[0].ticketId });
      expect(messages.map((m) => m.providerMessageId).sort()).toEqual([...distinct].sort());
      expect(messages.every((m) => m.ticketId === tickets[0].ticketId)).toBe(true);
      expect(of('IDENTITY').every((i) => i.customerId === customers[0].customerId)).toBe(true);
      expect(items.filter((i) => String(i.sk).startsWith('AUDIT#')).map((a) => a.action)).toEqual(['ticket.created']);
      const published = byId(recorder.published);
      expect([...published.values()].filter((e) => e.detailType === 'TicketCreated')).toHaveLength(1);
      expect([...published.values()].filter((e) => e.detailType === 'MessageReceived')).toHaveLength(distinct.size);
    }),
    { numRuns: 40 },
  );
}, 580_000);
