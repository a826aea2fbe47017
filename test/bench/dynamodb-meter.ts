import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../infra/local/dynamodb';
import { durationToMs, parseConfig } from '../../shared/config';
import type { IngestDeps } from '../../shared/ingest/ingest-message';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { RecordingPublisher } from '../support/messages';

/**
 * Counts what a DynamoDBClient sends, by command, and the capacity DynamoDB (here dynalite) says it
 * consumed. Works for the plain client and for a document client built on it: lib-dynamodb commands
 * run through the wrapped client's middleware stack under the low-level command's name.
 */

/** Classification used throughout the benchmark (and by the stack's IAM grants). */
export const readCommands = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
export const writeCommands = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const capacityCommands = new Set([...readCommands, ...writeCommands]);

/** One successful single-item write: enough to work out afterwards which indexes it touched. */
export interface WriteRecord {
  readonly command: 'PutItem' | 'UpdateItem';
  readonly table: string;
  readonly key: { pk: string; sk: string };
  /** Top-level attribute names the write set or removed (for an update, every name in its expression). */
  readonly attributes: ReadonlySet<string>;
}

export interface MeterReading {
  readonly requests: Map<string, number>;
  /** Requests that failed, by `Command:ErrorName` (e.g. a conditional check that failed). */
  readonly failures: Map<string, number>;
  /** Successful responses of capacity-reporting commands that carried no ConsumedCapacity. */
  readonly withoutCapacity: Map<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly writes: readonly WriteRecord[];
}

export interface Meter {
  reset(): void;
  read(): MeterReading;
}

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** A string key attribute in either document (`'x'`) or wire (`{ S: 'x' }`) form. */
const keyString = (value: unknown): string => (typeof value === 'string' ? value : String((value as { S?: string })?.S ?? ''));

function writeRecord(command: string, input: Record<string, any>): WriteRecord | undefined {
  if (command === 'PutItem' && input.Item) {
    const item = input.Item as Record<string, unknown>;
    return { command, table: input.TableName, key: { pk: keyString(item.pk), sk: keyString(item.sk) }, attributes: new Set(Object.keys(item)) };
  }
  if (command === 'UpdateItem' && input.Key) {
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const tokens = String(input.UpdateExpression ?? '').match(/(?<![:#\w])#?[A-Za-z_]\w*/g) ?? [];
    // Names only: `:values` are skipped, `#names` resolved, function names and clause keywords dropped.
    const keywords = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'if_not_exists', 'list_append']);
    const attributes = new Set(tokens.filter((t) => !keywords.has(t)).map((t) => (t.startsWith('#') ? names[t] ?? t : t)));
    return { command, table: input.TableName, key: { pk: keyString(input.Key.pk), sk: keyString(input.Key.sk) }, attributes };
  }
  return undefined;
}

export function attachMeter(client: DynamoDBClient): Meter {
  let requests = new Map<string, number>();
  let failures = new Map<string, number>();
  let withoutCapacity = new Map<string, number>();
  let readUnits = 0;
  let writeUnits = 0;
  let writes: WriteRecord[] = [];

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      bump(requests, command);
      const reportsCapacity = capacityCommands.has(command);
      const input = args.input as Record<string, unknown>;
      const metered = reportsCapacity ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } } : args;
      try {
        const result = await next(metered);
        const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
        if (reportsCapacity) {
          const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
          const units = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
          if (list.length === 0) bump(withoutCapacity, command);
          if (readCommands.has(command)) readUnits += units;
          else writeUnits += units;
        }
        const record = writeRecord(command, input);
        if (record) writes.push(record);
        return result;
      } catch (error) {
        bump(failures, `${command}:${(error as { name?: string }).name ?? 'Error'}`);
        throw error;
      }
    },
    { step: 'initialize', name: 'benchDynamoDbMeter', override: true },
  );

  return {
    reset() {
      requests = new Map();
      failures = new Map();
      withoutCapacity = new Map();
      readUnits = 0;
      writeUnits = 0;
      writes = [];
    },
    read: () => ({ requests, failures, withoutCapacity, readUnits, writeUnits, writes }),
  };
}

export function countBy(reading: MeterReading, kind: Set<string>): number {
  let n = 0;
  for (const [command, count] of reading.requests) if (kind.has(command)) n += count;
  return n;
}

/** A fresh table and ingest wired to it through a metered client, with the default merge window; events are recorded, not sent. */
export async function meteredIngest(client: DynamoDBClient, table: string): Promise<{ meter: Meter; deps: IngestDeps }> {
  await ensureTable(client, table);
  const meter = attachMeter(client);
  const deps: IngestDeps = {
    store: new DynamoDbIntakeStore(documentClient(client), table),
    publisher: new RecordingPublisher(),
    mergeWindowMs: durationToMs(parseConfig({}).mergeWindow),
  };
  return { meter, deps };
}
