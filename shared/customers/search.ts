import * as z from 'zod';
import type { CustomerHandle } from '../../events/inbound-message';
import { fieldErrors, problems } from '../http/problem';
import { parseHandleString, normalizeHandle } from './handles';
import { namePartition, normalizeName, partitionLength } from './names';

/**
 * GET /customers?q=: what a search string asks for. A handle is looked up directly (one GetItem on
 * its identity item), a name by prefix in its search partition (one Query); nothing scans.
 *
 * - `ana@example.com`, any case → that email;
 * - a phone number in any format (`+44 7700 900123`, `(415) 555-0123`, read in the default region
 *   without a country code) → that number, as E.164;
 * - `telegram:12345`, `phone:…`, `email:…` → that handle (the form identity views show);
 * - anything else → a name prefix, case-, accent- and punctuation-insensitive: at least two
 *   characters, or one Chinese, Japanese or Korean character.
 */
export type CustomerQuery =
  | { readonly kind: 'handle'; readonly handle: CustomerHandle }
  | { readonly kind: 'name'; readonly prefix: string; readonly partition: string };

export const MAX_QUERY_LENGTH = 200;
export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 50;

const limitMessage = `must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`;

export const customerSearchQuery = z.strictObject({
  q: z.string({ error: 'is required: an email, a phone number, a channel handle like telegram:12345, or the start of a name' }).trim().min(1, 'must not be empty').max(MAX_QUERY_LENGTH),
  limit: z
    .string()
    .regex(/^\d{1,2}$/, limitMessage)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_SEARCH_LIMIT, limitMessage)
    .optional(),
});

export interface CustomerSearch {
  readonly query: CustomerQuery;
  readonly limit: number;
}

/** Phone-like: digits with the usual separators, and enough digits to be a number. */
const phoneLike = /^\+?[\d\s().-]+$/;

const invalid = (message: string) => problems.badRequest('The search is not valid.', [{ field: 'q', message }]);

/** What `q` asks for; a 400 naming `q` when it can ask for nothing (an invalid email or number, a name too short). */
export function classifyQuery(q: string, region: string): CustomerQuery {
  const text = q.trim();
  const named = parseHandleString(text, region);
  if (named) {
    if ('error' in named) throw invalid(named.error);
    return { kind: 'handle', handle: named.handle };
  }
  if (text.includes('@')) {
    const email = normalizeHandle('email', text, region);
    if ('error' in email) throw invalid(email.error);
    return { kind: 'handle', handle: email.handle };
  }
  if (phoneLike.test(text) && text.replace(/\D/g, '').length >= 5) {
    const phone = normalizeHandle('phone', text, region);
    if ('error' in phone) throw invalid(phone.error);
    return { kind: 'handle', handle: phone.handle };
  }
  const prefix = normalizeName(text);
  const partition = namePartition(prefix);
  if (!partition) {
    throw invalid(
      partitionLength(prefix) === 1 || prefix.length === 0
        ? 'must name something to search: an email, a phone number, a handle like telegram:12345, or the start of a name'
        : 'a name search needs at least two letters (or one Chinese, Japanese or Korean character)',
    );
  }
  return { kind: 'name', prefix, partition };
}

/** The query string of GET /customers as a search; 400 naming each bad or unknown parameter. */
export function parseCustomerSearch(query: Readonly<Record<string, string | undefined>> | undefined, region: string): CustomerSearch {
  const parsed = customerSearchQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((field) => ({ field, message: 'is not a parameter; use q and limit' })) : fieldErrors([i]),
    );
    throw problems.badRequest('The search is not valid.', errors);
  }
  return { query: classifyQuery(parsed.data.q, region), limit: parsed.data.limit ?? DEFAULT_SEARCH_LIMIT };
}
