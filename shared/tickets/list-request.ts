import * as z from 'zod';
import { inboundMessage } from '../../events/inbound-message';
import { ticketStatuses } from '../../events/ticket-status';
import type { Ticket } from '../domain/ticket';
import { fieldErrors, problems } from '../http/problem';
import { decodeCursor, filtersDigest, type ListPosition } from './list-cursor';

/** Filters of GET /tickets, named as the ticket attributes they match. */
export type ListFilters = Partial<Pick<Ticket, 'status' | 'channel' | 'assigneeId' | 'customerId'>>;
export type ListFilter = keyof ListFilters;

export interface ListRequest {
  readonly filters: ListFilters;
  readonly limit: number;
  /** Where the previous page ended; absent on the first page. */
  readonly after?: ListPosition;
}

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

const isChannelName = (v: string) => inboundMessage.shape.channel.safeParse(v).success;
const limitMessage = `must be a whole number from 1 to ${MAX_LIMIT}`;

const listQuery = z.strictObject({
  status: z.enum(ticketStatuses, { error: `must be one of ${ticketStatuses.join(', ')}` }).optional(),
  channel: z.string().refine(isChannelName, 'must be a channel name: lower-case letters, digits and dashes, like "web"').optional(),
  assignee: z
    .string()
    .regex(/^[^\s\p{C}]{1,128}$/u, 'must be an agent id (the token\'s "sub"), or "me"')
    .optional(),
  customer: z
    .string()
    .regex(/^cus_[0-9a-f]{16}$/, 'must be a customer id: "cus_" followed by 16 hex digits')
    .optional(),
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
 * means them). Rejects unknown parameters, bad values and foreign cursors with a 400 naming each.
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
  const filters: ListFilters = {
    ...(q.status ? { status: q.status } : {}),
    ...(q.channel ? { channel: q.channel } : {}),
    ...(q.assignee ? { assigneeId: q.assignee === 'me' ? callerId : q.assignee } : {}),
    ...(q.customer ? { customerId: q.customer } : {}),
  };
  return { filters, limit: q.limit ?? DEFAULT_LIMIT, ...(q.cursor !== undefined ? { after: cursorPosition(q.cursor, filters) } : {}) };
}

function cursorPosition(cursor: string, filters: ListFilters): ListPosition {
  const decoded = decodeCursor(cursor);
  if (!decoded) {
    throw problems.badRequest('The cursor is not valid.', [{ field: 'cursor', message: 'must be a nextCursor from a GET /tickets response, unchanged' }]);
  }
  if (decoded.filters !== filtersDigest(filters)) {
    throw problems.badRequest('The cursor belongs to a list with other filters.', [
      { field: 'cursor', message: 'was issued for other filters; send the same filters it came with, or drop it to start from the first page' },
    ]);
  }
  return decoded.after;
}

/** The list indexes of table-design.ts. */
export type ListIndex = 'byAssignee' | 'byCustomer' | 'byStatus' | 'byChannel' | 'all';

export interface ListPlan {
  readonly index: ListIndex;
  /** The filter the index's partition key answers; none for `all`. */
  readonly keyFilter?: ListFilter;
  /** The other filters, applied to what the index returns. */
  readonly otherFilters: readonly ListFilter[];
}

/** Most selective first: one agent's or one customer's tickets are few; a status or a channel holds many. */
const indexPreference: readonly (readonly [ListFilter, ListIndex])[] = [
  ['assigneeId', 'byAssignee'],
  ['customerId', 'byCustomer'],
  ['status', 'byStatus'],
  ['channel', 'byChannel'],
];

/** Which index to query for these filters, and which filters are left to apply to its items. */
export function planList(filters: ListFilters): ListPlan {
  const given = indexPreference.filter(([filter]) => filters[filter] !== undefined);
  if (given.length === 0) return { index: 'all', otherFilters: [] };
  const [[keyFilter, index], ...rest] = given;
  return { index, keyFilter, otherFilters: rest.map(([filter]) => filter) };
}
