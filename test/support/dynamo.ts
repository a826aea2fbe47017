import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynalite } from '../../infra/local/dynamodb';
import { documentClient } from '../../shared/store/dynamodb-client';

let counter = 0;

/** A dynalite in memory for one test file; `freshTable()` gives each test its own empty table. */
export async function dynamoForTests() {
  const dynamo = await startDynalite();
  const client = localClient(dynamo.endpoint);
  const doc = documentClient(client);
  return {
    client,
    doc,
    endpoint: dynamo.endpoint,
    async freshTable(): Promise<string> {
      const name = `switchboard-test-${process.pid}-${++counter}`;
      await ensureTable(client, name);
      return name;
    },
    /** Every item, sorted, for comparing whole states (tests only: no request path scans). */
    async dump(table: string): Promise<Record<string, unknown>[]> {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}
