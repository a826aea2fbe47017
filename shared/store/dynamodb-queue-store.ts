import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamodb-client';
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
    const items = await queryAll(
      this.db,
      { TableName: this.table, IndexName: 'byParent', KeyConditionExpression: 'parentKey = :queue', ExpressionAttributeValues: { ':queue': keys.queueParent } },
      limit,
    );
    return items.map((item) => stripStorage<QueuedTicket>(item));
  }
}
