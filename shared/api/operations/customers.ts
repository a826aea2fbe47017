import * as z from 'zod';
import {
  customerEditors,
  customerExportSchema,
  customerMergers,
  customerPatchRequest,
  customerProfileSchema,
  customerReaders,
  customerSearchResultSchema,
  customerViewSchema,
  erasureResultSchema,
  identityRequest,
  identitySchema,
  mergeRequest,
  mergeResultSchema,
  privacyOfficers,
} from '../../customers/customer-api';
import { customerSearchQuery, DEFAULT_SEARCH_LIMIT, MAX_QUERY_LENGTH, MAX_SEARCH_LIMIT } from '../../customers/search';
import type { Operation } from '../operation';
import { customerIdParameter, etag, ifMatchRequired, json } from './common';

/** Customers: one identity across channels, the 360° view, and privacy requests. README, "Customers". */

const id = customerIdParameter;

export const customerOperations: readonly Operation[] = [
  {
    method: 'GET',
    path: '/customers',
    operationId: 'searchCustomers',
    summary: 'Find customers by email, phone, channel handle or name prefix',
    description:
      'An email (any case), a phone number in any format (without a country code: read in `defaultPhoneRegion`) or a handle (`telegram:12345`) is looked up directly; anything else is the start of a name ' +
      '(case, accents and full-width forms do not matter; at least two letters or one CJK character). A missing or too short `q`, an invalid email or number: 400 naming `q`.',
    access: { kind: 'jwt', roles: customerReaders },
    query: customerSearchQuery,
    queryDescriptions: {
      q: `An email, a phone number, a handle such as \`telegram:12345\`, or the start of a name (up to ${MAX_QUERY_LENGTH} characters).`,
      limit: `Customers to answer, 1 to ${MAX_SEARCH_LIMIT} (default ${DEFAULT_SEARCH_LIMIT}).`,
    },
    responses: { 200: { description: 'What `q` was read as, and the customers found.', content: json(customerSearchResultSchema) } },
    problems: ['invalid-request'],
  },
  {
    method: 'GET',
    path: '/customers/{id}',
    operationId: 'getCustomer',
    summary: "A customer's 360° view",
    description: 'Profile, every identity, the newest 50 tickets on every channel (`moreTickets`: page on with GET /tickets?customer=<id>; agents see the tickets they may open) and satisfaction scores.',
    access: { kind: 'jwt', roles: customerReaders },
    pathParameters: { id },
    responses: { 200: { description: 'The customer; `version` is the ETag.', headers: etag, content: json(customerViewSchema) } },
    problems: ['not-found'],
  },
  {
    method: 'PATCH',
    path: '/customers/{id}',
    operationId: 'updateCustomer',
    summary: "Edit a customer's profile",
    description: 'The fields sent change, `null` removes one; `attributes` merge key by key. Needs `If-Match` with the version read.',
    access: { kind: 'jwt', roles: customerEditors },
    pathParameters: { id },
    headers: [ifMatchRequired],
    requestBody: { content: json(customerPatchRequest, { tier: 'vip', attributes: { plan: 'gold' } }) },
    responses: { 200: { description: 'The profile as changed.', headers: etag, content: json(customerProfileSchema) } },
    problems: ['invalid-request', 'not-found', 'customer-merged', 'customer-erased', 'precondition-failed', 'unsupported-media-type', 'precondition-required'],
  },
  {
    method: 'DELETE',
    path: '/customers/{id}',
    operationId: 'eraseCustomer',
    summary: "Erase a customer's personal data (the right to be forgotten)",
    description: 'Identities deleted, names, notes and attributes removed, and the personal content of every ticket and timeline item erased; ids and metrics stay. Idempotent: a repeat finishes the job.',
    access: { kind: 'jwt', roles: privacyOfficers },
    pathParameters: { id },
    responses: { 200: { description: 'What was erased.', content: json(erasureResultSchema) } },
    problems: ['not-found', 'customer-merged'],
  },
  {
    method: 'POST',
    path: '/customers/{id}/identities',
    operationId: 'addIdentity',
    summary: 'Add a handle (phone, email or channel user) to a customer',
    description: 'Normalized as the channels normalize it, and unverified. A handle another customer holds is a 409 naming them (`identity-taken`): if they are one person, merge them.',
    access: { kind: 'jwt', roles: customerEditors },
    pathParameters: { id },
    requestBody: { content: json(identityRequest, { kind: 'phone', value: '+44 20 7183 8750' }) },
    responses: {
      200: { description: 'Already theirs.', headers: etag, content: json(z.object({ identity: identitySchema, customer: customerProfileSchema })) },
      201: { description: 'Added.', headers: etag, content: json(z.object({ identity: identitySchema, customer: customerProfileSchema })) },
    },
    problems: ['invalid-request', 'not-found', 'identity-taken', 'customer-merged', 'customer-erased', 'unsupported-media-type'],
  },
  {
    method: 'DELETE',
    path: '/customers/{id}/identities/{handle}',
    operationId: 'removeIdentity',
    summary: 'Take a handle off a customer',
    description: 'The handle becomes a customer record of its own, where its next message opens a ticket. A customer keeps at least one handle (409 `last-identity`).',
    access: { kind: 'jwt', roles: customerEditors },
    pathParameters: {
      id,
      handle: { schema: z.string(), description: 'As identities show it, percent-encoded: `phone:+442071838750`, `email:ana@example.com`, `telegram:12345` (400 when it is not one).' },
    },
    responses: { 200: { description: 'The profile after.', headers: etag, content: json(customerProfileSchema) } },
    problems: ['invalid-request', 'not-found', 'last-identity', 'customer-merged', 'customer-erased'],
  },
  {
    method: 'POST',
    path: '/customers/{id}/merge',
    operationId: 'mergeCustomers',
    summary: "Fold another customer record of the same person into this one",
    description: "The source's identities, scores and tickets become this customer's; the source points here (`mergedInto`). Idempotent: a repeat after a crash finishes the merge.",
    access: { kind: 'jwt', roles: customerMergers },
    pathParameters: { id },
    requestBody: { content: json(mergeRequest, { sourceCustomerId: 'cus_0b3e7d92a4c81f56' }) },
    responses: { 200: { description: 'What moved.', headers: etag, content: json(mergeResultSchema) } },
    problems: ['invalid-request', 'not-found', 'merge-not-allowed', 'customer-merged', 'customer-erased', 'unsupported-media-type'],
  },
  {
    method: 'GET',
    path: '/customers/{id}/export',
    operationId: 'exportCustomer',
    summary: 'Everything held about a customer, as one JSON file (data-subject access request)',
    access: { kind: 'jwt', roles: privacyOfficers },
    pathParameters: { id },
    responses: {
      200: { description: 'The export, to download.', headers: { 'Content-Disposition': '`attachment; filename="<customerId>.json"`' }, content: json(customerExportSchema) },
    },
    problems: ['not-found'],
  },
];
