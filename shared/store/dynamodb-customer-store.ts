import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerHandle } from '../../events/inbound-message';
import { type CustomerChange, type CustomerRecord, type IdentityRecord, versionOf } from '../customers/customer';
import { erasurePlan, type ErasurePlan } from '../customers/erasure';
import type { CustomerSnapshot, CustomerStore, CustomerWrite, NameHit, StoredItem, TicketItems, TicketRow } from '../customers/ports';
import { type Change, type TicketSeed, ticketFromSeed } from '../domain/ticket';
import { nameEntryItem } from './customer-names';
import { queryAll, unlessConditionFails } from './dynamodb-client';
import { DynamoDbIntakeStore } from './dynamodb-intake-store';
import { keys, stripStorage } from './keys';
import { ticketRows } from './reads';

/** The byParent children a customer view reads at most: identities and satisfaction scores, newest first. */
const MAX_VIEW_CHILDREN = 500;

/**
 * A customer with their identities and satisfaction scores, in one Query: the customer item is a
 * child of its own byParent partition (childKey `CUSTOMER`), beside its identities (`IDENTITY#…`)
 * and scores (`CSAT#<at>#<ticketId>`). Newest first, so a customer with very many scores loses the
 * oldest, never an identity. A customer not indexed yet (stored before the index held customers,
 * or an index lagging its write) costs one GetItem more. The ticket detail shows its customer with it.
 */
export async function readCustomerView(db: DynamoDBDocumentClient, table: string, customerId: string): Promise<CustomerSnapshot | undefined> {
  const items = await queryAll(
    db,
    {
      TableName: table,
      IndexName: 'byParent',
      KeyConditionExpression: 'parentKey = :parent',
      ExpressionAttributeValues: { ':parent': keys.customerParent(customerId) },
      ScanIndexForward: false,
    },
    MAX_VIEW_CHILDREN,
  );
  const childKey = (i: StoredItem) => String(i.childKey);
  const indexed = items.find((i) => childKey(i) === keys.customerChild);
  const customer =
    indexed ?? (await db.send(new GetCommand({ TableName: table, Key: keys.customer(customerId), ConsistentRead: true }))).Item;
  if (!customer) return undefined;
  return {
    customer: stripStorage<CustomerRecord>(customer),
    identities: items.filter((i) => childKey(i).startsWith('IDENTITY#')).map((i) => stripStorage<IdentityRecord>(i)),
    csat: items.filter((i) => childKey(i).startsWith('CSAT#')).map((i) => stripStorage<StoredItem>(i)),
  };
}

/** The customer side of the table: the customer API's reads and writes. */
export class DynamoDbCustomerStore implements CustomerStore {
  /** Identities and seeded tickets are written exactly as ingest writes them. */
  private readonly intake: DynamoDbIntakeStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.intake = new DynamoDbIntakeStore(db, table);
  }

  snapshot(customerId: string): Promise<CustomerSnapshot | undefined> {
    return readCustomerView(this.db, this.table, customerId);
  }

  async recentTickets(customerId: string, limit: number): Promise<{ tickets: TicketRow[]; hasMore: boolean }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customerKey = :customer',
        // A ticket's customerKey in the byCustomer index is its customer's parent key.
        ExpressionAttributeValues: { ':customer': keys.customerParent(customerId) },
        ScanIndexForward: false,
        Limit: limit + 1,
      }),
    );
    const items = out.Items ?? [];
    return { tickets: await ticketRows<TicketRow>(this.db, this.table, items.slice(0, limit)), hasMore: items.length > limit };
  }

  async getCustomer(customerId: string): Promise<CustomerRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.customer(customerId), ConsistentRead: true }));
    return out.Item ? stripStorage<CustomerRecord>(out.Item) : undefined;
  }

  async change(customer: CustomerRecord, change: CustomerChange, write: CustomerWrite): Promise<CustomerRecord | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':version': versionOf(customer),
      ':next': change.version,
      ':at': change.at,
      ':change': change,
      ':parent': keys.customerParent(customer.customerId),
      ':child': keys.customerChild,
    };
    // Indexed as its own byParent child on every write, so a customer stored before that was so gets indexed.
    const sets = ['version = :next', 'updatedAt = :at', 'lastChange = :change', 'parentKey = :parent', 'childKey = :child'];
    const removes: string[] = [];
    Object.entries(write.set ?? {}).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#s${i}`] = field;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    (write.remove ?? []).forEach((field, i) => {
      names[`#r${i}`] = field;
      removes.push(`#r${i}`);
    });
    // Customers stored before versions existed are at version 1 without the attribute.
    const conditions = ['attribute_exists(pk)', versionOf(customer) === 1 ? '(attribute_not_exists(version) OR version = :version)' : 'version = :version'];
    if (write.mergedFrom) {
      values[':mergedFrom'] = [write.mergedFrom];
      values[':source'] = write.mergedFrom;
      values[':none'] = [];
      sets.push('mergedFrom = list_append(if_not_exists(mergedFrom, :none), :mergedFrom)');
      conditions.push('NOT contains(mergedFrom, :source)');
    }
    if (write.live) conditions.push('attribute_not_exists(mergedInto)', 'attribute_not_exists(erasedAt)');
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.customer(customer.customerId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!out) return undefined;
    await this.putAudit(customer.customerId, change);
    return stripStorage<CustomerRecord>(out.Attributes!);
  }

  async putAudit(customerId: string, change: CustomerChange): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...keys.customerAudit(customerId, change.at, change.version), ...change, customerId } }));
  }

  audit(customerId: string): Promise<StoredItem[]> {
    return queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': keys.customer(customerId).pk, ':audit': 'AUDIT#' },
      ConsistentRead: true,
    });
  }

  async saveNameEntry(customer: CustomerRecord): Promise<void> {
    const entry = nameEntryItem(customer);
    if (entry) await this.db.send(new PutCommand({ TableName: this.table, Item: entry }));
    else await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.customerName(customer.customerId) }));
  }

  async searchNames(partition: string, prefix: string, limit: number): Promise<NameHit[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byParent',
        KeyConditionExpression: 'parentKey = :partition AND begins_with(childKey, :prefix)',
        ExpressionAttributeValues: { ':partition': keys.customerNameParent(partition), ':prefix': prefix },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({
      customerId: i.customerId as string,
      ...(typeof i.displayName === 'string' ? { displayName: i.displayName } : {}),
      ...(typeof i.tier === 'string' ? { tier: i.tier } : {}),
    }));
  }

  async identityHolder(handle: CustomerHandle): Promise<string | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.identity(handle) }));
    return out.Item?.customerId as string | undefined;
  }

  async identitiesOf(customerId: string): Promise<IdentityRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'byParent',
      KeyConditionExpression: 'parentKey = :parent AND begins_with(childKey, :identity)',
      ExpressionAttributeValues: { ':parent': keys.customerParent(customerId), ':identity': 'IDENTITY#' },
    });
    return items.map((i) => stripStorage<IdentityRecord>(i));
  }

  async addIdentity(handle: CustomerHandle, customerId: string, addedBy: string, at: string): Promise<{ holder: string; created: boolean; verified: boolean }> {
    // Removed meanwhile between the refused write and the read: try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const applied = await unlessConditionFails(
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...keys.identity(handle),
              kind: handle.kind,
              value: handle.value,
              customerId,
              parentKey: keys.customerParent(customerId),
              childKey: keys.identityChild(handle),
              verified: false,
              addedBy,
              addedAt: at,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (applied) return { holder: customerId, created: true, verified: false };
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.identity(handle), ConsistentRead: true }));
      if (out.Item) return { holder: out.Item.customerId as string, created: false, verified: out.Item.verified !== false };
    }
    throw new Error('an identity kept changing while it was being added');
  }

  async removeIdentity(handle: CustomerHandle, customerId: string): Promise<boolean> {
    const out = await unlessConditionFails(
      this.db.send(
        new DeleteCommand({ TableName: this.table, Key: keys.identity(handle), ConditionExpression: 'customerId = :c', ExpressionAttributeValues: { ':c': customerId } }),
      ),
    );
    return out !== undefined;
  }

  async releaseIdentity(handle: CustomerHandle, from: string, to: string, at: string): Promise<void> {
    // The record first: a handle is only ever handed to a customer that exists.
    await this.intake.createCustomer({ customerId: to, createdAt: at });
    await this.intake.moveIdentity(handle, from, to);
  }

  moveIdentity(handle: CustomerHandle, from: string, to: string): Promise<string> {
    return this.intake.moveIdentity(handle, from, to);
  }

  async moveChildren(from: string, to: string): Promise<number> {
    const children = (await this.children(from)).filter((i) => i.childKey !== keys.customerChild && !String(i.childKey).startsWith('IDENTITY#'));
    let moved = 0;
    for (const item of children) {
      const withCustomer = item.customerId === from;
      const applied = await unlessConditionFails(
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: `SET parentKey = :to${withCustomer ? ', customerId = :toId' : ''}`,
            ConditionExpression: 'parentKey = :from',
            ExpressionAttributeValues: { ':to': keys.customerParent(to), ':from': keys.customerParent(from), ...(withCustomer ? { ':toId': to } : {}) },
          }),
        ),
      );
      if (applied) moved++;
    }
    return moved;
  }

  async putTicketAudit(ticketId: string, change: Change): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...keys.audit(ticketId, change.at, change.version), ...change, ticketId } }));
  }

  async ticketIdsOf(customerId: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'byCustomer',
      KeyConditionExpression: 'customerKey = :customer',
      ExpressionAttributeValues: { ':customer': keys.customerParent(customerId) },
      // The list indexes copy no ticketId: the ticket's key says it.
      ProjectionExpression: 'pk',
    });
    return items.map((i) => String(i.pk).slice('TICKET#'.length));
  }

  ensureTicket(seed: TicketSeed): Promise<void> {
    return this.intake.createTicket(ticketFromSeed(seed));
  }

  pointAt(customerId: string, seed: TicketSeed): Promise<boolean> {
    return this.intake.pointCustomerAt(customerId, undefined, seed);
  }

  async ticketItems(ticketId: string): Promise<TicketItems> {
    const [ticket, timeline, audit] = await Promise.all([
      this.db.send(new GetCommand({ TableName: this.table, Key: keys.ticket(ticketId), ConsistentRead: true })).then((out) => out.Item),
      queryAll(this.db, {
        TableName: this.table,
        IndexName: 'byParent',
        KeyConditionExpression: 'parentKey = :parent AND begins_with(childKey, :msg)',
        ExpressionAttributeValues: { ':parent': keys.ticketParent(ticketId), ':msg': 'MSG#' },
      }),
      queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': keys.ticket(ticketId).pk, ':audit': 'AUDIT#' },
        ConsistentRead: true,
      }),
    ]);
    return { ...(ticket ? { ticket } : {}), timeline, audit };
  }

  async children(customerId: string): Promise<StoredItem[]> {
    return queryAll(this.db, {
      TableName: this.table,
      IndexName: 'byParent',
      KeyConditionExpression: 'parentKey = :parent',
      ExpressionAttributeValues: { ':parent': keys.customerParent(customerId) },
    });
  }

  async erase(items: readonly StoredItem[], at: string, options: { mark?: boolean } = {}): Promise<number> {
    let erased = 0;
    const seen = new Set<string>();
    for (const item of items) {
      const key = `${item.pk}|${item.sk}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const plan = erasurePlan(item, at) ?? (options.mark && item.erasedAt === undefined ? { set: [[['erasedAt'], at]], remove: [] } : undefined);
      if (!plan) continue;
      const applied = await unlessConditionFails(this.db.send(new UpdateCommand({ TableName: this.table, Key: { pk: item.pk, sk: item.sk }, ...updateOf(plan) })));
      if (applied) erased++;
    }
    return erased;
  }
}

/** An erasure plan as an UpdateItem's expressions; only on an item that still exists. */
function updateOf(plan: ErasurePlan) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const nameOf = (part: string) => {
    const placeholder = `#n${Object.keys(names).length}`;
    const existing = Object.entries(names).find(([, v]) => v === part)?.[0];
    if (existing) return existing;
    names[placeholder] = part;
    return placeholder;
  };
  const sets = plan.set.map(([path, value], i) => {
    values[`:v${i}`] = value;
    return `${path.map(nameOf).join('.')} = :v${i}`;
  });
  const removes = plan.remove.map((path) => path.map(nameOf).join('.'));
  return {
    UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' '),
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}
