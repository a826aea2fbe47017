import { replyRequest } from '../../replies/reply';
import { ticketReaders, ticketRepliers } from '../../tickets/access';
import { DEFAULT_LIMIT, listQuery, MAX_LIMIT } from '../../tickets/list-request';
import { appliedMacroSchema } from '../../tickets/macro-reply';
import { ticketDetailResponse, ticketListResponse, replySchema } from '../../tickets/ticket-schemas';
import { DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT, timelineQuery } from '../../tickets/timeline';
import type { Operation } from '../operation';
import { etag, idempotencyKey, json, ticketIdParameter } from './common';

/** Reading tickets and answering customers. */

export const ticketOperations: readonly Operation[] = [
  {
    method: 'GET',
    path: '/tickets',
    operationId: 'listTickets',
    summary: 'Ticket summaries, filtered and sorted, a page at a time',
    description:
      'Newest first by default. Each request is served by one list index (never a scan), so some combinations are a 400 naming the parameter: `sort=priority` needs a `status` or an `assignee`, ' +
      '`sort=updated` needs a `status` (and goes with `updatedFrom`/`updatedTo`), `sla` lists are ordered by due time (no `sort`), `dueWithin` goes with `sla=due-soon`. ' +
      'Unknown parameters are a 400. Agents who see assigned tickets only (`workspace.agentsSee`) list `assignee=me` or `assignee=none` (403 otherwise). Pass `nextCursor` back as `cursor`, with the same filters.',
    access: { kind: 'jwt', roles: ticketReaders },
    query: listQuery,
    queryDescriptions: {
      assignee: '`me` (the caller), `none` (unassigned) or an agent id.',
      customer: 'A customer id (`cus_…`).',
      createdFrom: 'Created at or after (ISO-8601 UTC).',
      createdTo: 'Created at or before.',
      updatedFrom: 'Latest activity at or after; with `sort=updated`.',
      updatedTo: 'Latest activity at or before; with `sort=updated`.',
      sla: '`breached`: a running deadline has passed; `due-soon`: one falls within `dueWithin` minutes. Ordered by due time, soonest first.',
      dueWithin: 'Minutes, 1 to 10080 (default 60); with `sla=due-soon`.',
      sort: '`created` (newest first, the default), `updated` (latest activity first; needs `status`), `priority` (most urgent, then soonest due; needs `status` or `assignee`).',
      limit: `Tickets per page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`,
      cursor: "The previous page's `nextCursor`, with the same filters.",
    },
    responses: { 200: { description: 'A page of ticket summaries.', content: json(ticketListResponse) } },
    problems: ['invalid-request'],
  },
  {
    method: 'GET',
    path: '/tickets/{id}',
    operationId: 'getTicket',
    summary: 'A ticket, its customer and a page of its timeline',
    description:
      'The timeline holds customer messages, replies and notifications (each with its `delivery`), internal notes and audit entries, oldest first by default (`order=desc`: newest first). ' +
      'A ticket the caller may not see is a 404, like a missing one.',
    access: { kind: 'jwt', roles: ticketReaders },
    pathParameters: { id: ticketIdParameter },
    query: timelineQuery,
    queryDescriptions: {
      limit: `Timeline entries per page, 1 to ${MAX_TIMELINE_LIMIT} (default ${DEFAULT_TIMELINE_LIMIT}).`,
      order: '`asc`: oldest first (the default); `desc`: newest first.',
      cursor: "The previous page's `nextCursor` (it carries its order).",
    },
    responses: { 200: { description: 'The ticket; its `version` is the ETag.', headers: etag, content: json(ticketDetailResponse) } },
    problems: ['invalid-request', 'not-found'],
  },
  {
    method: 'POST',
    path: '/tickets/{id}/replies',
    operationId: 'createReply',
    summary: 'Answer the customer on their channel',
    description:
      "The reply is on the ticket's timeline at once and queued for delivery: on the customer's last channel (after a call or a web form, which have no reply API, the most recent channel on the ticket that has one), " +
      'or on `channel` if they have an address there; with none it is `recorded` only. With `macroId` instead of `text`, the macro (GET /macros) is filled in for the ticket and its `set` applied to the ticket ' +
      'as PATCH would (so the lifecycle may refuse it: 409, with nothing sent).',
    access: { kind: 'jwt', roles: ticketRepliers },
    pathParameters: { id: ticketIdParameter },
    headers: [idempotencyKey],
    requestBody: { content: json(replyRequest, { text: 'Sorry about that, a new one is on its way.' }) },
    responses: {
      202: {
        description: 'The reply, queued for delivery (or recorded); `macro` says what a macro changed on the ticket.',
        headers: { Location: 'The ticket.' },
        content: json(replySchema.extend({ macro: appliedMacroSchema.optional() })),
      },
    },
    problems: ['invalid-request', 'not-found', 'no-address', 'ticket-merged', 'transition-not-allowed', 'unsupported-media-type', 'unavailable'],
  },
];
