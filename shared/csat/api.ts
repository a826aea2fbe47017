import * as z from 'zod';
import { fieldErrors, parseJsonRequest, problems } from '../http/problem';
import type { CsatAnswer } from './record';

/** POST /csat/{token}: what the customer sends and gets back. */

export const MAX_CSAT_COMMENT = 2000;

export const csatAnswerRequest = z.strictObject({
  score: z.number({ error: 'must be a whole number from 1 to 5' }).int('must be a whole number from 1 to 5').min(1, 'must be from 1 to 5').max(5, 'must be from 1 to 5'),
  comment: z.string().trim().max(MAX_CSAT_COMMENT, `must be at most ${MAX_CSAT_COMMENT} characters`).optional(),
});
export type CsatAnswerRequest = z.infer<typeof csatAnswerRequest>;

/** 201: the score as recorded on the ticket. */
export const csatAnswerResponse = z.object({
  ticketId: z.string(),
  score: z.number().int().min(1).max(5),
  comment: z.string().optional(),
  at: z.iso.datetime(),
  via: z.literal('link'),
});
export type CsatAnswerResponse = z.infer<typeof csatAnswerResponse>;

/** GET /csat/{token} for an API client: the link can still be answered (otherwise a 404 or 409 problem). */
export const csatLinkResponse = z.object({ answerable: z.literal(true), scores: z.array(z.number().int()) });
export type CsatLinkResponse = z.infer<typeof csatLinkResponse>;

const EXAMPLE = '{"score": 5, "comment": "Quick and friendly"}';

/** A browser opening the link (it asks for HTML) gets pages; an API client, JSON and problem documents. */
export const wantsHtml = (headers: Record<string, string | undefined> | undefined): boolean => /\btext\/html\b/i.test(headers?.accept ?? '');

interface HttpRequest {
  readonly headers?: Record<string, string | undefined>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

export type CsatBodyFormat = 'json' | 'form';

/** The request's format from its content type: JSON for API clients, a form post from a browser; 415 for anything else. */
export function csatBodyFormat(request: HttpRequest): CsatBodyFormat {
  const contentType = request.headers?.['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (contentType === 'application/json') return 'json';
  if (contentType === 'application/x-www-form-urlencoded') return 'form';
  throw problems.unsupportedMediaType('application/json (or an application/x-www-form-urlencoded form post)');
}

/** The answer in either format: 400 naming `score` or `comment` when they are not valid. An empty comment is none. */
export function parseCsatAnswer(request: HttpRequest, format: CsatBodyFormat): CsatAnswer {
  const text = request.body && request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString('utf8') : (request.body ?? '');
  let data: CsatAnswerRequest;
  if (format === 'json') {
    data = parseJsonRequest(text, csatAnswerRequest, EXAMPLE, 'The answer is not valid.');
  } else {
    const form = new URLSearchParams(text);
    const score = form.get('score');
    const result = csatAnswerRequest.safeParse({
      score: score !== null && /^\s*\d+\s*$/.test(score) ? Number(score) : (score ?? undefined),
      ...(form.get('comment') !== null ? { comment: form.get('comment') } : {}),
    });
    if (!result.success) throw problems.badRequest('The answer is not valid.', fieldErrors(result.error.issues));
    data = result.data;
  }
  return { score: data.score as CsatAnswer['score'], ...(data.comment ? { comment: data.comment } : {}) };
}
