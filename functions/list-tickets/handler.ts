import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { env } from '../../infra/topology';
import { callerOf, requireGroup } from '../../shared/http/caller';
import { jsonResponse } from '../../shared/http/problem';
import { requiredEnv } from '../../shared/env';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbTicketQueries, type TicketQueries } from '../../shared/store/ticket-queries';
import { ticketReaders } from '../../shared/tickets/access';
import { encodeCursor } from '../../shared/tickets/list-cursor';
import { parseListRequest } from '../../shared/tickets/list-request';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const queries: TicketQueries = new DynamoDbTicketQueries(documentClient(), requiredEnv(env.table));

/** GET /tickets: ticket summaries, newest first, a page at a time. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const caller = callerOf(event);
  requireGroup(caller, ticketReaders);
  const request = parseListRequest(event.queryStringParameters, caller.sub);

  const page = await queries.listTickets(request);
  const last = page.tickets.at(-1);
  const nextCursor = page.hasMore && last ? encodeCursor(request.filters, last) : null;

  logger.info('tickets listed', { filters: Object.keys(request.filters), count: page.tickets.length, hasMore: page.hasMore });
  return jsonResponse(200, { tickets: page.tickets, nextCursor });
});
