import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { env } from '../../infra/topology';
import { csatBodyFormat, type CsatAnswerResponse, type CsatLinkResponse, parseCsatAnswer, wantsHtml } from '../../shared/csat/api';
import { csatScores } from '../../shared/csat/csat';
import { formPage, problemPage, thanksPage } from '../../shared/csat/page';
import { alreadyScored, type CsatDeps, linkNotFound, linkState, scoreByLink } from '../../shared/csat/record';
import { requiredEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { HttpProblem, jsonResponse, problems } from '../../shared/http/problem';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbCsatStore } from '../../shared/store/dynamodb-csat-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { httpHandler } from '../commons/handler';
import { MeteredPublisher } from '../commons/metered-publisher';
import { logger } from '../commons/powertools';

const db = documentClient();
const table = requiredEnv(env.table);
const deps: CsatDeps = {
  store: new DynamoDbCsatStore(db, table),
  tickets: new DynamoDbTicketChanges(db, table),
  publisher: new MeteredPublisher(new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus))),
  now: () => new Date(),
};

/** An answer is a score and a short comment; anything near this size is not one. */
const MAX_BODY_BYTES = 16_384;

/**
 * The satisfaction link, unauthenticated: the token in the path is the credential, so it is never
 * logged (ids and the score only). POST records the score once (JSON, or a browser's form post,
 * which gets a page back); GET shows a browser the form, and tells an API client whether it can be answered.
 */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2) => {
  const token = event.pathParameters?.token ?? '';
  if (event.routeKey === 'GET /csat/{token}') {
    const state = await linkState(deps, token);
    const html = wantsHtml(event.headers);
    if (state === 'record') return html ? formPage() : jsonResponse(200, { answerable: true, scores: [...csatScores] } satisfies CsatLinkResponse);
    const problem = state === 'scored' ? alreadyScored() : linkNotFound();
    if (html) return problemPage(problem);
    throw problem;
  }
  const bodyBytes = event.isBase64Encoded ? Math.floor(((event.body?.length ?? 0) * 3) / 4) : Buffer.byteLength(event.body ?? '');
  if (bodyBytes > MAX_BODY_BYTES) throw problems.tooLarge(MAX_BODY_BYTES);
  const format = csatBodyFormat(event);
  try {
    const { ticketId, csat } = await scoreByLink(deps, token, parseCsatAnswer(event, format));
    logger.info('csat recorded', { ticketId, score: csat.score, via: csat.via });
    if (format === 'form') return thanksPage();
    const body: CsatAnswerResponse = { ticketId, score: csat.score, ...(csat.comment ? { comment: csat.comment } : {}), at: csat.at, via: 'link' };
    return jsonResponse(201, body);
  } catch (error) {
    if (format === 'form' && error instanceof HttpProblem) return problemPage(error);
    throw error;
  }
});
