import * as z from 'zod';
import { inboundMessage } from '../../events/inbound-message';
import { ticketStatuses } from '../../events/ticket-status';
import { priorities } from '../config';
import { openStatuses, type Ticket } from '../domain/ticket';
import { fieldErrors, problems } from '../http/problem';
import { listPartitions } from '../store/keys';
import { type ListIndexName, listIndexDesigns, type ListOrder, listOrders } from '../store/table-design';
import { decodeCursor, filtersDigest } from './list-cursor';

/** GET /tickets: its query, and the plan that serves it from one list index (never a Scan). */

/** Equality filters, named as the ticket attributes they match (`assigneeId: null`: unassigned). */
export interface ListFilters {
  readonly status?: Ticket['status'];
  readonly priority?: string;
  readonly urgency?: string;
  readonly category?: string;
  readonly channel?: string;
  readonly assigneeId?: string | null;
  readonly team?: string;
  readonly customerId?: string;
  readonly tag?: string;
  readonly createdFrom?: string;
  readonly createdTo?: string;
  readonly updatedFrom?: string;
  readonly updatedTo?: string;
  /** `breached`: a running deadline has passed; `due-soon`: one falls within `dueWithinMinutes`. */
  readonly sla?: 'breached' | 'due-soon';
  readonly dueWithinMinutes?: number;
}

export interface ListRequest {
  readonly filters: ListFilters;
  readonly order: ListOrder;
  readonly limit: number;
  /** The sort key of the previous page's last ticket; absent on the first page. */
  readonly after?: string;
}

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

const isChannelName = (v: string) => inboundMessage.shape.channel.safeParse(v).success;
const limitMessage = `must be a whole number from 1 to ${MAX_LIMIT}`;
const time = z.iso.datetime({ error: 'must be an ISO-8601 UTC time like 2026-11-23T09:00:00Z' });
const label = (what: string) => z.string().regex(/^[^\s\p{C}]{1,64}$/u, `must be a ${what}: 1 to 64 characters without spaces`);

export const listQuery = z.strictObject({
  status: z.enum(ticketStatuses, { error: `must be one of ${ticketStatuses.join(', ')}` }).optional(),
  priority: z.enum(priorities, { error: `must be one of ${priorities.join(', ')}` }).optional(),
  urgency: z.enum(priorities, { error: `must be one of ${priorities.join(', ')}` }).optional(),
  category: label('category').optional(),
  channel: z.string().refine(isChannelName, 'must be a channel name: lower-case letters, digits and dashes, like "web"').optional(),
  assignee: z
    .string()
    .regex(/^[^\s\p{C}]{1,128}$/u, 'must be an agent id (the token\'s "sub"), "me" or "none"')
    .optional(),
  team: label('team').optional(),
  tag: label('tag').optional(),
  customer: z
    .string()
    .regex(/^cus_[0-9a-f]{16}$/, 'must be a customer id: "cus_" followed by 16 hex digits')
    .optional(),
  createdFrom: time.optional(),
  createdTo: time.optional(),
  updatedFrom: time.optional(),
  updatedTo: time.optional(),
  sla: z.enum(['breached', 'due-soon'], { error: 'must be breached or due-soon' }).optional(),
  dueWithin: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a whole number of minutes from 1 to 10080')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 10_080, 'must be a whole number of minutes from 1 to 10080')
    .optional(),
  sort: z.enum(['created', 'updated', 'priority'], { error: 'must be created, updated or priority' }).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, limitMessage)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_LIMIT, limitMessage)
    .optional(),
  cursor: z.string().optional(),
});
const knownParameters = Object.keys(listQuery.shape).join(', ');

/**
 * The query string of GET /tickets as a list request, for the caller `callerId` (`assignee=me`
 * means them). Rejects unknown parameters, bad values, combinations no index serves and foreign
 * cursors with a 400 naming each.
 */
export function parseListRequest(query: Readonly<Record<string, string | undefined>> | undefined, callerId: string): ListRequest {
  const parsed = listQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const unknown = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
    const others = parsed.error.issues.filter((i) => i.code !== 'unrecognized_keys');
    const errors = [...unknown.map((field) => ({ field, message: `is not a parameter; use ${knownParameters}` })), ...fieldErrors(others)];
    const detail = [
      ...(unknown.length ? [`Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. GET /tickets takes ${knownParameters}.`] : []),
      ...(others.length ? ['Some query parameters have values that are not valid; see errors.'] : []),
    ].join(' ');
    throw problems.badRequest(detail, errors);
  }

  const q = parsed.data;
  const filters: ListFilters = Object.fromEntries(
    Object.entries({
      status: q.status,
      priority: q.priority,
      urgency: q.urgency,
      category: q.category,
      channel: q.channel,
      assigneeId: q.assignee === undefined ? undefined : q.assignee === 'me' ? callerId : q.assignee === 'none' ? null : q.assignee,
      team: q.team,
      customerId: q.customer,
      tag: q.tag,
      createdFrom: q.createdFrom,
      createdTo: q.createdTo,
      updatedFrom: q.updatedFrom,
      updatedTo: q.updatedTo,
      sla: q.sla,
      dueWithinMinutes: q.sla === 'due-soon' ? (q.dueWithin ?? 60) : undefined,
    }).filter(([, v]) => v !== undefined),
  );
  const order: ListOrder = q.sla ? 'due' : (q.sort ?? 'created');
  const combination = combinationProblems(filters, q.sort, q.dueWithin !== undefined);
  if (combination.length) throw problems.badRequest('This combination of parameters is not served; see errors.', combination);
  const request: ListRequest = { filters, order, limit: q.limit ?? DEFAULT_LIMIT };
  return q.cursor === undefined ? request : { ...request, after: cursorPosition(q.cursor, request) };
}

/** What no list index can serve, named field by field. */
function combinationProblems(f: ListFilters, sort: string | undefined, dueWithinGiven: boolean): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  if (f.sla && sort) errors.push({ field: 'sort', message: 'an sla list is ordered by due time, soonest first; drop sort' });
  if (dueWithinGiven && f.sla !== 'due-soon') errors.push({ field: 'dueWithin', message: 'goes with sla=due-soon' });
  if (sort === 'priority' && !f.status && f.assigneeId === undefined) errors.push({ field: 'sort', message: 'sort=priority needs a status or an assignee (a queue)' });
  if (sort === 'priority' && f.status && !openStatuses.includes(f.status)) errors.push({ field: 'sort', message: `sort=priority lists open tickets (${openStatuses.join(', ')}); a ${f.status} list is in created or updated order` });
  if (sort === 'updated' && !f.status) errors.push({ field: 'sort', message: 'sort=updated needs a status' });
  if ((f.updatedFrom || f.updatedTo) && sort !== 'updated') errors.push({ field: f.updatedFrom ? 'updatedFrom' : 'updatedTo', message: 'goes with sort=updated (and a status)' });
  if ((f.createdFrom || f.createdTo) && (sort ?? (f.sla ? 'due' : 'created')) !== 'created') errors.push({ field: f.createdFrom ? 'createdFrom' : 'createdTo', message: 'goes with the default order (sort=created)' });
  for (const [from, to] of [['createdFrom', 'createdTo'], ['updatedFrom', 'updatedTo']] as const) {
    if (f[from] && f[to] && f[from]! > f[to]!) errors.push({ field: to, message: `must not be before ${from}` });
  }
  return errors;
}

function cursorPosition(cursor: string, request: ListRequest): string {
  const decoded = decodeCursor(cursor);
  if (!decoded) {
    throw problems.badRequest('The cursor is not valid.', [{ field: 'cursor', message: 'must be a nextCursor from a GET /tickets response, unchanged' }]);
  }
  if (decoded.filters !== filtersDigest(request.filters, request.order)) {
    throw problems.badRequest('The cursor belongs to a list with other filters.', [
      { field: 'cursor', message: 'was issued for other filters; send the same filters it came with, or drop it to start from the first page' },
    ]);
  }
  return decoded.after;
}

/** A filter that leads a query: the index whose partition key it is, and that key's value. */
type KeyFilter = 'assigneeId' | 'customerId' | 'team' | 'category' | 'priority' | 'status';

export interface ListPlan {
  readonly index: ListIndexName;
  readonly partitionKey: string;
  readonly partitionValue: string;
  readonly sortKey: string;
  readonly ascending: boolean;
  /** The sort-key range the filters fix (inclusive); either end may be open. */
  readonly range: { readonly from?: string; readonly to?: string };
  /** Every filter the key does not answer, applied to what the index returns. */
  readonly residual: ListFilters;
}

/** Most selective first: one agent's, one customer's or one team's tickets are few; a status holds many. (Urgency and channel are checked on what the index returns.) */
const keyPreference: readonly KeyFilter[] = ['assigneeId', 'customerId', 'team', 'category', 'priority', 'status'];
const attributeOf = {
  assigneeId: 'assigneeKey',
  customerId: 'customerKey',
  team: 'teamKey',
  category: 'categoryKey',
  priority: 'priorityKey',
  status: 'statusKey',
} as const satisfies Record<KeyFilter, keyof typeof listPartitions>;
const partitionOf = (f: ListFilters, k: KeyFilter): string => (k === 'assigneeId' ? listPartitions.assigneeKey(f.assigneeId) : listPartitions[attributeOf[k]](f[k]!));

const given = (f: ListFilters, k: KeyFilter) => (k === 'assigneeId' ? f.assigneeId !== undefined : f[k] !== undefined);

/**
 * Which list index serves the request, and what is left to filter. The order picks the indexes
 * (created: one per filter; priority: an assignee's or a status's queue; updated: a status's;
 * due: the running deadlines), the most selective given filter their partition, and time filters
 * their sort-key range.
 */
export function planList(request: Pick<ListRequest, 'filters' | 'order'>, now: Date): ListPlan {
  const { filters, order } = request;
  const candidates = listIndexDesigns.filter((i) => i.order === order);
  let index: (typeof listIndexDesigns)[number];
  let keyFilter: KeyFilter | undefined;
  if (order === 'due') {
    index = candidates[0];
  } else {
    keyFilter = keyPreference.find((k) => given(filters, k) && candidates.some((i) => i.partitionKey === attributeOf[k]));
    index = keyFilter ? candidates.find((i) => i.partitionKey === attributeOf[keyFilter!])! : candidates.find((i) => i.name === 'all')!;
  }
  const residual: Record<string, unknown> = { ...filters };
  if (keyFilter) delete residual[keyFilter];
  let range: ListPlan['range'] = {};
  if (order === 'created' && (filters.createdFrom || filters.createdTo)) {
    range = { ...(filters.createdFrom ? { from: filters.createdFrom } : {}), ...(filters.createdTo ? { to: `${filters.createdTo}#~` } : {}) };
    delete residual.createdFrom;
    delete residual.createdTo;
  } else if (order === 'updated') {
    range = { ...(filters.updatedFrom ? { from: filters.updatedFrom } : {}), ...(filters.updatedTo ? { to: `${filters.updatedTo}#~` } : {}) };
    delete residual.updatedFrom;
    delete residual.updatedTo;
  } else if (order === 'due') {
    const soon = new Date(now.getTime() + (filters.dueWithinMinutes ?? 0) * 60_000).toISOString();
    range = filters.sla === 'breached' ? { to: `${now.toISOString()}#~` } : { from: now.toISOString(), to: `${soon}#~` };
    delete residual.sla;
    delete residual.dueWithinMinutes;
  }
  const { sortKey, ascending } = listOrders[order];
  return { index: index.name, partitionKey: index.partitionKey, partitionValue: keyFilter ? partitionOf(filters, keyFilter) : order === 'due' ? 'SLA' : 'TICKETS', sortKey, ascending, range, residual: residual as ListFilters };
}
