import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerHandle } from '../../events/inbound-message';
import type { Ticket } from '../domain/ticket';
import type { DeliveryGuard, ReplyStore } from '../replies/ports';
import type { Delivery, LastDelivery, RecentMessage, Reply } from '../replies/reply';
import { unlessConditionFails } from './dynamodb-client';
import { messageIdOf } from '../domain/identity';
import { indexKeyUpdate, keys, stripStorage } from './keys';
import { readHandles, readTicket } from './reads';

/** How far back a reply looks for the customer's latest messages: enough of them, or this many pages of the timeline. */
const RECENT_MESSAGES = 20;
const RECENT_PAGE_ITEMS = 50;
const RECENT_PAGES = 5;

/** Replies and their delivery, on the ticket's timeline (the byParent index, as messages are). */
export class DynamoDbReplyStore implements ReplyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  ticket(ticketId: string): Promise<Ticket | undefined> {
    return readTicket(this.db, this.table, ticketId);
  }

  /** The ticket's latest customer messages, newest first: pages back past replies until it has some, within a bound. */
  async recentMessages(ticketId: string): Promise<RecentMessage[]> {
    const found: RecentMessage[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < RECENT_PAGES && found.length < RECENT_MESSAGES; page++) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byParent',
          KeyConditionExpression: 'parentKey = :parent AND begins_with(childKey, :msg)',
          FilterExpression: '#direction = :inbound',
          ProjectionExpression: '#channel, providerMessageId, replyTo',
          ExpressionAttributeNames: { '#direction': 'direction', '#channel': 'channel' },
          ExpressionAttributeValues: { ':parent': keys.ticketParent(ticketId), ':msg': 'MSG#', ':inbound': 'inbound' },
          ScanIndexForward: false,
          Limit: RECENT_PAGE_ITEMS,
          ExclusiveStartKey: start,
        }),
      );
      found.push(...((out.Items ?? []) as RecentMessage[]));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return found;
  }

  handles(customerId: string): Promise<CustomerHandle[]> {
    return readHandles(this.db, this.table, customerId);
  }

  /** Stores the reply unless one with its id exists; returns the stored one. */
  async createReply(reply: Reply): Promise<Reply> {
    const applied = await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.reply(reply.replyId), parentKey: keys.ticketParent(reply.ticketId), childKey: `MSG#${reply.createdAt}#${reply.replyId}`, ...reply },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return applied ? reply : (await this.reply(reply.replyId))!;
  }

  async reply(replyId: string): Promise<Reply | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.reply(replyId), ConsistentRead: true }));
    return out.Item ? stripStorage<Reply>(out.Item) : undefined;
  }

  async claimDelivery(replyId: string, now: string, leaseUntil: string): Promise<Reply | undefined> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.reply(replyId),
          UpdateExpression: 'SET delivery.#status = :sending, delivery.leaseUntil = :lease',
          // needsAttempt, as a condition: the one check-and-take that concurrent attempts cannot both pass.
          ConditionExpression:
            'attribute_exists(pk) AND (delivery.#status IN (:queued, :retrying) OR (delivery.#status = :failed AND delivery.retryable = :true) OR (delivery.#status = :sending AND delivery.leaseUntil < :now))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending', ':lease': leaseUntil, ':queued': 'queued', ':retrying': 'retrying', ':failed': 'failed', ':true': true, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out && stripStorage<Reply>(out.Attributes!);
  }

  async recordDelivery(replyId: string, delivery: Delivery, guard: DeliveryGuard): Promise<boolean> {
    const condition =
      'claimedUntil' in guard
        ? { expression: 'delivery.#status = :sending AND delivery.leaseUntil = :claim', values: { ':sending': 'sending', ':claim': guard.claimedUntil } }
        : { expression: 'delivery.#status IN (:queued, :failed) AND delivery.attempts = :zero', values: { ':queued': 'queued', ':failed': 'failed', ':zero': 0 } };
    const applied = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.reply(replyId),
          UpdateExpression: 'SET delivery = :delivery',
          ConditionExpression: `attribute_exists(pk) AND ${condition.expression}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':delivery': delivery, ...condition.values },
        }),
      ),
    );
    return applied !== undefined;
  }

  async recordSentAlias(channel: string, providerMessageId: string, ticketId: string, at: string): Promise<void> {
    // The key ingest's lookup reads for the messages a message answers; no parentKey, so not on the timeline.
    const key = keys.message(messageIdOf({ channel, providerMessageId }));
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key, ticketId, receivedAt: at, sentReply: true } }));
  }

  /**
   * The first agent reply's time, kept once; no-op for a ticket that is gone. The deadline lists
   * sort by (the next running deadline: resolution, now) moves with it, unless the ticket changed
   * meanwhile, whose own write derived it already.
   */
  async recordFirstResponse(ticketId: string, at: string): Promise<void> {
    const ticket = await readTicket(this.db, this.table, ticketId);
    if (!ticket || ticket.firstResponseAt) return;
    const index = indexKeyUpdate({ ...ticket, firstResponseAt: at });
    const sets = Object.keys(index.set).map((a, i) => `${a} = :i${i}`);
    const recorded = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticketId),
          UpdateExpression: `SET firstResponseAt = :at, ${sets.join(', ')}${index.remove.length ? ` REMOVE ${index.remove.join(', ')}` : ''}`,
          ConditionExpression: 'version = :version AND attribute_not_exists(firstResponseAt)',
          ExpressionAttributeValues: { ':at': at, ':version': ticket.version, ...Object.fromEntries(Object.values(index.set).map((v, i) => [`:i${i}`, v])) },
        }),
      ),
    );
    if (recorded) return;
    // Changed meanwhile: the time alone, as before.
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticketId),
          UpdateExpression: 'SET firstResponseAt = if_not_exists(firstResponseAt, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  /** The ticket's latest delivery outcome; an older outcome never overwrites a newer one. */
  async recordLastDelivery(ticketId: string, last: LastDelivery): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticketId),
          UpdateExpression: 'SET lastDelivery = :last',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastDelivery) OR lastDelivery.#at <= :at)',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':last': last, ':at': last.at },
        }),
      ),
    );
  }
}
