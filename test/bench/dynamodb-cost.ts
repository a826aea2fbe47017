import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { InboundMessage } from '../../events/inbound-message';
import { localClient, startDynalite } from '../../infra/local/dynamodb';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { tableDesign } from '../../shared/store/table-design';
import { inbound } from '../support/messages';
import { countBy, meteredIngest, type MeterReading, readCommands, type WriteRecord, writeCommands } from './dynamodb-meter';
import { fmt } from './stats';

/**
 * Part 1: what one message costs in DynamoDB requests and capacity units, for the three paths
 * through ingest. Runs `ingestMessage` with the real DynamoDB store against an in-memory dynalite,
 * one message at a time (no contention), and averages over `perCase` messages.
 */

export type CostCase = 'created' | 'merged' | 'duplicate';

export interface CaseCost {
  readonly name: CostCase;
  readonly label: string;
  readonly messages: number;
  readonly outcomes: Record<string, number>;
  readonly requests: number;
  readonly reads: number;
  readonly writes: number;
  readonly byCommand: [string, number][];
  readonly rcu: number;
  readonly wcu: number;
  readonly failures: [string, number][];
  readonly withoutCapacity: [string, number][];
  /** Estimated GSI write requests and units DynamoDB would add (dynalite reports the base table only). */
  readonly indexWrites: number;
  readonly indexWcu: number;
}

export interface CostResult {
  readonly perCase: number;
  readonly handlesPerMessage: number;
  readonly cases: CaseCost[];
}

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

export async function measureDynamoDbCost(perCase = 50): Promise<CostResult> {
  const dynamo = await startDynalite();
  const client = localClient(dynamo.endpoint);
  const inspector = localClient(dynamo.endpoint); // unmetered: reads items back for the index estimate
  const table = 'bench-cost';
  const { meter, deps } = await meteredIngest(client, table);

  const firsts: InboundMessage[] = [];
  const followUps: InboundMessage[] = [];
  for (let i = 0; i < perCase; i++) {
    const customer = { handles: [{ kind: 'email' as const, value: `cost-${i}@bench.example` }], displayName: `Customer ${i}` };
    firsts.push(inbound({ providerMessageId: `cost-first-${i}`, customer, text: `My order ${1000 + i} has not arrived yet`, at: iso(T0 + i * 1000) }));
    followUps.push(inbound({ providerMessageId: `cost-follow-${i}`, customer, text: 'Any news on this? It is a gift.', at: iso(T0 + 3_600_000 + i * 1000) }));
  }

  const runCase = async (name: CostCase, label: string, messages: InboundMessage[]): Promise<CaseCost> => {
    const outcomes: Record<string, number> = {};
    let indexWrites = 0;
    let indexWcu = 0;
    meter.reset();
    for (const message of messages) {
      const before = meter.read().writes.length;
      const { outcome } = await ingestMessage(deps, message, false);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const estimate = await estimateIndexWrites(inspector, meter.read().writes.slice(before));
      indexWrites += estimate.writes;
      indexWcu += estimate.units;
    }
    return summarize(name, label, messages.length, outcomes, meter.read(), indexWrites, indexWcu);
  };

  try {
    const cases = [
      await runCase('created', '(a) new customer → new ticket', firsts),
      await runCase('merged', '(b) known customer → merged into open ticket', followUps),
      await runCase('duplicate', '(c) duplicate (same provider message id again)', followUps),
    ];
    return { perCase, handlesPerMessage: 1, cases };
  } finally {
    client.destroy();
    inspector.destroy();
    await dynamo.close();
  }
}

function summarize(name: CostCase, label: string, n: number, outcomes: Record<string, number>, r: MeterReading, indexWrites: number, indexWcu: number): CaseCost {
  const total = [...r.requests.values()].reduce((s, v) => s + v, 0);
  return {
    name,
    label,
    messages: n,
    outcomes,
    requests: total / n,
    reads: countBy(r, readCommands) / n,
    writes: countBy(r, writeCommands) / n,
    byCommand: [...r.requests].sort().map(([c, v]) => [c, v / n]),
    rcu: r.readUnits / n,
    wcu: r.writeUnits / n,
    failures: [...r.failures].map(([c, v]) => [c, v / n]),
    withoutCapacity: [...r.withoutCapacity],
    indexWrites: indexWrites / n,
    indexWcu: indexWcu / n,
  };
}

/**
 * dynalite reports base-table capacity only; DynamoDB also charges a write on every GSI an item
 * write lands in (keys present, and a key or projected attribute written). This reads each written
 * item back and applies that rule with the table design. An estimate: a write that moves an item
 * between index keys costs DynamoDB two index writes, counted here as one.
 */
async function estimateIndexWrites(client: DynamoDBClient, writes: readonly WriteRecord[]) {
  let count = 0;
  let units = 0;
  for (const write of writes) {
    const out = await client.send(new GetItemCommand({ TableName: write.table, Key: { pk: { S: write.key.pk }, sk: { S: write.key.sk } } }));
    const item = out.Item;
    if (!item) continue;
    for (const index of tableDesign.indexes) {
      if (!item[index.partitionKey] || !item[index.sortKey]) continue;
      const keyAttributes = ['pk', 'sk', index.partitionKey, index.sortKey];
      const projected = 'nonKeyAttributes' in index && index.nonKeyAttributes ? [...keyAttributes, ...index.nonKeyAttributes] : Object.keys(item);
      const touched = write.command === 'PutItem' || projected.some((a) => write.attributes.has(a));
      if (!touched) continue;
      const projection = Object.fromEntries(projected.filter((a) => item[a]).map((a) => [a, item[a]]));
      count += 1;
      units += Math.max(1, Math.ceil(itemSize(projection) / 1024));
    }
  }
  return { writes: count, units };
}

/** DynamoDB's item size rules, closely enough for capacity estimates. */
function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/[-.]/g, '').replace(/^0+/, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L !== undefined) return 3 + v.L.reduce((s, e) => s + 1 + valueSize(e), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((s, [k, e]) => s + 1 + Buffer.byteLength(k) + valueSize(e), 0);
  if (v.SS !== undefined) return v.SS.reduce((s, e) => s + Buffer.byteLength(e), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, e) => s + e.length, 0);
  return 0;
}

export function printDynamoDbCost(result: CostResult): void {
  console.log(`\n## 1. DynamoDB cost per message (ingestMessage → DynamoDbIntakeStore → dynalite, ${result.perCase} messages per case, ${result.handlesPerMessage} handle per message, sequential)\n`);
  for (const c of result.cases) {
    const outcomes = Object.entries(c.outcomes).map(([k, v]) => `${k}=${v}`).join(', ');
    console.log(`${c.label}   [outcomes: ${outcomes}]`);
    console.log(`  requests/msg ${fmt(c.requests)}  (reads ${fmt(c.reads)}, writes ${fmt(c.writes)})   RCU/msg ${fmt(c.rcu)}   WCU/msg ${fmt(c.wcu)} (base table, as dynalite reports)`);
    console.log(`  by command/msg: ${c.byCommand.map(([cmd, v]) => `${cmd} ${fmt(v)}`).join(', ')}`);
    console.log(`  est. GSI writes/msg ${fmt(c.indexWrites)}, est. GSI WCU/msg ${fmt(c.indexWcu)} (not reported by dynalite; estimated from the table design)`);
    if (c.failures.length > 0) console.log(`  failed requests/msg: ${c.failures.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} (DynamoDB charges WCU for failed conditional writes; not included above)`);
    if (c.withoutCapacity.length > 0) console.log(`  responses WITHOUT ConsumedCapacity from dynalite: ${c.withoutCapacity.map(([k, v]) => `${k} ×${v}`).join(', ')} (their units are missing above)`);
    else console.log('  dynalite returned ConsumedCapacity on every successful response');
  }
}
