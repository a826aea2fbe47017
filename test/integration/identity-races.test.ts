import fc from 'fast-check';
import type { CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { durationToMs } from '../../shared/config';
import { ingestMessage, type IngestDeps } from '../../shared/ingest/ingest-message';
import type { IntakeStore } from '../../shared/ingest/ports';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';

/**
 * First contacts that race through different but overlapping handles: an SMS from a phone, an
 * email from an address, and a web form carrying both, all at once, their DynamoDB requests
 * interleaved in any order. Two such messages end as processing them one after the other would.
 * With three or four, a rare interleaving may leave one person as two customers (as processing
 * them in some orders also would), but never an orphan, a merge loop, a lost or a doubled message.
 */

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
});
afterAll(() => dynamo.close());

const WINDOW = durationToMs('PT24H');
const HANDLES: Record<string, CustomerHandle> = {
  P: { kind: 'phone', value: '+14155550123' },
  Q: { kind: 'phone', value: '+8613800138000' },
  A: { kind: 'email', value: 'ana@example.com' },
  W: { kind: 'channel-user', value: 'web:ana' },
};

/** Messages from one person, each from a non-empty subset of the handles named by `keys`. */
const messagesArb = (keys: string, count: { minLength: number; maxLength: number }) =>
  fc.array(fc.subarray([...keys], { minLength: 1 }), count).map((subsets) =>
    subsets.map((subset, i) =>
      inbound({
        providerMessageId: `race-${i}-${subset.join('')}`,
        at: new Date(Date.UTC(2026, 10, 23, 9, 0, i)).toISOString(),
        customer: { handles: subset.map((k) => HANDLES[k]) },
      }),
    ),
  );

/** Who holds what, who has which tickets, which messages share one: ids are derived, so comparable across runs. */
async function outcome(table: string): Promise<string> {
  const items = await dynamo.dump(table);
  const customers = new Map(items.filter((i) => i.sk === 'CUSTOMER').map((c) => [c.customerId as string, c]));
  const live = (id: string): string => {
    let current = id;
    for (let hops = 0; customers.get(current)?.mergedInto; hops++) {
      if (hops > 10) throw new Error(`merge chain from ${id} does not end`);
      current = customers.get(current)!.mergedInto as string;
    }
    return current;
  };
  const byCustomer = new Map<string, { handles: string[]; tickets: Map<string, string[]> }>();
  const entry = (id: string) => byCustomer.get(id) ?? byCustomer.set(id, { handles: [], tickets: new Map() }).get(id)!;
  for (const identity of items.filter((i) => i.sk === 'IDENTITY')) entry(live(identity.customerId as string)).handles.push(`${identity.kind}:${identity.value}`);
  const tickets = new Map(items.filter((i) => i.sk === 'TICKET').map((t) => [t.ticketId as string, t.customerId as string]));
  for (const message of items.filter((i) => i.sk === 'MESSAGE')) {
    const owner = tickets.get(message.ticketId as string);
    if (!owner) throw new Error(`message ${message.messageId} is on a ticket that does not exist`);
    const list = entry(owner).tickets;
    list.set(message.ticketId as string, [...(list.get(message.ticketId as string) ?? []), message.providerMessageId as string]);
  }
  for (const [id, c] of byCustomer) {
    if (c.handles.length === 0) throw new Error(`customer ${id} has tickets but no identity`);
    if (c.tickets.size === 0) throw new Error(`customer ${id} holds ${c.handles.join(', ')} but has no ticket`);
    if (!customers.has(id) || customers.get(id)!.mergedInto) throw new Error(`handles lead to ${id}, which is not a live customer`);
  }
  return JSON.stringify(
    [...byCustomer.entries()]
      .map(([id, c]) => ({ id, handles: c.handles.sort(), tickets: [...c.tickets.values()].map((m) => m.sort()).sort() }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  );
}

function permutations<T>(list: readonly T[]): T[][] {
  if (list.length <= 1) return [[...list]];
  return list.flatMap((item, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((rest) => [item, ...rest]));
}

async function sequentialOutcomes(messages: InboundMessage[]): Promise<Set<string>> {
  const outcomes = new Set<string>();
  for (const order of permutations(messages)) {
    const table = await dynamo.freshTable();
    const deps: IngestDeps = { store: new DynamoDbIntakeStore(dynamo.doc, table), publisher: new RecordingPublisher(), mergeWindowMs: WINDOW };
    for (const message of order) await ingestMessage(deps, message);
    outcomes.add(await outcome(table));
  }
  return outcomes;
}

/** Every store call waits for the scheduler's go, so the messages' requests interleave in any order. */
function scheduled(store: IntakeStore, s: fc.Scheduler): IntakeStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => s.schedule(Promise.resolve(), String(prop)).then(() => value.apply(target, args));
    },
  });
}

/** Delivers every message at once, its requests released in the scheduler's order; a delivery that throws goes back on the queue. */
async function deliverConcurrently(messages: InboundMessage[], s: fc.Scheduler): Promise<string> {
  const table = await dynamo.freshTable();
  const deps: IngestDeps = { store: scheduled(new DynamoDbIntakeStore(dynamo.doc, table), s), publisher: new RecordingPublisher(), mergeWindowMs: WINDOW };
  const deliver = async (m: InboundMessage, attempt = 1): Promise<unknown> => {
    try {
      return await ingestMessage(deps, m, attempt > 1);
    } catch (error) {
      if (attempt >= 5) throw error;
      return deliver(m, attempt + 1);
    }
  };
  await s.waitFor(Promise.all(messages.map((m) => deliver(m))));
  return table;
}

test('two racing first contacts with overlapping handles end as one of the two one-at-a-time orders would', async () => {
  await fc.assert(
    fc.asyncProperty(messagesArb('PAW', { minLength: 2, maxLength: 2 }), fc.scheduler(), async (messages, s) => {
      const expected = await sequentialOutcomes(messages);
      expect(expected).toContain(await outcome(await deliverConcurrently(messages, s)));
    }),
    { numRuns: 80 },
  );
}, 300_000);

test('three or four racing first contacts over two phones, an email and a web id: each message stored once, nothing orphaned, no merge loop', async () => {
  await fc.assert(
    fc.asyncProperty(messagesArb('PQAW', { minLength: 3, maxLength: 4 }), fc.scheduler(), async (messages, s) => {
      const table = await deliverConcurrently(messages, s);
      // outcome() throws on an orphan, a handle leading nowhere live, or a merge chain that does not end.
      const customers = JSON.parse(await outcome(table)) as { handles: string[]; tickets: string[][] }[];
      expect(customers.flatMap((c) => c.tickets.flat()).sort()).toEqual(messages.map((m) => m.providerMessageId).sort());
      // Within the merge window, each customer's messages share one ticket.
      for (const c of customers) expect(c.tickets).toHaveLength(1);
    }),
    { numRuns: 80 },
  );
}, 300_000);
