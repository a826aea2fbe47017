import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './dynamodb-client';
import type { Ticket } from '../domain/ticket';
import { keys, stripStorage } from './keys';

/** What triage reads about the tickets of a batch of messages. */
export interface TriageReads {
  /** In one round trip (per 100 keys): the tickets, the messages' texts, and the customers' tiers. */
  load(ticketIds: readonly string[], messageIds: readonly string[], customerIds: readonly string[]): Promise<{
    tickets: Map<string, Ticket>;
    texts: Map<string, string>;
    tiers: Map<string, string>;
  }>;
  /** Customer messages on the ticket received at or after `since`. */
  messagesSince(ticketId: string, since: string): Promise<number>;
  /** The agent of the customer's latest other ticket. */
  previousAgent(customerId: string, exceptTicketId: string): Promise<string | undefined>;
}

export class DynamoDbTriageReads implements TriageReads {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async load(ticketIds: readonly string[], messageIds: readonly string[], customerIds: readonly string[]) {
    const wanted = [...new Set(ticketIds)].map(keys.ticket).concat([...new Set(messageIds)].map(keys.message), [...new Set(customerIds)].map(keys.customer));
    const items = await batchGetAll(this.db, this.table, wanted);
    const tickets = new Map<string, Ticket>();
    const texts = new Map<string, string>();
    const tiers = new Map<string, string>();
    for (const item of items) {
      if (item.sk === 'TICKET') tickets.set(item.ticketId as string, stripStorage<Ticket>(item));
      else if (item.sk === 'MESSAGE') texts.set(item.messageId as string, typeof item.text === 'string' ? item.text : '');
      else if (item.sk === 'CUSTOMER' && typeof item.tier === 'string') tiers.set(item.customerId as string, item.tier);
    }
    return { tickets, texts, tiers };
  }

  async messagesSince(ticketId: string, since: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byParent',
          KeyConditionExpression: 'parentKey = :ticket AND childKey BETWEEN :since AND :end',
          FilterExpression: 'direction = :inbound',
          ExpressionAttributeValues: { ':ticket': keys.ticketParent(ticketId), ':since': `MSG#${since}`, ':end': 'MSG#\uffff', ':inbound': 'inbound' },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async previousAgent(customerId: string, exceptTicketId: string): Promise<string | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customerKey = :customer',
        // A ticket's customerKey in the byCustomer index is its customer's parent key.
        ExpressionAttributeValues: { ':customer': keys.customerParent(customerId) },
        // The list indexes copy no ticketId: the ticket's key says it.
        ProjectionExpression: 'pk, assigneeId',
        ScanIndexForward: false,
        Limit: 5,
      }),
    );
    return (out.Items ?? []).find((t) => t.pk !== keys.ticket(exceptTicketId).pk && typeof t.assigneeId === 'string')?.assigneeId as string | undefined;
  }
}
