import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { env, queueSpec } from '../../infra/topology';
import { replyAddresses } from '../../shared/channels/reply-addresses';
import { requiredEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { callerOf, requireGroup } from '../../shared/http/caller';
import { jsonRequestBody, jsonResponse } from '../../shared/http/problem';
import { SqsJobQueue } from '../../shared/queue/sqs-job-queue';
import { createReply } from '../../shared/replies/deliver';
import { type DeliveryJob, parseReplyRequest } from '../../shared/replies/reply';
import { runtimeConfig } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbMacroNames } from '../../shared/store/dynamodb-macro-names';
import { DynamoDbReplyStore } from '../../shared/store/dynamodb-reply-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { ticketRepliers } from '../../shared/tickets/access';
import { replyWithMacro } from '../../shared/tickets/macro-reply';
import { parseTicketId } from '../../shared/tickets/ticket-detail';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const db = documentClient();
const table = requiredEnv(env.table);
const deps = {
  store: new DynamoDbReplyStore(db, table),
  queue: new SqsJobQueue<DeliveryJob>(new SQSClient({ useQueueUrlAsEndpoint: false }), requiredEnv(queueSpec('delivery').urlEnv)),
  config: runtimeConfig(),
  replyAddresses,
  now: () => new Date(),
  random: randomUUID,
};
/** A macro's reply also changes the ticket (its `set`) and announces that change. */
const macroDeps = {
  reply: deps,
  tickets: new DynamoDbTicketChanges(db, table),
  publisher: new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus)),
  names: new DynamoDbMacroNames(db, table),
};

/** POST /tickets/{id}/replies: the reply is on the ticket at once and on its way to the customer. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const caller = callerOf(event);
  requireGroup(caller, ticketRepliers);
  const ticketId = parseTicketId(event.pathParameters?.id);
  const request = parseReplyRequest(jsonRequestBody(event));
  const idempotencyKey = event.headers?.['idempotency-key']?.slice(0, 200);

  const retry = idempotencyKey ? { idempotencyKey } : {};
  const { macroId, text, ...rest } = request;
  const reply =
    macroId !== undefined
      ? await replyWithMacro(macroDeps, { ticketId, caller, request: { ...rest, macroId }, ...retry })
      : await createReply(deps, { ticketId, caller, request: { ...rest, text: text! }, ...retry });
  logger.info('reply created', { ticketId, replyId: reply.replyId, channel: reply.channel, delivery: reply.delivery.status, ...(macroId ? { macroId } : {}) });
  return jsonResponse(202, reply, { location: `/tickets/${ticketId}` });
});
