import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Change, Ticket, TicketSeed } from '../domain/ticket';
import type { SplitMessage } from '../tickets/merge';
import { queryAll, unlessConditionFails } from './dynamodb-client';
import { keys, stripStorage, ticketIndexKeys } from './keys';
import { readTicket } from './reads';

/** An item on a ticket's timeline, by its key. */
export interface TimelineItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** What merging and splitting tickets need from storage. Every write is conditional or idempotent. */
export interface TicketMergeStore {
  getTicket(ticketId: string): Promise<Ticket | undefined>;
  /**
   * Records the intent to merge `source` into `targetId` (`mergingInto`), if the source is still at
   * the version read and neither closed nor in another merge: from then on no message joins it.
   * Not a versioned change (an agent's pending edit stays valid); undefined if the source moved on.
   */
  markMerging(source: Ticket, targetId: string): Promise<Ticket | undefined>;
  /** Takes the intent back (the target turned out unable to take it); only this intent. */
  unmarkMerging(sourceId: string, targetId: string): Promise<void>;
  /** Points the customer at `to` if they point at `fromTicketId`; false if they point elsewhere. */
  movePointer(customerId: string, fromTicketId: string, to: TicketSeed): Promise<boolean>;
  /** The keys of every item on the ticket's timeline (messages, replies, notes, audit entries). */
  timelineKeys(ticketId: string): Promise<TimelineItemKey[]>;
  /** Moves one timeline item to another ticket, remembering where from; false if it is not on `fromTicketId` (moved already). */
  moveItem(item: TimelineItemKey, fromTicketId: string, toTicketId: string): Promise<boolean>;
  /** Moves a stored message (`moveItem` by its id). */
  moveMessage(messageId: string, fromTicketId: string, toTicketId: string): Promise<boolean>;
  /** The keys of the items on `ticketId`'s timeline that were moved there from `fromTicketId`. */
  movedFrom(ticketId: string, fromTicketId: string): Promise<string[]>;
  /** Makes `lastMessageKey` (and `lastChannel`) the given message's if it is later than the ticket's. */
  advanceLatest(ticketId: string, lastMessageKey: string, channel: string): Promise<void>;
  /** Writes a change's audit entry again (a crash between a change and its entry leaves it missing). */
  putAudit(ticketId: string, change: Change): Promise<void>;
  getMessage(messageId: string): Promise<SplitMessage | undefined>;
  /** Creates the ticket unless it exists; returns the stored one (an earlier attempt's, on a retry). */
  createTicket(ticket: Ticket): Promise<Ticket>;
  /**
   * Takes back a ticket just created that nothing refers to (a split whose message a merge moved
   * first): the ticket, if still at its first version, and its creation's audit entry.
   */
  discardNewTicket(ticket: Ticket): Promise<void>;
}

export class DynamoDbTicketMergeStore implements TicketMergeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  getTicket(ticketId: string): Promise<Ticket | undefined> {
    return readTicket(this.db, this.table, ticketId);
  }

  async markMerging(source: Ticket, targetId: string): Promise<Ticket | undefined> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(source.ticketId),
          UpdateExpression: 'SET mergingInto = :target',
          ConditionExpression: 'version = :version AND #status <> :closed AND attribute_not_exists(mergingInto) AND attribute_not_exists(mergedInto)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':target': targetId, ':version': source.version, ':closed': 'closed' },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out && stripStorage<Ticket>(out.Attributes!);
  }

  async unmarkMerging(sourceId: string, targetId: string): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(sourceId),
          UpdateExpression: 'REMOVE mergingInto',
          ConditionExpression: 'mergingInto = :target',
          ExpressionAttributeValues: { ':target': targetId },
        }),
      ),
    );
  }

  async movePointer(customerId: string, fromTicketId: string, to: TicketSeed): Promise<boolean> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.customer(customerId),
          UpdateExpression: 'SET currentTicket = :to',
          ConditionExpression: 'currentTicket.ticketId = :from',
          ExpressionAttributeValues: { ':to': to, ':from': fromTicketId },
        }),
      ),
    );
    return out !== undefined;
  }

  async timelineKeys(ticketId: string): Promise<TimelineItemKey[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'byParent',
      KeyConditionExpression: 'parentKey = :parent AND begins_with(childKey, :timeline)',
      ProjectionExpression: 'pk, sk',
      ExpressionAttributeValues: { ':parent': keys.ticketParent(ticketId), ':timeline': keys.timelinePrefix },
    });
    return items.map((i) => ({ pk: String(i.pk), sk: String(i.sk) }));
  }

  async moveItem(item: TimelineItemKey, fromTicketId: string, toTicketId: string): Promise<boolean> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: item.pk, sk: item.sk },
          // The timeline key (`MSG#<at>#<id>`) stays: the item takes its place in time on the other ticket.
          UpdateExpression: 'SET parentKey = :to, ticketId = :toId, movedFrom = :fromId',
          ConditionExpression: 'parentKey = :from',
          ExpressionAttributeValues: { ':to': keys.ticketParent(toTicketId), ':toId': toTicketId, ':from': keys.ticketParent(fromTicketId), ':fromId': fromTicketId },
        }),
      ),
    );
    return out !== undefined;
  }

  moveMessage(messageId: string, fromTicketId: string, toTicketId: string): Promise<boolean> {
    return this.moveItem(keys.message(messageId), fromTicketId, toTicketId);
  }

  async movedFrom(ticketId: string, fromTicketId: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'byParent',
      KeyConditionExpression: 'parentKey = :parent AND begins_with(childKey, :timeline)',
      FilterExpression: 'movedFrom = :from',
      ProjectionExpression: 'pk',
      ExpressionAttributeValues: { ':parent': keys.ticketParent(ticketId), ':timeline': keys.timelinePrefix, ':from': fromTicketId },
    });
    return items.map((i) => String(i.pk));
  }

  async advanceLatest(ticketId: string, lastMessageKey: string, channel: string): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticketId),
          UpdateExpression: 'SET lastMessageKey = :key, lastChannel = :channel',
          ConditionExpression: 'attribute_exists(pk) AND lastMessageKey < :key',
          ExpressionAttributeValues: { ':key': lastMessageKey, ':channel': channel },
        }),
      ),
    );
  }

  async putAudit(ticketId: string, change: Change): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...keys.audit(ticketId, change.at, change.version), ...change, ticketId } }));
  }

  async getMessage(messageId: string): Promise<SplitMessage | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.message(messageId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { events: _events, ...message } = stripStorage<Record<string, unknown>>(out.Item);
    // A sent reply's alias carries only the ticket it threads to.
    return { messageId, ...message } as unknown as SplitMessage;
  }

  async createTicket(ticket: Ticket): Promise<Ticket> {
    const created = await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.ticket(ticket.ticketId), ...ticketIndexKeys(ticket), ...ticket },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return created ? ticket : (await this.getTicket(ticket.ticketId))!;
  }

  async discardNewTicket(ticket: Ticket): Promise<void> {
    const deleted = await unlessConditionFails(
      this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.ticket(ticket.ticketId), ConditionExpression: 'version = :first', ExpressionAttributeValues: { ':first': 1 } })),
    );
    if (!deleted) return;
    const { pk, sk } = keys.audit(ticket.ticketId, ticket.lastChange.at, 1);
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk, sk } }));
  }
}
