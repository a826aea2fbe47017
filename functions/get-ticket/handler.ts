import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { env } from '../../infra/topology';
import { callerOf, requireGroup } from '../../shared/http/caller';
import { etagOf } from '../../shared/http/conditional';
import { jsonResponse } from '../../shared/http/problem';
import { requiredEnv } from '../../shared/env';
import { runtimeConfig } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbTicketQueries, type TicketQueries } from '../../shared/store/ticket-queries';
import { ticketReaders, visibleTo } from '../../shared/tickets/access';
import { parseTicketId } from '../../shared/tickets/ticket-detail';
import { parseTimelineRequest } from '../../shared/tickets/timeline';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const queries: TicketQueries = new DynamoDbTicketQueries(documentClient(), requiredEnv(env.table));
const config = runtimeConfig();

/** GET /tickets/{id}: the ticket (its version as the ETag), its customer and a page of its timeline. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const caller = callerOf(event);
  requireGroup(caller, ticketReaders);
  const ticketId = parseTicketId(event.pathParameters?.id);
  const timeline = parseTimelineRequest(event.queryStringParameters);

  const detail = await queries.ticketDetail(ticketId, timeline);
  visibleTo(detail?.ticket, ticketId, caller, config);

  logger.info('ticket read', { ticketId, customerId: detail!.ticket.customerId, entries: detail!.timeline.length, more: detail!.nextCursor !== undefined });
  return jsonResponse(200, detail, { etag: etagOf(detail!.ticket) });
});
