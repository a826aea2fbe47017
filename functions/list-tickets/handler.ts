import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { env } from '../../infra/topology';
import { callerOf, requireGroup } from '../../shared/http/caller';
import { jsonResponse } from '../../shared/http/problem';
import { requiredEnv } from '../../shared/env';
import { runtimeConfig } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbTicketQueries, type TicketQueries } from '../../shared/store/ticket-queries';
import { mayList, ticketReaders } from '../../shared/tickets/access';
import { encodeCursor } from '../../shared/tickets/list-cursor';
import { parseListRequest } from '../../shared/tickets/list-request';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const queries: TicketQueries = new DynamoDbTicketQueries(documentClient(), requiredEnv(env.table));
const config = runtimeConfig();

/** GET /tickets: ticket summaries in the order asked (newest first by default), a page at a time. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const caller = callerOf(event);
  requireGroup(caller, ticketReaders);
  const request = parseListRequest(event.queryStringParameters, caller.sub);
  mayList(request.filters, caller, config);

  const page = await queries.listTickets(request);
  const nextCursor = page.hasMore && page.lastKey ? encodeCursor(request.filters, request.order, page.lastKey) : null;

  logger.info('tickets listed', { filters: Object.keys(request.filters), order: request.order, count: page.tickets.length, hasMore: page.hasMore });
  return jsonResponse(200, { tickets: page.tickets, nextCursor });
});
