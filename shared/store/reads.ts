import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamodb-client';
import type { CustomerHandle } from '../../events/inbound-message';
import type { Ticket } from '../domain/ticket';
import { keys, stripStorage } from './keys';

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
