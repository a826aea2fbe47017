import * as z from 'zod';
import type { Change, Ticket } from '../domain/ticket';
import { fieldErrors, problems } from '../http/problem';
import { keys } from '../store/keys';

/**
 * A ticket's timeline: its customer messages, replies and notifications, internal notes and audit
 * entries, in the order they happened, read a page at a time. Entries are ordered by their timeline
 * key (`MSG#<at>#<id>`); a cursor is the key of the last entry a page showed.
 */

export const timelineEntryTypes = ['message', 'reply', 'note', 'audit'] as const;
export type TimelineEntryType = (typeof timelineEntryTypes)[number];

export const DEFAULT_TIMELINE_LIMIT = 50;
export const MAX_TIMELINE_LIMIT = 200;

export interface TimelineRequest {
  readonly limit: number;
  /** `asc`: oldest first (the conversation as it went); `desc`: newest first (what happened last). */
  readonly order: 'asc' | 'desc';
  /** The timeline key after which this page starts, in `order`. */
  readonly after?: string;
}

const limitMessage = `must be a whole number from 1 to ${MAX_TIMELINE_LIMIT}`;
export const timelineQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, limitMessage)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_TIMELINE_LIMIT, limitMessage)
    .optional(),
  order: z.enum(['asc', 'desc'], { error: 'must be asc (oldest first) or desc (newest first)' }).optional(),
  cursor: z.string().max(600).optional(),
});

interface CursorBody {
  readonly k: string;
  readonly o: 'asc' | 'desc';
}

export const encodeTimelineCursor = (key: string, order: 'asc' | 'desc'): string => Buffer.from(JSON.stringify({ k: key, o: order } satisfies CursorBody)).toString('base64url');

function decodeTimelineCursor(cursor: string): CursorBody | undefined {
  try {
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>;
    return typeof body.k === 'string' && body.k.startsWith('MSG#') && (body.o === 'asc' || body.o === 'desc') ? (body as CursorBody) : undefined;
  } catch {
    return undefined;
  }
}

/** GET /tickets/{id}'s query string: `limit`, `order`, `cursor`. 400 naming each bad one. */
export function parseTimelineRequest(query: Readonly<Record<string, string | undefined>> | undefined): TimelineRequest {
  const parsed = timelineQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((field) => ({ field, message: 'is not a parameter; use limit, order, cursor' })) : fieldErrors([i]),
    );
    throw problems.badRequest('Some query parameters are not valid; see errors.', errors);
  }
  const { limit = DEFAULT_TIMELINE_LIMIT, cursor } = parsed.data;
  let order = parsed.data.order ?? 'asc';
  if (cursor === undefined) return { limit, order };
  const decoded = decodeTimelineCursor(cursor);
  if (!decoded) throw problems.badRequest('The cursor is not valid.', [{ field: 'cursor', message: 'must be a nextCursor from this ticket\'s timeline, unchanged' }]);
  if (parsed.data.order && parsed.data.order !== decoded.o) {
    throw problems.badRequest('The cursor was issued for the other order.', [{ field: 'order', message: `the cursor continues a ${decoded.o} timeline; drop order or send ${decoded.o}` }]);
  }
  order = decoded.o;
  return { limit, order, after: decoded.k };
}

/** What kind of entry a stored timeline item is, by its key. */
export function entryTypeOf(pk: string): TimelineEntryType | undefined {
  if (pk.startsWith('MESSAGE#')) return 'message';
  if (pk.startsWith('REPLY#')) return 'reply';
  if (pk.startsWith('NOTE#')) return 'note';
  if (pk.startsWith('TICKET#')) return 'audit';
  return undefined;
}

export const auditTimelineKey = (ticketId: string, change: Pick<Change, 'at' | 'version'>): string => keys.audit(ticketId, change.at, change.version).childKey;

export interface PageEntry<E> {
  readonly key: string;
  readonly type: TimelineEntryType;
  readonly entry: E;
}

/**
 * The ticket's latest change belongs on the page that covers its place in the timeline even when
 * its audit entry is not readable yet (written just after the ticket; the index catches up a moment
 * later; or a crash in between, until the change is retried). Adds it there, in order.
 */
export function withLatestChange<E>(page: readonly PageEntry<E>[], ticket: Ticket, request: TimelineRequest, hasMore: boolean, asEntry: (change: Change) => E): PageEntry<E>[] {
  const latest = ticket.lastChange;
  const key = auditTimelineKey(ticket.ticketId, latest);
  if (page.some((e) => e.key === key)) return [...page];
  const before = (a: string, b: string) => (request.order === 'asc' ? a < b : a > b);
  // Inside the page's span: after the cursor, and not beyond the last entry unless this is the last page.
  const afterCursor = request.after === undefined || before(request.after, key);
  const last = page.at(-1)?.key;
  const withinPage = !hasMore || (last !== undefined && before(key, last));
  if (!afterCursor || !withinPage) return [...page];
  const entry: PageEntry<E> = { key, type: 'audit', entry: asEntry(latest) };
  const merged = [...page, entry].sort((a, b) => (a.key === b.key ? 0 : before(a.key, b.key) ? -1 : 1));
  return merged.slice(0, request.limit + (hasMore ? 0 : 1));
}
