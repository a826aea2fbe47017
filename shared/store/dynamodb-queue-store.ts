import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { QueuedTicket } from '../routing/queue';
import { keys, stripStorage } from './keys';

/** Tickets waiting for an agent, in one ordered partition of the byParent index (highest priority, then oldest, first). */
export interface QueueStore {
  put(entry: QueuedTicket): Promise<void>;
  remove(ticketId: string): Promise<void>;
  /** The best-ranked waiting tickets, up to `limit`. */
  list(limit: number): Promise<QueuedTicket[]>;
}

export class DynamoDbQueueStore implements QueueStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(entry: QueuedTicket): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...keys.queued(entry.ticketId), parentKey: keys.queueParent, childKey: entry.rank, ...entry } }));
  }

  async remove(ticketId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.queued(ticketId) }));
  }

  async list(limit: number): Promise<QueuedTicket[]> {
    const entries: QueuedTicket[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byParent',
          KeyConditionExpression: 'parentKey = :queue',
          ExpressionAttributeValues: { ':queue': keys.queueParent },
          Limit: limit - entries.length,
          ExclusiveStartKey: start,
        }),
      );
      entries.push(...(out.Items ?? []).map((item) => stripStorage<QueuedTicket>(item)));
      start = out.LastEvaluatedKey;
    } while (start && entries.length < limit);
    return entries;
  }
}
