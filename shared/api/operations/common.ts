import * as z from 'zod';
import { customerIdPattern } from '../../customers/customer';
import { ticketIdPattern } from '../../tickets/ticket-detail';
import type { MediaSpec, ParameterSpec } from '../operation';

/** Pieces the operation files share: path parameters, headers, media. */

export const ticketIdParameter = {
  schema: z.string().regex(ticketIdPattern),
  description: 'A ticket id: `tkt_` and 16 hex digits, as GET /tickets lists them. A malformed id is a ticket that does not exist (404).',
};

export const customerIdParameter = {
  schema: z.string().regex(customerIdPattern),
  description: 'A customer id: `cus_` and 16 hex digits. A malformed id is a customer that does not exist (404).',
};

export const ifMatchRequired: ParameterSpec = {
  name: 'If-Match',
  required: true,
  description: 'The `ETag` of the version the change was made against, as a GET gave it (`"3"`). Without it: 428; stale: 412 with the current `ETag`.',
  schema: z.string(),
};

export const idempotencyKey: ParameterSpec = {
  name: 'Idempotency-Key',
  description: 'Any unique string (up to 200 characters are used): a retried request with the same key makes the same item, once.',
  schema: z.string(),
};

export const etag = { ETag: 'The version of what was answered, quoted (`"4"`): send it back in `If-Match`.' };

export const json = (schema: z.ZodType, example?: unknown): Record<string, MediaSpec> => ({ 'application/json': { schema, ...(example !== undefined ? { example } : {}) } });
