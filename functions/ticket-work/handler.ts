import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { env } from '../../infra/topology';
import { requiredEnv } from '../../shared/env';
import { type Caller, callerOf, requireGroup } from '../../shared/http/caller';
import { etagOf, requireIfMatch } from '../../shared/http/conditional';
import { jsonRequestBody, jsonResponse, problems } from '../../shared/http/problem';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbNoteStore } from '../../shared/store/dynamodb-notes';
import { ticketWorkers } from '../../shared/tickets/access';
import { addNote } from '../../shared/tickets/add-note';
import { parseNoteRequest } from '../../shared/tickets/notes';
import { parseTicketId } from '../../shared/tickets/ticket-detail';
import { parseTicketPatch } from '../../shared/tickets/ticket-update';
import { updateTicket, type WorkDeps } from '../../shared/tickets/update-ticket';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';
import { routingDeps } from '../commons/routing';

const deps = routingDeps() as WorkDeps;
const notes = new DynamoDbNoteStore(documentClient(), requiredEnv(env.table));

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

const routes: Record<string, (event: Event, caller: Caller) => Promise<APIGatewayProxyResultV2>> = {
  /** Status, priority, category, tags, assignee and custom fields, against the version the caller read. */
  'PATCH /tickets/{id}': async (event, caller) => {
    const ticketId = parseTicketId(event.pathParameters?.id);
    const patch = parseTicketPatch(jsonRequestBody(event));
    const ifMatch = requireIfMatch(event.headers?.['if-match'], 'ticket', `GET /tickets/${ticketId}`);
    const ticket = await updateTicket(deps, { ticketId, caller, patch, ifMatch });
    logger.info('ticket updated', { ticketId, version: ticket.version, fields: Object.keys(patch), by: caller.sub });
    return jsonResponse(200, ticket, { etag: etagOf(ticket) });
  },

  /** An internal note; @mentioned agents become collaborators. */
  'POST /tickets/{id}/notes': async (event, caller) => {
    const ticketId = parseTicketId(event.pathParameters?.id);
    const request = parseNoteRequest(jsonRequestBody(event));
    const idempotencyKey = event.headers?.['idempotency-key']?.slice(0, 200);
    const note = await addNote({ store: notes, agents: deps.agents, publisher: deps.publisher, config: deps.config, now: deps.now }, { ticketId, caller, request, ...(idempotencyKey ? { idempotencyKey } : {}) });
    logger.info('note added', { ticketId, noteId: note.noteId, mentions: note.mentions.length, by: caller.sub });
    return jsonResponse(201, note, { location: `/tickets/${ticketId}` });
  },
};

/** Agents and supervisors working tickets: one function, chosen by the route. */
export const handler = httpHandler(async (event: Event) => {
  const route = routes[event.routeKey];
  if (!route) throw problems.notFound(`No route ${event.routeKey}.`);
  const caller = callerOf(event);
  requireGroup(caller, ticketWorkers);
  return route(event, caller);
});
