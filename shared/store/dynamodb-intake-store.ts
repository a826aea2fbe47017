import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerHandle } from '../../events/inbound-message';
import { handleKey } from '../domain/identity';
import { type Change, joinableStatuses, type Ticket, type TicketSeed } from '../domain/ticket';
import type { AuditEntry, Customer, IntakeStore, StoredMessage } from '../ingest/ports';
import { batchGetAll, unlessConditionFails } from './dynamodb-client';
import { nameEntryItem } from './customer-names';
import { indexKeyUpdate, keys, stripStorage, ticketIndexKeys, updatedKeyOf } from './keys';
import { readTicket } from './reads';

/** The ingest side of the table. Reads that decide anything are strongly consistent. */
export class DynamoDbIntakeStore implements IntakeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async lookup(messageId: string, handles: readonly CustomerHandle[], threadMessageIds: readonly string[] = []) {
    const identityKeys = handles.map((h) => keys.identity(h));
    const threadKeys = threadMessageIds.filter((id) => id !== messageId).map((id) => keys.message(id));
    const items = await batchGetAll(this.db, this.table, dedupeKeys([keys.message(messageId), ...identityKeys, ...threadKeys]));
    const owners = new Map<string, string>();
    let message: StoredMessage | undefined;
    const thread: { at: string; ticketId: string }[] = [];
    for (const item of items) {
      if (item.sk !== 'MESSAGE') owners.set(handleKey(item as unknown as CustomerHandle), item.customerId as string);
      else if (item.pk === keys.message(messageId).pk) message = stripStorage<StoredMessage>(item);
      else thread.push({ at: item.receivedAt as string, ticketId: item.ticketId as string });
    }
    // Latest first: the message most recently answered names the live thread.
    const threadTickets = [...new Set(thread.sort((a, b) => (a.at < b.at ? 1 : -1)).map((t) => t.ticketId))];
    return { ...(message ? { message } : {}), owners, threadTickets };
  }

  async claimIdentity(handle: CustomerHandle, customerId: string, seen: { at: string; channel: string }): Promise<string> {
    const applied = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.identity(handle),
          UpdateExpression:
            'SET customerId = :c, kind = :kind, #value = :value, parentKey = :parent, childKey = :child, firstSeenAt = if_not_exists(firstSeenAt, :at), firstChannel = if_not_exists(firstChannel, :channel)',
          ConditionExpression: 'attribute_not_exists(pk) OR customerId = :c',
          ExpressionAttributeNames: { '#value': 'value' },
          ExpressionAttributeValues: {
            ':c': customerId,
            ':kind': handle.kind,
            ':value': handle.value,
            ':parent': keys.customerParent(customerId),
            ':child': keys.identityChild(handle),
            ':at': seen.at,
            ':channel': seen.channel,
          },
        }),
      ),
    );
    return applied ? customerId : this.holderOf(handle);
  }

  async moveIdentity(handle: CustomerHandle, from: string, to: string): Promise<string> {
    const applied = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.identity(handle),
          // An identity deleted meanwhile (its customer was erased) is claimed for `to`, whole.
          UpdateExpression: 'SET customerId = :to, kind = :kind, #value = :value, parentKey = :parent, childKey = :child',
          ConditionExpression: 'customerId = :from OR attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#value': 'value' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':kind': handle.kind, ':value': handle.value, ':parent': keys.customerParent(to), ':child': keys.identityChild(handle) },
        }),
      ),
    );
    return applied ? to : this.holderOf(handle);
  }

  /** Who holds a handle that a conditional write just found held (so it exists). */
  private async holderOf(handle: CustomerHandle): Promise<string> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.identity(handle), ConsistentRead: true }));
    return out.Item!.customerId as string;
  }

  async retireCustomer(customerId: string, into: string, at: string): Promise<Customer> {
    return this.createCustomer({ customerId, createdAt: at, mergedInto: into });
  }

  async getCustomer(customerId: string): Promise<Customer | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.customer(customerId), ConsistentRead: true }));
    return out.Item ? stripStorage<Customer>(out.Item) : undefined;
  }

  async createCustomer(customer: Customer): Promise<Customer> {
    // The name-search entry first, so a customer stored always has theirs (a retry rewrites it alike).
    const entry = nameEntryItem(customer);
    if (entry) await this.db.send(new PutCommand({ TableName: this.table, Item: entry }));
    const applied = await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          // Also a child of its own byParent partition, so the customer and their identities are one Query.
          Item: { ...keys.customer(customer.customerId), parentKey: keys.customerParent(customer.customerId), childKey: keys.customerChild, ...customer },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (applied) return customer;
    const stored = (await this.getCustomer(customer.customerId))!;
    // Someone else's first contact (or an erasure) came first: the entry follows the stored customer.
    if (entry && stored.displayName !== customer.displayName) {
      const kept = nameEntryItem(stored);
      if (kept) await this.db.send(new PutCommand({ TableName: this.table, Item: kept }));
      else await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.customerName(customer.customerId) }));
    }
    return stored;
  }

  async pointCustomerAt(customerId: string, expected: string | undefined, seed: TicketSeed) {
    const applied = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.customer(customerId),
          UpdateExpression: 'SET currentTicket = :seed, parentKey = :parent, childKey = :child',
          // A customer merged or erased meanwhile takes no new ticket: the message is decided again.
          ConditionExpression: `${
            expected ? 'attribute_exists(pk) AND currentTicket.ticketId = :expected' : 'attribute_exists(pk) AND attribute_not_exists(currentTicket)'
          } AND attribute_not_exists(mergedInto) AND attribute_not_exists(erasedAt)`,
          ExpressionAttributeValues: { ':seed': seed, ':parent': keys.customerParent(customerId), ':child': keys.customerChild, ...(expected ? { ':expected': expected } : {}) },
        }),
      ),
    );
    return applied !== undefined;
  }

  async joinTicket(ticketId: string, message: { key: string; channel: string; at: string }): Promise<Ticket | undefined> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticketId),
          UpdateExpression: 'SET lastMessageKey = :key, lastChannel = :channel, updatedAt = :at, updatedKey = :updatedKey',
          // An erased ticket (its customer's personal data removed) takes no new content, nor one being merged into another.
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(erasedAt) AND attribute_not_exists(mergingInto) AND #status IN (${joinableStatuses.map((_, i) => `:s${i}`).join(', ')}) AND lastMessageKey < :key`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':key': message.key, ':channel': message.channel, ':at': message.at, ':updatedKey': updatedKeyOf(message.at, ticketId), ...Object.fromEntries(joinableStatuses.map((s, i) => [`:s${i}`, s])) },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out && stripStorage<Ticket>(out.Attributes!);
  }

  getTicket(ticketId: string): Promise<Ticket | undefined> {
    return readTicket(this.db, this.table, ticketId);
  }

  async createTicket(ticket: Ticket): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.ticket(ticket.ticketId), ...ticketIndexKeys(ticket), ...ticket },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async changeTicket(ticket: Ticket, change: Change, fields: Partial<Pick<Ticket, 'status' | 'solvedAt'>>): Promise<Ticket | undefined> {
    const next = { ...ticket, ...fields };
    const status = next.status;
    const removeSolvedAt = status !== 'solved' && ticket.solvedAt !== undefined;
    const index = indexKeyUpdate({ ...next, updatedAt: change.at });
    const removed = [...index.remove, ...(removeSolvedAt ? ['solvedAt'] : [])];
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticket.ticketId),
          UpdateExpression: `SET #status = :status, ${Object.keys(index.set).map((a, i) => `${a} = :i${i}`).join(', ')}, version = :next, updatedAt = :at, lastChange = :change${
            next.solvedAt && status === 'solved' ? ', solvedAt = :solvedAt' : ''
          }${removed.length ? ` REMOVE ${removed.join(', ')}` : ''}`,
          ConditionExpression: 'version = :version AND attribute_not_exists(erasedAt) AND attribute_not_exists(mergingInto)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ...Object.fromEntries(Object.values(index.set).map((v, i) => [`:i${i}`, v])),
            ':next': change.version,
            ':version': ticket.version,
            ':at': change.at,
            ':change': change,
            ...(next.solvedAt && status === 'solved' ? { ':solvedAt': next.solvedAt } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out && stripStorage<Ticket>(out.Attributes!);
  }

  async putAudit(entry: AuditEntry): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...keys.audit(entry.ticketId, entry.at, entry.version), ...entry } }));
  }

  async commitMessage(message: StoredMessage): Promise<boolean> {
    const applied = await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.message(message.messageId),
            parentKey: keys.ticketParent(message.ticketId),
            childKey: keys.messageChild(message.receivedAt, message.messageId),
            ...message,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return applied !== undefined;
  }
}

function dedupeKeys(list: { pk: string; sk: string }[]) {
  const seen = new Set<string>();
  return list.filter((k) => !seen.has(k.pk) && seen.add(k.pk));
}
