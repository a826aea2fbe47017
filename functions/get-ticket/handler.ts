import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { env } from '../../infra/topology';
import { callerOf, requireGroup } from '../../shared/http/caller';
import { jsonResponse, problems } from '../../shared/http/problem';
import { requiredEnv } from '../../shared/env';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbTicketQueries, type TicketQueries } from '../../shared/store/ticket-queries';
import { ticketReaders } from '../../shared/tickets/access';
import { parseTicketId } from '../../shared/tickets/ticket-detail';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const queries: TicketQueries = new DynamoDbTicketQueries(documentClient(), requiredEnv(env.table));

/** GET /tickets/{id}: the ticket, its messages in order, its audit trail and its customer. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  requireGroup(callerOf(event), ticketReaders);
  const ticketId = parseTicketId(event.pathParameters?.id);

  const detail = await queries.ticketDetail(ticketId);
  if (!detail) throw problems.notFound(`There is no ticket ${ticketId}.`);

  logger.info('ticket read', { ticketId, customerId: detail.ticket.customerId, messages: detail.messages.length, auditEntries: detail.audit.length });
  return jsonResponse(200, detail);
});
