import * as z from 'zod';
import { ticketMergers, ticketWorkers } from '../../tickets/access';
import { linkRequest, linksResponse } from '../../tickets/links';
import { macroListResponse } from '../../tickets/macros';
import { ticketMergeRequest, ticketMergeResponse, ticketSplitRequest, ticketSplitResponse } from '../../tickets/merge';
import { noteRequest } from '../../tickets/notes';
import { DEFAULT_TASK_LIMIT, MAX_TASK_LIMIT, taskCreateRequest, taskIdPattern, taskListQuery, taskListResponse, taskPatchRequest, subTaskSchema } from '../../tickets/tasks';
import { noteSchema, ticketSchema } from '../../tickets/ticket-schemas';
import { ticketPatchRequest } from '../../tickets/ticket-update';
import type { Operation } from '../operation';
import { etag, idempotencyKey, ifMatchRequired, json, ticketIdParameter } from './common';

/** Agents and supervisors working tickets: status and fields, notes, merge and split, sub-tasks, links, macros. */

const id = ticketIdParameter;
const workers = { kind: 'jwt', roles: ticketWorkers } as const;

export const ticketWorkOperations: readonly Operation[] = [
  {
    method: 'PATCH',
    path: '/tickets/{id}',
    operationId: 'updateTicket',
    summary: 'Change a ticket: status, priority, category, tags, assignee, custom fields',
    description:
      'Against the version the caller read (`If-Match`). Status changes follow the lifecycle (`transition-not-allowed` lists what is allowed from here). ' +
      'Agents change their own or unassigned tickets, take an unassigned one (`assigneeId`: their id) or give theirs back (`null`); supervisors change and reassign any. ' +
      "`category` must be a configured one and `customFields` the configured fields (400 naming them). A retried request that was applied answers as the first did.",
    access: workers,
    pathParameters: { id },
    headers: [ifMatchRequired],
    requestBody: { content: json(ticketPatchRequest, { status: 'pending', tags: ['refund'] }) },
    responses: { 200: { description: 'The ticket as changed.', headers: etag, content: json(ticketSchema) } },
    problems: ['invalid-request', 'not-found', 'ticket-not-open', 'transition-not-allowed', 'precondition-failed', 'unsupported-media-type', 'precondition-required'],
  },
  {
    method: 'POST',
    path: '/tickets/{id}/notes',
    operationId: 'addNote',
    summary: 'Add an internal note; @mentioned agents become collaborators',
    description: 'Never sent to the customer. Each `@agent-id` of an existing agent is a mention: they become a collaborator (they see the ticket) and `AgentMentioned` is published.',
    access: workers,
    pathParameters: { id },
    headers: [idempotencyKey],
    requestBody: { content: json(noteRequest, { body: "@mei can you check the courier's answer?" }) },
    responses: { 201: { description: 'The note.', headers: { Location: 'The ticket.' }, content: json(noteSchema) } },
    problems: ['invalid-request', 'not-found', 'unsupported-media-type'],
  },
  {
    method: 'POST',
    path: '/tickets/{id}/merge',
    operationId: 'mergeTickets',
    summary: "Fold another ticket of the same customer into this one",
    description:
      "The source's messages, replies and notes move here (each keeps `movedFrom`), the source is closed pointing here (`mergedInto`), and customer messages that would have joined it join this one. " +
      'A retried request finishes a merge a crash cut short and answers the same.',
    access: { kind: 'jwt', roles: ticketMergers },
    pathParameters: { id },
    requestBody: { content: json(ticketMergeRequest, { sourceTicketId: 'tkt_9a0c3e71d2b45f68' }) },
    responses: { 200: { description: 'The target ticket after the merge, and what moved.', headers: etag, content: json(ticketMergeResponse.extend({ ticket: ticketSchema })) } },
    problems: ['invalid-request', 'not-found', 'merge-not-allowed', 'different-customers', 'unsupported-media-type'],
  },
  {
    method: 'POST',
    path: '/tickets/{id}/split',
    operationId: 'splitTicket',
    summary: 'Move one customer message out into a new ticket',
    description: 'The new ticket is for the same customer, open, and triaged and routed like any new one. A retried request answers with the same new ticket.',
    access: workers,
    pathParameters: { id },
    requestBody: { content: json(ticketSplitRequest, { messageId: 'web:msg-77a1c0' }) },
    responses: { 201: { description: 'The new ticket.', headers: { ...etag, Location: 'The new ticket.' }, content: json(ticketSplitResponse.extend({ ticket: ticketSchema })) } },
    problems: ['invalid-request', 'not-found', 'split-not-allowed', 'unsupported-media-type'],
  },
  {
    method: 'POST',
    path: '/tickets/{id}/tasks',
    operationId: 'addTask',
    summary: 'Add a sub-task for an agent or a team',
    description: "Added by the ticket's agent or a supervisor. The assignee becomes a collaborator.",
    access: workers,
    pathParameters: { id },
    headers: [idempotencyKey],
    requestBody: { content: json(taskCreateRequest, { title: 'Ask the courier for proof of delivery', team: 'logistics', dueAt: '2026-11-25T17:00:00Z' }) },
    responses: { 201: { description: 'The sub-task.', headers: { ...etag, Location: 'The ticket.' }, content: json(subTaskSchema) } },
    problems: ['invalid-request', 'not-found', 'ticket-closed', 'too-many-tasks', 'unsupported-media-type', 'unavailable'],
  },
  {
    method: 'PATCH',
    path: '/tickets/{id}/tasks/{taskId}',
    operationId: 'updateTask',
    summary: "Change a sub-task's status, title, owner or due date",
    description: "By the ticket's agent, a supervisor, or the task's assignee (or a member of its team). `If-Match` (the task's ETag) is optional: with it, a stale version is a 412.",
    access: workers,
    pathParameters: { id, taskId: { schema: z.string().regex(taskIdPattern), description: 'A sub-task id: `task_` and 16 hex digits.' } },
    headers: [{ name: 'If-Match', description: "The task's `ETag` as read; optional.", schema: z.string() }],
    requestBody: { content: json(taskPatchRequest, { status: 'done' }) },
    responses: { 200: { description: 'The sub-task as changed.', headers: etag, content: json(subTaskSchema) } },
    problems: ['invalid-request', 'not-found', 'task-transition-not-allowed', 'precondition-failed', 'unsupported-media-type', 'unavailable'],
  },
  {
    method: 'GET',
    path: '/tasks',
    operationId: 'listTasks',
    summary: "An agent's or a team's sub-tasks, by status",
    description: "`assignee=me` (the default) or an agent id, or `team`; `status` open by default. Agents see their own and their team's tasks; supervisors anyone's.",
    access: workers,
    query: taskListQuery,
    queryDescriptions: {
      assignee: '`me` (the default) or an agent id.',
      team: "A team's tasks instead of an agent's.",
      status: '`open` (the default), `done` or `cancelled`.',
      limit: `Tasks per page, 1 to ${MAX_TASK_LIMIT} (default ${DEFAULT_TASK_LIMIT}).`,
      cursor: "The previous page's `nextCursor`, with the same status.",
    },
    responses: { 200: { description: 'A page of sub-tasks.', content: json(taskListResponse) } },
    problems: ['invalid-request'],
  },
  {
    method: 'POST',
    path: '/tickets/{id}/links',
    operationId: 'linkTickets',
    summary: 'Link another ticket (related, or a duplicate of it)',
    description: 'The link shows on both tickets (`duplicate-of` shows as `duplicated-by` on the other). Linking again is harmless (200).',
    access: workers,
    pathParameters: { id },
    requestBody: { content: json(linkRequest, { ticketId: 'tkt_5f1c0a3e9b7d2c41', kind: 'related' }) },
    responses: {
      200: { description: 'Already linked so: the links as they are.', headers: etag, content: json(linksResponse) },
      201: { description: 'Linked: the ticket\'s links.', headers: etag, content: json(linksResponse) },
    },
    problems: ['invalid-request', 'not-found', 'too-many-links', 'unsupported-media-type', 'unavailable'],
  },
  {
    method: 'DELETE',
    path: '/tickets/{id}/links/{otherTicketId}',
    operationId: 'unlinkTickets',
    summary: 'Remove the link between two tickets',
    access: workers,
    pathParameters: { id, otherTicketId: { ...ticketIdParameter, description: 'The linked ticket.' } },
    responses: { 204: { description: 'Unlinked (or was not linked).', headers: etag } },
    problems: ['not-found', 'unavailable'],
  },
  {
    method: 'GET',
    path: '/macros',
    operationId: 'listMacros',
    summary: 'The canned replies agents answer with',
    description: 'As configured (`workspace.macros`): texts per language and what each sets on the ticket. Use one with POST /tickets/{id}/replies `{"macroId"}`.',
    access: workers,
    responses: { 200: { description: 'The macros.', content: json(macroListResponse) } },
    problems: [],
  },
];
