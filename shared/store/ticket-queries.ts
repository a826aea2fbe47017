import { type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CustomerHandle } from '../../events/inbound-message';
import type { Ticket } from '../domain/ticket';
import type { AuditEntry, Customer, StoredMessage } from '../ingest/ports';
import type { Reply } from '../replies/reply';
import type { ListPosition } from '../tickets/list-cursor';
import { type ListFilters, type ListRequest, planList } from '../tickets/list-request';
import { auditTrail } from '../tickets/ticket-detail';
import { keys, stripStorage, ticketIndexKeys } from './keys';
import { readHandles, readTicket } from './reads';
import { tableDesign, ticketSummaryAttributes } from './table-design';

/** A row of the ticket list: the attributes the list indexes carry. */
export type TicketSummary = Pick<Ticket, (typeof ticketSummaryAttributes)[number]>;

export interface TicketPage {
  readonly tickets: TicketSummary[];
  /** Whether more tickets match after the last one of this page. */
  readonly hasMore: boolean;
}

/** A stored message as an agent reads it: without the events kept for republishing. */
export type MessageView = Omit<StoredMessage, 'events'>;

/** The ticket's conversation: the customer's messages and the replies and notifications sent to them. */
export type TimelineEntry = MessageView | Reply;

export interface CustomerView extends Pick<Customer, 'customerId' | 'displayName' | 'createdAt'> {
  readonly identities: CustomerHandle[];
}

export interface TicketDetail {
  readonly ticket: Ticket;
  /** Customer messages (`direction: inbound`) and replies (`outbound`, with their delivery), oldest first. */
  readonly messages: TimelineEntry[];
  /** Oldest first, always including the ticket's latest change. */
  readonly audit: AuditEntry[];
  readonly customer: CustomerView;
}

/** What the read API needs from storage. */
export interface TicketQueries {
  /** One page of tickets matching the request's filters, newest first, starting after its position. */
  listTickets(request: ListRequest): Promise<TicketPage>;
  /** The ticket with its messages, audit trail and customer; undefined if there is no such ticket. */
  ticketDetail(ticketId: string): Promise<TicketDetail | undefined>;
}

/**
 * A FilterExpression drops items after they are read (and paid for), so a filtered query asks for a
 * few times the matches it still needs per round trip; capped so one round trip reads a bounded amount.
 */
const FILTERED_READ_FACTOR = 4;
const MAX_READ_PER_REQUEST = 400;

export class DynamoDbTicketQueries implements TicketQueries {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async listTickets({ filters, limit, after }: ListRequest): Promise<TicketPage> {
    const plan = planList(filters);
    const indexKeys = listKeysOf(filters, after);
    const partitionKey = tableDesign.indexes.find((i) => i.name === plan.index)!.partitionKey;
    const names: Record<string, string> = { '#part': partitionKey };
    const values: Record<string, unknown> = { ':part': indexKeys[partitionKey] };
    if (after) {
      names['#sort'] = 'listKey';
      values[':after'] = indexKeys.listKey;
    }
    for (const filter of plan.otherFilters) {
      names[`#${filter}`] = filter;
      values[`:${filter}`] = filters[filter];
    }
    const filterExpression = plan.otherFilters.map((f) => `#${f} = :${f}`).join(' AND ');

    // One more than a page, so `hasMore` is exact and the last page says so.
    const wanted = limit + 1;
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const needed = wanted - items.length;
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: plan.index,
          // Newest first; `listKey < :after` resumes right after the previous page's last ticket.
          KeyConditionExpression: `#part = :part${after ? ' AND #sort < :after' : ''}`,
          ...(filterExpression ? { FilterExpression: filterExpression } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: filterExpression ? Math.min(needed * FILTERED_READ_FACTOR, MAX_READ_PER_REQUEST) : needed,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < wanted);

    return { tickets: items.slice(0, limit).map(summaryOf), hasMore: items.length > limit };
  }

  async ticketDetail(ticketId: string): Promise<TicketDetail | undefined> {
    // Base-table reads are strongly consistent, so an agent sees a change they just made.
    const [ticket, auditItems, messageItems] = await Promise.all([
      readTicket(this.db, this.table, ticketId),
      this.queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': keys.ticket(ticketId).pk, ':audit': 'AUDIT#' },
        ConsistentRead: true,
      }),
      this.queryAll({
        IndexName: 'byParent',
        KeyConditionExpression: 'parentKey = :parent AND begins_with(childKey, :msg)',
        ExpressionAttributeValues: { ':parent': keys.ticketParent(ticketId), ':msg': 'MSG#' },
      }),
    ]);
    if (!ticket) return undefined;

    const [customer, identities] = await Promise.all([
      this.db
        .send(new GetCommand({ TableName: this.table, Key: keys.customer(ticket.customerId), ConsistentRead: true }))
        .then((out) => out.Item && stripStorage<Customer>(out.Item)),
      readHandles(this.db, this.table, ticket.customerId),
    ]);
    // Ingest creates the customer before any ticket points at it.
    if (!customer) throw new Error(`customer ${ticket.customerId} of ticket ${ticketId} is missing`);

    return {
      ticket,
      messages: messageItems.map(messageOf),
      audit: auditTrail(auditItems.map((i) => stripStorage<AuditEntry>(i)), ticket),
      customer: {
        customerId: customer.customerId,
        ...(customer.displayName !== undefined ? { displayName: customer.displayName } : {}),
        createdAt: customer.createdAt,
        identities,
      },
    };
  }

  /** Every item a query matches, page after page. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

/**
 * The list-index keys for the filters (and the cursor's position), built by the `ticketIndexKeys`
 * that ingest writes them with, so reads and writes cannot drift apart. Attributes no filter fixes
 * get placeholders; only the chosen index's key and `listKey` are read.
 */
function listKeysOf(f: ListFilters, after: ListPosition | undefined): Record<string, string | undefined> {
  return ticketIndexKeys({
    status: f.status ?? 'new',
    channel: f.channel ?? '',
    customerId: f.customerId ?? '',
    assigneeId: f.assigneeId,
    createdAt: after?.createdAt ?? '',
    ticketId: after?.ticketId ?? '',
  });
}

function summaryOf(item: Record<string, unknown>): TicketSummary {
  return Object.fromEntries(ticketSummaryAttributes.filter((a) => item[a] !== undefined).map((a) => [a, item[a]])) as unknown as TicketSummary;
}

function messageOf(item: Record<string, unknown>): TimelineEntry {
  const { events: _events, ...message } = stripStorage<StoredMessage>(item);
  return message;
}
