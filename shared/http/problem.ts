import * as z from 'zod';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';

/**
 * RFC 9457 problem documents. Every rejected request gets one, naming what was wrong and how to
 * fix it.
 */

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** For validation problems: each field and what is wrong with it. */
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
  readonly [extension: string]: unknown;
}

/** Problem types are URNs; the README's "Errors" table explains each. */
const TYPE_BASE = 'urn:switchboard:problem:';

export class HttpProblem extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
  constructor(status: number, slug: string, title: string, detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(detail);
    // Extensions never override the members every problem has.
    this.problem = { ...extensions, type: `${TYPE_BASE}${slug}`, title, status, detail };
    this.headers = headers;
  }
}

export const problems = {
  badRequest: (detail: string, errors?: Problem['errors']) => new HttpProblem(400, 'invalid-request', 'The request is not valid', detail, errors ? { errors } : {}),
  unauthorized: (detail: string) => new HttpProblem(401, 'unauthorized', 'The request could not be authenticated', detail),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'Not allowed', detail),
  notFound: (detail: string) => new HttpProblem(404, 'not-found', 'Not found', detail),
  /** 409: the request is valid but the resource's state does not allow it; `slug` names the rule. */
  conflict: (slug: string, title: string, detail: string, extensions: Record<string, unknown> = {}) => new HttpProblem(409, slug, title, detail, extensions),
  /** 412: If-Match names a version that is no longer current. */
  preconditionFailed: (title: string, detail: string, currentVersion?: number) =>
    new HttpProblem(412, 'precondition-failed', title, detail, currentVersion !== undefined ? { currentVersion } : {}, currentVersion !== undefined ? { etag: `"${currentVersion}"` } : {}),
  /** 428: a write that needs If-Match came without it. */
  preconditionRequired: (detail: string) => new HttpProblem(428, 'precondition-required', 'If-Match is required', detail),
  tooLarge: (limit: number) =>
    new HttpProblem(413, 'too-large', 'The request body is too large', `The body must be at most ${limit} bytes.`, { limitBytes: limit }),
  unsupportedMediaType: (expected: string) =>
    new HttpProblem(415, 'unsupported-media-type', 'Unsupported content type', `Send the body as ${expected}.`),
  unavailable: (detail: string) => new HttpProblem(503, 'unavailable', 'Temporarily unavailable', detail, {}, { 'Retry-After': '5' }),
  internal: () => new HttpProblem(500, 'internal', 'Internal error', 'Something went wrong on our side; it has been logged. Retry later.'),
};

export function problemResponse(p: HttpProblem): APIGatewayProxyResultV2 {
  return {
    statusCode: p.problem.status,
    headers: { 'content-type': 'application/problem+json', ...p.headers },
    body: JSON.stringify(p.problem),
  };
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Zod issues as problem `errors`: a dotted field path and the message. */
export function fieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix = ''): { field: string; message: string }[] {
  return issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)', message: i.message }));
}

/**
 * A JSON request body checked against its schema: 400 with an example when it is not JSON, 400
 * naming each invalid field when it does not match.
 */
export function parseJsonRequest<T>(body: string | undefined, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } } }, example: string, invalid: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    throw problems.badRequest(`The body must be JSON, like ${example}.`);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw problems.badRequest(invalid, fieldErrors(result.error.issues));
  return result.data;
}

/**
 * A number DynamoDB stores as sent: JSON allows numbers it cannot hold (beyond 2^53 they lose
 * digits when parsed; tiny ones underflow), which would otherwise fail the write with a 500.
 */
export const storableNumber = z
  .number()
  .refine((n) => Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER && (n === 0 || Math.abs(n) >= 1e-100), 'must be a number within ±9007199254740991 (and not tinier than 1e-100)');

/** A request's JSON body as text (API Gateway may hand it over base64-encoded); 415 for any other content type. */
export function jsonRequestBody(event: { headers?: Record<string, string | undefined>; body?: string; isBase64Encoded?: boolean }): string | undefined {
  const contentType = event.headers?.['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') throw problems.unsupportedMediaType('application/json');
  return event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
