import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, queryAll } from './dynamodb-client';
import type { CustomerHandle } from '../../events/inbound-message';
import type { Ticket } from '../domain/ticket';
import { keys, stripStorage } from './keys';
import { ticketSummaryAttributes } from './table-design';

/** Reads several stores share, written once. */

/** The ticket, strongly consistent: whoever reads it next may decide on it. */
export async function readTicket(db: DynamoDBDocumentClient, table: string, ticketId: string): Promise<Ticket | undefined> {
  const out = await db.send(new GetCommand({ TableName: table, Key: keys.ticket(ticketId), ConsistentRead: true }));
  return out.Item ? stripStorage<Ticket>(out.Item) : undefined;
}

/** Every handle a customer is known by (the byParent index; customers hold a handful). */
export async function readHandles(db: DynamoDBDocumentClient, table: string, customerId: string): Promise<CustomerHandle[]> {
  return (await queryAll(db, {
    TableName: table,
    IndexName: 'byParent',
    KeyConditionExpression: 'parentKey = :parent AND begins_with(childKey, :identity)',
    ProjectionExpression: '#kind, #value',
    ExpressionAttributeNames: { '#kind': 'kind', '#value': 'value' },
    ExpressionAttributeValues: { ':parent': keys.customerParent(customerId), ':identity': 'IDENTITY#' },
  })) as unknown as CustomerHandle[];
}

/**
 * The list rows of the tickets a list index returned, in its order: read from the tickets (one
 * BatchGetItem per 100), since the indexes copy only what filters need. A ticket gone meanwhile
 * (never, short of a table edit) is left out.
 */
export async function ticketRows<T>(db: DynamoDBDocumentClient, table: string, indexItems: readonly Record<string, unknown>[]): Promise<T[]> {
  if (indexItems.length === 0) return [];
  const names = Object.fromEntries(ticketSummaryAttributes.map((a, i) => [`#a${i}`, a]));
  const items = await batchGetAll(db, table, indexItems.map((i) => ({ pk: i.pk, sk: i.sk })), { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names });
  const byId = new Map(items.map((i) => [String(i.ticketId), i]));
  return indexItems.flatMap((i) => {
    const row = byId.get(String(i.pk).slice('TICKET#'.length));
    return row ? [row as T] : [];
  });
}
