import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Ticket } from '../domain/ticket';
import type { ListFilters } from './list-request';
import { ticketIdPattern } from './ticket-detail';

/**
 * The `cursor` of GET /tickets: where the previous page ended, and a digest of the filters it was
 * issued for, as base64url JSON. The position is the last ticket returned, in the list's own order
 * (createdAt, then ticketId), so the next page starts right after it even if that ticket has since
 * left the list.
 *
 * It is opaque to clients, not secret: a hand-made cursor that passes validation can only move the
 * start within a list the caller may read in full anyway.
 */

/** The last ticket of a page. */
export type ListPosition = Pick<Ticket, 'createdAt' | 'ticketId'>;

export interface DecodedCursor {
  readonly filters: string;
  readonly after: ListPosition;
}

/** Well above any cursor this module makes; longer input is not decoded at all. */
const MAX_CURSOR_LENGTH = 512;

const payload = z.strictObject({
  v: z.literal(1),
  f: z.string().regex(/^[0-9a-f]{16}$/),
  at: z.iso.datetime(),
  id: z.string().regex(ticketIdPattern),
});

/** The filters, in a fixed order, hashed: binds a cursor to its filters without carrying their values. */
export function filtersDigest(f: ListFilters): string {
  const canonical = JSON.stringify([f.status ?? null, f.channel ?? null, f.assigneeId ?? null, f.customerId ?? null]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function encodeCursor(filters: ListFilters, after: ListPosition): string {
  const body: z.infer<typeof payload> = { v: 1, f: filtersDigest(filters), at: after.createdAt, id: after.ticketId };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The cursor's content, or undefined if it is not a cursor this API made. */
export function decodeCursor(cursor: string): DecodedCursor | undefined {
  // Node's base64url decoder skips characters it does not know, so check the alphabet first.
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = payload.safeParse(json);
  if (!parsed.success) return undefined;
  return { filters: parsed.data.f, after: { createdAt: parsed.data.at, ticketId: parsed.data.id } };
}
