import * as z from 'zod';
import { csatAnswerRequest, csatAnswerResponse, csatLinkResponse } from '../../csat/api';
import { tokenPattern } from '../../csat/csat';
import type { Operation } from '../operation';
import { json } from './common';

/** Customer satisfaction: the link a solved ticket's customer gets, answered without signing in. */

const token = {
  schema: z.string().regex(tokenPattern),
  description: 'The link\'s token: 256 random bits, base64url. Unknown, expired or replaced: 404, the same answer for each.',
};
const html = { 'text/html': {} };

export const csatOperations: readonly Operation[] = [
  {
    method: 'POST',
    path: '/csat/{token}',
    operationId: 'answerCsat',
    summary: 'A customer scores their solved ticket',
    description: 'Recorded once per ticket (twenty parallel answers give one 201). A browser\'s form post gets a thank-you page (or an error page) instead of JSON. See README, "Customer satisfaction".',
    access: { kind: 'link-token' },
    pathParameters: { token },
    requestBody: {
      content: {
        'application/json': { schema: csatAnswerRequest, example: { score: 5, comment: 'Quick and friendly' } },
        'application/x-www-form-urlencoded': { schema: csatAnswerRequest, example: { score: 4 } },
      },
    },
    responses: { 201: { description: 'Recorded: the score as the ticket holds it (JSON), or a thank-you page for a form post.', content: { ...json(csatAnswerResponse), ...html } } },
    problems: ['invalid-request', 'not-found', 'already-scored', 'too-large', 'unsupported-media-type'],
  },
  {
    method: 'GET',
    path: '/csat/{token}',
    operationId: 'getCsatLink',
    summary: 'Whether a satisfaction link can be answered (a browser gets the form)',
    description: 'By what the client accepts: `Accept: text/html` gets the score form (English and Chinese), or a 404 or 409 page; an API client gets JSON or the problem.',
    access: { kind: 'link-token' },
    pathParameters: { token },
    responses: { 200: { description: 'The link can be answered.', content: { ...json(csatLinkResponse), ...html } } },
    problems: ['not-found', 'already-scored'],
  },
];
