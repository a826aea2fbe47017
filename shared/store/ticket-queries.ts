import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerHandle } from '../../events/inbound-message';
import type { Ticket } from '../domain/ticket';
import type { AuditEntry, Customer, StoredMessage } from '../ingest/ports';
import type { Reply } from '../replies/reply';
import { type ListFilters, type ListRequest, planList } from '../tickets/list-request';
import type { Note } from '../tickets/notes';
import { DEFAULT_TIMELINE_LIMIT, encodeTimelineCursor, entryTypeOf, type PageEntry, type TimelineRequest, withLatestChange } from '../tickets/timeline';
import { keys, stripStorage } from './keys';
import { childrenPage } from './dynamodb-client';
import { readCustomerView } from './dynamodb-customer-store';
import { readTicket, ticketRows } from './reads';
import type { ticketSummaryAttributes } from './table-design';

/** A row of the ticket list: the attributes the list indexes carry. */
export type TicketSummary = Pick<Ticket, (typeof ticketSummaryAttributes)[number]>;

export interface TicketPage {
  readonly tickets: TicketSummary[];
  /** Whether more tickets match after the last one of this page. */
  readonly hasMore: boolean;
  /** The last ticket's position in the list's order, for the next page's cursor. */
  readonly lastKey?: string;
}

/** A stored message as an agent reads it: without the events kept for republishing. */
export type MessageView = Omit<StoredMessage, 'events'>;

/** One entry of a ticket's timeline, its `type` saying which. */
export type TimelineEntry =
  | ({ readonly type: 'message' } & MessageView)
  | ({ readonly type: 'reply' } & Reply)
  | ({ readonly type: 'note' } & Note)
  | ({ readonly type: 'audit' } & AuditEntry);

export interface CustomerView extends Pick<Customer, 'customerId' | 'displayName' | 'createdAt'> {
  readonly tier?: string;
  readonly identities: CustomerHandle[];
}

export interface TicketDetail {
  readonly ticket: Ticket;
  readonly customer: CustomerView;
  /** One page of the timeline: customer messages, replies and notifications, notes and audit entries, in the order asked. */
  readonly timeline: TimelineEntry[];
  /** Where the next page starts; absent on the last page. */
  readonly nextCursor?: string;
}

/** What the read API needs from storage. */
export interface TicketQueries {
  /** One page of tickets matching the request's filters, in its order, starting after its position. */
  listTickets(request: ListRequest): Promise<TicketPage>;
  /** The ticket with a page of its timeline and its customer; undefined if there is no such ticket. */
  ticketDetail(ticketId: string, timeline?: TimelineRequest): Promise<TicketDetail | undefined>;
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
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async listTickets({ filters, order, limit, after }: ListRequest): Promise<TicketPage> {
    const plan = planList({ filters, order }, this.clock());
    const names: Record<string, string> = { '#part': plan.partitionKey };
    const values: Record<string, unknown> = { ':part': plan.partitionValue };
    // The range the filters fix, narrowed by the cursor (BETWEEN includes the cursor's own ticket, which is dropped).
    let { from, to } = plan.range;
    if (after !== undefined) {
      if (plan.ascending) from = from === undefined || after > from ? after : from;
      else to = to === undefined || after < to ? after : to;
    }
    // A cursor from before the range (made by hand): nothing follows it in the range.
    if (from !== undefined && to !== undefined && from > to) return { tickets: [], hasMore: false };
    if (from !== undefined) values[':from'] = from;
    if (to !== undefined) values[':to'] = to;
    if (from !== undefined || to !== undefined) names['#sort'] = plan.sortKey;
    const sortCondition = from !== undefined && to !== undefined ? ' AND #sort BETWEEN :from AND :to' : from !== undefined ? ' AND #sort >= :from' : to !== undefined ? ' AND #sort <= :to' : '';
    const filterExpression = residualFilter(plan.residual, names, values);

    // One more than a page, so `hasMore` is exact and the last page says so.
    const wanted = limit + 1;
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const needed = wanted - items.length + (after !== undefined ? 1 : 0);
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: plan.index,
          KeyConditionExpression: `#part = :part${sortCondition}`,
          ...(filterExpression ? { FilterExpression: filterExpression } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: plan.ascending,
          Limit: filterExpression ? Math.min(needed * FILTERED_READ_FACTOR, MAX_READ_PER_REQUEST) : needed,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []).filter((i) => i[plan.sortKey] !== after));
      start = out.LastEvaluatedKey;
    } while (start && items.length < wanted);

    const page = items.slice(0, limit);
    return { tickets: await ticketRows(this.db, this.table, page), hasMore: items.length > limit, ...(page.length ? { lastKey: String(page.at(-1)![plan.sortKey]) } : {}) };
  }

  async ticketDetail(ticketId: string, timeline: TimelineRequest = { limit: DEFAULT_TIMELINE_LIMIT, order: 'asc' }): Promise<TicketDetail | undefined> {
    // Base-table reads are strongly consistent, so an agent sees a change they just made; the
    // timeline (an index) may lag it by a moment, and its latest change is added from the ticket.
    const [ticket, page] = await Promise.all([readTicket(this.db, this.table, ticketId), this.timelinePage(ticketId, timeline)]);
    if (!ticket) return undefined;

    // The customer, their identities and scores: one query of their partition.
    const snapshot = await readCustomerView(this.db, this.table, ticket.customerId);
    // Ingest creates the customer before any ticket points at it.
    if (!snapshot) throw new Error(`customer ${ticket.customerId} of ticket ${ticketId} is missing`);
    const { customer } = snapshot;

    const entries = withLatestChange(page.entries, ticket, timeline, page.hasMore, (change) => ({ type: 'audit', ...change, ticketId }) as TimelineEntry);
    const last = entries.at(-1);
    return {
      ticket,
      customer: {
        customerId: customer.customerId,
        ...(customer.displayName !== undefined ? { displayName: customer.displayName } : {}),
        ...(customer.tier !== undefined ? { tier: customer.tier } : {}),
        createdAt: customer.createdAt,
        identities: snapshot.identities.map(({ kind, value }) => ({ kind, value }) as CustomerHandle),
      },
      timeline: entries.map((e) => e.entry),
      ...(page.hasMore && last ? { nextCursor: encodeTimelineCursor(last.key, timeline.order) } : {}),
    };
  }

  /** A page of the ticket's timeline: its byParent children under the timeline prefix, from the cursor on. */
  private async timelinePage(ticketId: string, { limit, order, after }: TimelineRequest): Promise<{ entries: PageEntry<TimelineEntry>[]; hasMore: boolean }> {
    const page = await childrenPage(this.db, this.table, { parent: keys.ticketParent(ticketId), prefix: keys.timelinePrefix, after, limit, ascending: order === 'asc' });
    const entries = page.items.flatMap((item) => {
      const type = entryTypeOf(String(item.pk));
      return type ? [{ key: String(item.childKey), type, entry: entryOf(type, item) }] : [];
    });
    return { entries, hasMore: page.hasMore };
  }

}

/** The filters no key answers, as a FilterExpression over the list index's copied attributes (ticketFilterAttributes). */
function residualFilter(f: ListFilters, names: Record<string, string>, values: Record<string, unknown>): string {
  const terms: string[] = [];
  const equal = (attribute: string, value: unknown) => {
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    terms.push(`#${attribute} = :${attribute}`);
  };
  for (const attribute of ['status', 'priority', 'urgency', 'category', 'channel', 'team', 'customerId'] as const) {
    if (f[attribute] !== undefined) equal(attribute, f[attribute]);
  }
  if (f.assigneeId === null) {
    names['#assigneeId'] = 'assigneeId';
    terms.push('attribute_not_exists(#assigneeId)');
  } else if (f.assigneeId !== undefined) equal('assigneeId', f.assigneeId);
  if (f.tag !== undefined) {
    names['#tags'] = 'tags';
    values[':tag'] = f.tag;
    terms.push('contains(#tags, :tag)');
  }
  return terms.join(' AND ');
}


function entryOf(type: TimelineEntry['type'], item: Record<string, unknown>): TimelineEntry {
  const { events: _events, ...entry } = stripStorage<Record<string, unknown>>(item);
  return { type, ...entry } as TimelineEntry;
}
