import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** A document client with the house marshalling options; endpoints come from the SDK's own
 * environment variables (AWS_ENDPOINT_URL_DYNAMODB in local mode). */
export function documentClient(client = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** A conditional write's result, or undefined when its condition did not hold (someone else's write came first). */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Every item a query matches, page by page, up to `limit` items. */
export async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput, limit = Infinity): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start, ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}) }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items;
}

/** BatchGetItem's limit on keys per request. */
const BATCH_GET_LIMIT = 100;

/** Every item of `keys` that exists, strongly consistent: requests of up to 100 keys, unprocessed keys asked again. */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  projection: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } | Record<string, never> = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_LIMIT);
    while (pending.length > 0) {
      const out = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true, ...projection } } }));
      items.push(...(out.Responses?.[table] ?? []));
      pending = (out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return items;
}

/**
 * A page of a parent's children in the byParent index whose childKey starts with `prefix`, in
 * order, after the child `after` (excluded), with whether more follow. Reads one more than the
 * page; DynamoDB may stop a read short at 1 MB, so it reads on until it has them.
 */
export async function childrenPage(
  db: DynamoDBDocumentClient,
  table: string,
  { parent, prefix, after, limit, ascending = true }: { parent: string; prefix: string; after?: string; limit: number; ascending?: boolean },
): Promise<{ items: Record<string, unknown>[]; hasMore: boolean }> {
  // After a cursor: BETWEEN it (dropped from the page) and the end of the prefix's range.
  const end = `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
  const range = after === undefined ? 'begins_with(childKey, :prefix)' : 'childKey BETWEEN :from AND :to';
  const values = after === undefined ? { ':prefix': prefix } : ascending ? { ':from': after, ':to': end } : { ':from': prefix, ':to': after };
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'byParent',
        KeyConditionExpression: `parentKey = :parent AND ${range}`,
        ExpressionAttributeValues: { ':parent': parent, ...values },
        ScanIndexForward: ascending,
        Limit: limit + 1 - items.length + (after === undefined ? 0 : 1),
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []).filter((i) => i.childKey !== after));
    start = out.LastEvaluatedKey;
  } while (start && items.length <= limit);
  return { items: items.slice(0, limit), hasMore: items.length > limit };
}
