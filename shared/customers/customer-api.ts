import * as z from 'zod';
import { ticketMergers, ticketReaders, ticketRepliers } from '../tickets/access';
import { storableNumber } from '../http/problem';
import { handleKinds } from '../../events/inbound-message';
import { ticketStatuses } from '../../events/ticket-status';
import type { UserGroup } from '../../infra/topology';
import { etagOf } from '../http/conditional';
import { HttpProblem, parseJsonRequest, problems } from '../http/problem';
import { type CustomerRecord, customerIdPattern, type IdentityRecord, MAX_ATTRIBUTES, type ProfilePatch, versionOf } from './customer';
import { handleString, identityRequest, type IdentityRequest } from './handles';

/**
 * The customer API's requests and answers: who may call what, the request schemas (named and
 * exported for the OpenAPI document), the response schemas, the views and the rejections.
 */

/** Everyone who works tickets sees customers and finds them. */
export const customerReaders: readonly UserGroup[] = ticketReaders;
/** Those who talk to customers keep their profile and handles. */
export const customerEditors: readonly UserGroup[] = ticketRepliers;
/** Joining two customers moves conversations between them: a supervisor's call, as merging tickets is. */
export const customerMergers: readonly UserGroup[] = ticketMergers;
/** Erasure and the data-subject access export are privacy requests, an admin's. */
export const privacyOfficers: readonly UserGroup[] = ['admin'];

// Requests

const attributeKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter');
const attributeValue = z.union([z.string().max(500), storableNumber, z.boolean(), z.null()], {
  error: 'must be a string of at most 500 characters, a number, true or false, or null to remove it',
});

export const customerPatchRequest = z
  .strictObject({
    displayName: z.string().trim().min(1, 'must not be empty (send null to remove the name)').max(200).nullable().optional(),
    /** A tier such as "vip"; `triage.tiers` says how much it raises urgency, SLA policies may match it. */
    tier: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1 to 40 lower-case letters, digits or "-", like "vip"')
      .nullable()
      .optional(),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like "en", "zh" or "zh-TW"')
      .nullable()
      .optional(),
    notes: z.string().max(4000).nullable().optional(),
    /** Merged key by key into the customer's attributes; null removes a key. */
    attributes: z
      .record(attributeKey, attributeValue)
      .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
      .optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of displayName, tier, language, notes, attributes', path: [] });
export type CustomerPatchRequest = z.infer<typeof customerPatchRequest>;

export function parseCustomerPatch(body: string | undefined): ProfilePatch {
  return parseJsonRequest(body, customerPatchRequest, '{"tier": "vip", "attributes": {"plan": "gold"}}', 'The customer change is not valid.');
}

export { identityRequest };
export function parseIdentityRequest(body: string | undefined): IdentityRequest {
  return parseJsonRequest(body, identityRequest, '{"kind": "phone", "value": "+44 7700 900123"}', 'The identity is not valid.');
}

const customerId = z.string().regex(customerIdPattern, 'must be a customer id: "cus_" followed by 16 hex digits');

export const mergeRequest = z.strictObject({
  /** The customer record to fold into the one in the path; it keeps pointing there (`mergedInto`). */
  sourceCustomerId: customerId,
});
export type MergeRequest = z.infer<typeof mergeRequest>;

export function parseMergeRequest(body: string | undefined): MergeRequest {
  return parseJsonRequest(body, mergeRequest, '{"sourceCustomerId": "cus_0b3e7d92a4c81f56"}', 'The merge request is not valid.');
}

// Responses

export const customerProfileSchema = z.object({
  customerId,
  displayName: z.string().optional(),
  tier: z.string().optional(),
  language: z.string().optional(),
  notes: z.string().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  createdAt: z.string(),
  updatedAt: z.string().optional(),
  /** Also the ETag; PATCH needs it in If-Match. */
  version: z.number().int().min(1),
  /** The ticket a new message of theirs joins or follows. */
  currentTicketId: z.string().optional(),
  /** Set on a customer merged into another: follow it. */
  mergedInto: customerId.optional(),
  mergedAt: z.string().optional(),
  mergedFrom: z.array(customerId).optional(),
  erasedAt: z.string().optional(),
});
export type CustomerProfileView = z.infer<typeof customerProfileSchema>;

export const identitySchema = z.object({
  /** The handle in the form DELETE /customers/{id}/identities/{handle} takes (percent-encoded there). */
  handle: z.string(),
  kind: z.enum(handleKinds),
  value: z.string(),
  /** True when it came in on channel traffic; false when an agent added it by hand. */
  verified: z.boolean(),
  firstSeenAt: z.string().optional(),
  firstChannel: z.string().optional(),
  addedBy: z.string().optional(),
  addedAt: z.string().optional(),
});
export type IdentityView = z.infer<typeof identitySchema>;

export const customerTicketSchema = z.object({
  ticketId: z.string(),
  status: z.enum(ticketStatuses),
  channel: z.string(),
  subject: z.string(),
  createdAt: z.string(),
  assigneeId: z.string().optional(),
});
export type CustomerTicketView = z.infer<typeof customerTicketSchema>;

export const csatEntrySchema = z.looseObject({
  ticketId: z.string(),
  score: z.number(),
  comment: z.string().optional(),
  at: z.string(),
});
export type CsatEntryView = z.infer<typeof csatEntrySchema>;

/** Tickets the 360° view shows, newest first; GET /tickets?customer=<id> pages through all of them. */
export const VIEW_TICKETS = 50;

export const customerViewSchema = customerProfileSchema.extend({
  identities: z.array(identitySchema),
  tickets: z.array(customerTicketSchema),
  /** More tickets than shown: page through them with GET /tickets?customer=<id>. */
  moreTickets: z.boolean(),
  csat: z.array(csatEntrySchema),
});
export type CustomerView = z.infer<typeof customerViewSchema>;

export const customerSummarySchema = z.object({
  customerId,
  displayName: z.string().optional(),
  tier: z.string().optional(),
});

export const customerSearchResultSchema = z.object({
  /** What q was read as: a handle (normalized) or a name prefix (folded). */
  query: z.object({ kind: z.enum([...handleKinds, 'name']), value: z.string() }),
  customers: z.array(customerSummarySchema),
});
export type CustomerSearchResult = z.infer<typeof customerSearchResultSchema>;

export const mergeResultSchema = z.object({
  customerId,
  sourceCustomerId: customerId,
  identitiesMoved: z.number().int(),
  ticketsMoved: z.number().int(),
  version: z.number().int(),
});
export type MergeResult = z.infer<typeof mergeResultSchema>;

export const erasureResultSchema = z.object({
  customerId,
  erasedAt: z.string(),
  /** Tickets whose content was erased (their metrics kept). */
  tickets: z.number().int(),
  /** Stored items whose personal content this request removed (0 when repeated). */
  itemsErased: z.number().int(),
});
export type ErasureResult = z.infer<typeof erasureResultSchema>;

const storedItem = z.record(z.string(), z.unknown());

/** GET /customers/{id}/export: everything held about the customer, as stored (without table plumbing). */
export const customerExportSchema = z.object({
  exportedAt: z.string(),
  customer: storedItem,
  identities: z.array(storedItem),
  csat: z.array(storedItem),
  audit: z.array(storedItem),
  tickets: z.array(z.object({ ticket: storedItem, timeline: z.array(storedItem), audit: z.array(storedItem) })),
  /** Customer records merged into this one, with their own audit trails. */
  mergedFrom: z.array(z.object({ customer: storedItem, audit: z.array(storedItem) })),
});
export type CustomerExport = z.infer<typeof customerExportSchema>;

// Views

export function profileView(c: CustomerRecord): CustomerProfileView {
  return {
    customerId: c.customerId,
    ...(c.displayName !== undefined ? { displayName: c.displayName } : {}),
    ...(c.tier !== undefined ? { tier: c.tier } : {}),
    ...(c.language !== undefined ? { language: c.language } : {}),
    ...(c.notes !== undefined ? { notes: c.notes } : {}),
    attributes: { ...(c.attributes ?? {}) },
    createdAt: c.createdAt,
    ...(c.updatedAt !== undefined ? { updatedAt: c.updatedAt } : {}),
    version: versionOf(c),
    ...(c.currentTicket ? { currentTicketId: c.currentTicket.ticketId } : {}),
    ...(c.mergedInto !== undefined ? { mergedInto: c.mergedInto } : {}),
    ...(c.mergedAt !== undefined ? { mergedAt: c.mergedAt } : {}),
    ...(c.mergedFrom?.length ? { mergedFrom: [...c.mergedFrom] } : {}),
    ...(c.erasedAt !== undefined ? { erasedAt: c.erasedAt } : {}),
  };
}

export function identityView(i: IdentityRecord): IdentityView {
  return {
    handle: handleString(i),
    kind: i.kind,
    value: i.value,
    verified: i.verified !== false,
    ...(i.firstSeenAt !== undefined ? { firstSeenAt: i.firstSeenAt } : {}),
    ...(i.firstChannel !== undefined ? { firstChannel: i.firstChannel } : {}),
    ...(i.addedBy !== undefined ? { addedBy: i.addedBy } : {}),
    ...(i.addedAt !== undefined ? { addedAt: i.addedAt } : {}),
  };
}

/** Strongest first (phone, email, channel user), then by value: the order ingest decides by. */
export const identityOrder = (a: IdentityView, b: IdentityView): number => handleKinds.indexOf(a.kind) - handleKinds.indexOf(b.kind) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

export { etagOf };

// Rejections

/** 412: the customer changed since the caller read it. */
export function customerChanged(customerIdValue: string, current: CustomerRecord): HttpProblem {
  return problems.preconditionFailed(
    'The customer has changed',
    `Customer ${customerIdValue} is now at version ${versionOf(current)}. Read it again (GET /customers/${customerIdValue}), reapply your change and send If-Match: ${etagOf({ version: versionOf(current) })}.`,
    versionOf(current),
  );
}

/** 409: a merged customer is only a pointer; its identities and tickets are the target's now. */
export const customerMerged = (c: CustomerRecord): HttpProblem =>
  problems.conflict('customer-merged', 'The customer was merged into another', `Customer ${c.customerId} was merged into ${c.mergedInto}; work with that one.`, { mergedInto: c.mergedInto });

/** 409: an erased customer keeps only ids and metrics. */
export const customerErased = (c: CustomerRecord): HttpProblem =>
  problems.conflict('customer-erased', 'The customer was erased', `Customer ${c.customerId} was erased on ${c.erasedAt}; nothing personal can be added to it.`, { erasedAt: c.erasedAt });

/** A customer that can still change: 409 for a merged or erased one. */
export function requireLive(c: CustomerRecord): CustomerRecord {
  if (c.mergedInto) throw customerMerged(c);
  if (c.erasedAt) throw customerErased(c);
  return c;
}

export const noSuchCustomer = (id: string): HttpProblem => problems.notFound(`There is no customer ${id}.`);

/** 409: the handle is someone else's; joining the two is a merge, done deliberately. */
export function identityTaken(handle: string, holder: string, customerIdValue: string): HttpProblem {
  return problems.conflict(
    'identity-taken',
    'Another customer holds this handle',
    `${handle} belongs to customer ${holder}. If they are the same person, merge them: POST /customers/${customerIdValue}/merge with {"sourceCustomerId": "${holder}"} (a supervisor's call).`,
    { heldBy: holder, merge: { method: 'POST', path: `/customers/${customerIdValue}/merge`, body: { sourceCustomerId: holder } } },
  );
}

export const lastIdentity = (customerIdValue: string): HttpProblem =>
  problems.conflict('last-identity', 'A customer keeps at least one identity', `This is the last handle of customer ${customerIdValue}; add another first, or erase the customer (DELETE /customers/${customerIdValue}, an admin's call).`);
