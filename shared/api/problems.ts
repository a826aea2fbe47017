import * as z from 'zod';

/**
 * Every problem type the API answers with, by its slug (`urn:switchboard:problem:<slug>`): its HTTP
 * status and when it happens. The README's "Errors" table explains the same types to people; a test
 * checks that every slug the code throws is here, and here is there.
 */
export const problemTypes = {
  'invalid-request': { status: 400, when: 'a malformed body, query or header; `errors` names each field and what is wrong with it' },
  unauthorized: { status: 401, when: 'a missing or invalid token, or a bad or missing channel signature, or a stale timestamp' },
  forbidden: { status: 403, when: "the token's groups do not allow it (or a provider's verify token does not match)" },
  'not-found': { status: 404, when: 'an unknown channel, ticket, customer, agent, task or satisfaction link (a malformed id is an unknown one)' },
  'method-not-allowed': { status: 405, when: 'a method the path does not serve (a channel without a URL check, or local mode)' },
  'ticket-not-open': { status: 409, when: 'assigning a ticket that is solved or closed' },
  'transition-not-allowed': { status: 409, when: 'a status change the lifecycle does not allow the caller; `allowed` lists those it does' },
  'ticket-merged': { status: 409, when: 'a reply to a ticket that was merged into another (`mergedInto`): the conversation goes on there' },
  'no-address': { status: 409, when: 'a reply asked for a channel the customer has no address on; `reachableOn` lists those they have' },
  'identity-taken': { status: 409, when: 'the handle belongs to another customer: `heldBy` names them, `merge` is the request that would join the two' },
  'last-identity': { status: 409, when: "removing a customer's last handle" },
  'merge-not-allowed': { status: 409, when: 'a merge into or of a customer or ticket that was merged (or is being merged), erased, or (tickets) closed; or of a customer into itself' },
  'customer-merged': { status: 409, when: 'changing a customer that was merged (`mergedInto` names where it went)' },
  'customer-erased': { status: 409, when: 'changing a customer whose personal data was erased' },
  'already-scored': { status: 409, when: 'a satisfaction link whose ticket has its score' },
  'different-customers': { status: 409, when: "merging tickets of two customers (merge the customers first)" },
  'split-not-allowed': { status: 409, when: 'splitting a message off a ticket that is closed, erased or being merged' },
  'ticket-closed': { status: 409, when: 'adding a sub-task to a closed ticket' },
  'too-many-tasks': { status: 409, when: 'a ticket already has the most sub-tasks it may have' },
  'task-transition-not-allowed': { status: 409, when: "a sub-task status change its lifecycle does not allow" },
  'too-many-links': { status: 409, when: 'a ticket already has the most links it may have' },
  'precondition-failed': { status: 412, when: '`If-Match` names a version that is no longer current; the current `ETag` is in the answer' },
  'too-large': { status: 413, when: 'a body over the limit, or a message too large for the queue once normalized' },
  'unsupported-media-type': { status: 415, when: 'a `Content-Type` the route does not take' },
  'precondition-required': { status: 428, when: 'a change that must not overwrite someone else\'s came without `If-Match`' },
  internal: { status: 500, when: 'something failed on our side; it was logged. Retry later' },
  unavailable: { status: 503, when: 'a queue or secret could not be reached; nothing was accepted, so retry (`Retry-After`)' },
} as const satisfies Record<string, { status: number; when: string }>;

export type ProblemSlug = keyof typeof problemTypes;

export const PROBLEM_TYPE_BASE = 'urn:switchboard:problem:';
export const problemTypeUri = (slug: ProblemSlug): string => `${PROBLEM_TYPE_BASE}${slug}`;

/** RFC 9457 problem details, as shared/http/problem.ts makes them. Type-specific members (extensions) may follow. */
export const problemSchema = z
  .looseObject({
    type: z.string().regex(/^urn:switchboard:problem:[a-z-]+$/).describe('What kind of problem: a stable URN, `urn:switchboard:problem:<slug>` (README, "Errors").'),
    title: z.string().describe('A short summary of the problem type.'),
    status: z.number().int().min(400).max(599).describe('The HTTP status code.'),
    detail: z.string().describe('What went wrong with this request, and what to do about it.'),
    errors: z
      .array(z.object({ field: z.string().describe('The field, dotted (`customer.email`), a query parameter or a header; `(body)` for the body as a whole.'), message: z.string() }))
      .optional()
      .describe('For invalid requests: each invalid field and what is wrong with it.'),
  })
  .describe('A problem document (RFC 9457), sent as application/problem+json. Some types add members of their own (extensions), named in their description.');
export type ProblemDocument = z.infer<typeof problemSchema>;
