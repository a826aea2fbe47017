import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { ListOrder } from '../store/table-design';
import type { ListFilters } from './list-request';

/**
 * The `cursor` of GET /tickets: where the previous page ended (the sort key of its last ticket in
 * the list's order) and a digest of the filters and order it was issued for, as base64url JSON. The
 * next page starts right after that position even if that ticket has since left the list.
 *
 * It is opaque to clients, not secret: a hand-made cursor that passes validation can only move the
 * start within a list the caller may read in full anyway.
 */

export interface DecodedCursor {
  readonly filters: string;
  readonly after: string;
}

/** Well above any cursor this module makes; longer input is not decoded at all. */
const MAX_CURSOR_LENGTH = 512;

const payload = z.strictObject({
  v: z.literal(2),
  f: z.string().regex(/^[0-9a-f]{16}$/),
  k: z.string().min(1).max(300),
});

/** The filters and order, in a fixed order, hashed: binds a cursor to its list without carrying its values. */
export function filtersDigest(f: ListFilters, order: ListOrder): string {
  const canonical = JSON.stringify([order, ...Object.entries(f).sort(([a], [b]) => (a < b ? -1 : 1))]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function encodeCursor(filters: ListFilters, order: ListOrder, after: string): string {
  const body: z.infer<typeof payload> = { v: 2, f: filtersDigest(filters, order), k: after };
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
  return parsed.success ? { filters: parsed.data.f, after: parsed.data.k } : undefined;
}
