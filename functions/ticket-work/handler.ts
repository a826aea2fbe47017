import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { env } from '../../infra/topology';
import { requiredEnv } from '../../shared/env';
import { type Caller, callerOf, requireGroup } from '../../shared/http/caller';
import { etagOf, parseIfMatch, requireIfMatch } from '../../shared/http/conditional';
import { jsonRequestBody, jsonResponse, problems } from '../../shared/http/problem';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbNoteStore } from '../../shared/store/dynamodb-notes';
import { ticketMergers, ticketWorkers } from '../../shared/tickets/access';
import { addNote } from '../../shared/tickets/add-note';
import { parseNoteRequest } from '../../shared/tickets/notes';
import { parseTicketId } from '../../shared/tickets/ticket-detail';
import { parseTicketPatch } from '../../shared/tickets/ticket-update';
import { updateTicket, type WorkDeps } from '../../shared/tickets/update-ticket';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';
import { routingDeps } from '../commons/routing';
import { DynamoDbTicketMergeStore } from '../../shared/store/dynamodb-ticket-merge';
import { parseTicketMergeRequest, parseTicketSplitRequest } from '../../shared/tickets/merge';
import { type MergeDeps, mergeTickets, splitTicket } from '../../shared/tickets/merge-tickets';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-task-store';
import { linkTickets, unlinkTickets } from '../../shared/tickets/link-tickets';
import { parseLinkRequest } from '../../shared/tickets/links';
import { macroList } from '../../shared/tickets/macros';
import { addTask, listTasks, type TaskDeps, updateTask } from '../../shared/tickets/task-work';
import { parseTaskCreate, parseTaskId, parseTaskPatch } from '../../shared/tickets/tasks';

const deps = routingDeps() as WorkDeps;
const db = documentClient();
const table = requiredEnv(env.table);
const notes = new DynamoDbNoteStore(db, table);
const merges: MergeDeps = { store: new DynamoDbTicketMergeStore(db, table), tickets: deps.tickets, collaborators: notes, publisher: deps.publisher, config: deps.config, now: deps.now };
const taskDeps: TaskDeps = { ...deps, tasks: new DynamoDbTaskStore(db, table), collaborators: notes };

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

  /** Folds another ticket of the same customer into this one (supervisors); the source is closed, pointing here. */
  'POST /tickets/{id}/merge': async (event, caller) => {
    requireGroup(caller, ticketMergers);
    const targetId = parseTicketId(event.pathParameters?.id);
    const { sourceTicketId } = parseTicketMergeRequest(jsonRequestBody(event));
    const merged = await mergeTickets(merges, { targetId, sourceId: sourceTicketId, caller });
    logger.info('tickets merged', { ticketId: targetId, sourceTicketId, moved: merged.moved, by: caller.sub });
    return jsonResponse(200, merged, { etag: etagOf(merged.ticket) });
  },

  /** Moves one customer message out into a new ticket of the same customer, triaged and routed like any new one. */
  'POST /tickets/{id}/split': async (event, caller) => {
    const ticketId = parseTicketId(event.pathParameters?.id);
    const { messageId } = parseTicketSplitRequest(jsonRequestBody(event));
    const split = await splitTicket(merges, { ticketId, messageId, caller });
    logger.info('ticket split', { ticketId, newTicketId: split.ticket.ticketId, by: caller.sub });
    return jsonResponse(201, split, { location: `/tickets/${split.ticket.ticketId}`, etag: etagOf(split.ticket) });
  },

  /** A sub-task for another agent or a team; its assignee becomes a collaborator. */
  'POST /tickets/{id}/tasks': async (event, caller) => {
    const ticketId = parseTicketId(event.pathParameters?.id);
    const request = parseTaskCreate(jsonRequestBody(event));
    const idempotencyKey = event.headers?.['idempotency-key']?.slice(0, 200);
    const task = await addTask(taskDeps, { ticketId, caller, request, ...(idempotencyKey ? { idempotencyKey } : {}) });
    logger.info('task added', { ticketId, taskId: task.taskId, by: caller.sub });
    return jsonResponse(201, task, { location: `/tickets/${ticketId}`, etag: etagOf(task) });
  },

  /** A sub-task's status, title, owner or due date; If-Match (the task's version) is optional. */
  'PATCH /tickets/{id}/tasks/{taskId}': async (event, caller) => {
    const ticketId = parseTicketId(event.pathParameters?.id);
    const taskId = parseTaskId(event.pathParameters?.taskId, ticketId);
    const patch = parseTaskPatch(jsonRequestBody(event));
    const ifMatch = parseIfMatch(event.headers?.['if-match'], 'task');
    const task = await updateTask(taskDeps, { ticketId, taskId, caller, patch, ...(typeof ifMatch === 'number' ? { ifMatch } : {}) });
    logger.info('task updated', { ticketId, taskId, version: task.version, fields: Object.keys(patch), by: caller.sub });
    return jsonResponse(200, task, { etag: etagOf(task) });
  },

  /** An agent's or a team's tasks by status, found by key (their owner's partition). */
  'GET /tasks': async (event, caller) => jsonResponse(200, await listTasks(taskDeps, caller, event.queryStringParameters)),

  /** A link to another ticket, shown on both. */
  'POST /tickets/{id}/links': async (event, caller) => {
    const ticketId = parseTicketId(event.pathParameters?.id);
    const request = parseLinkRequest(jsonRequestBody(event), ticketId);
    const { ticket, created } = await linkTickets(deps, { ticketId, caller, request });
    logger.info('tickets linked', { ticketId, otherTicketId: request.ticketId, kind: request.kind, created, by: caller.sub });
    return jsonResponse(created ? 201 : 200, { ticketId, version: ticket.version, links: ticket.links ?? [] }, { etag: etagOf(ticket) });
  },

  'DELETE /tickets/{id}/links/{otherTicketId}': async (event, caller) => {
    const ticketId = parseTicketId(event.pathParameters?.id);
    const otherId = parseTicketId(event.pathParameters?.otherTicketId);
    const ticket = await unlinkTickets(deps, { ticketId, otherId, caller });
    logger.info('tickets unlinked', { ticketId, otherTicketId: otherId, by: caller.sub });
    return { statusCode: 204, headers: { etag: etagOf(ticket) } };
  },

  /** The canned replies agents answer with (POST /tickets/{id}/replies {"macroId"}). */
  'GET /macros': async () => jsonResponse(200, macroList(deps.config.workspace.macros)),
};

/** Agents and supervisors working tickets: one function, chosen by the route. */
export const handler = httpHandler(async (event: Event) => {
  const route = routes[event.routeKey];
  if (!route) throw problems.notFound(`No route ${event.routeKey}.`);
  const caller = callerOf(event);
  requireGroup(caller, ticketWorkers);
  return route(event, caller);
});
