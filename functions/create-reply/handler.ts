import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { env, queueSpec } from '../../infra/topology';
import { replyAddresses } from '../../shared/channels/reply-addresses';
import { requiredEnv } from '../../shared/env';
import { callerOf, requireGroup } from '../../shared/http/caller';
import { jsonRequestBody, jsonResponse } from '../../shared/http/problem';
import { SqsJobQueue } from '../../shared/queue/sqs-job-queue';
import { createReply } from '../../shared/replies/deliver';
import { type DeliveryJob, parseReplyRequest } from '../../shared/replies/reply';
import { runtimeConfig } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbReplyStore } from '../../shared/store/dynamodb-reply-store';
import { ticketRepliers } from '../../shared/tickets/access';
import { parseTicketId } from '../../shared/tickets/ticket-detail';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const deps = {
  store: new DynamoDbReplyStore(documentClient(), requiredEnv(env.table)),
  queue: new SqsJobQueue<DeliveryJob>(new SQSClient({ useQueueUrlAsEndpoint: false }), requiredEnv(queueSpec('delivery').urlEnv)),
  config: runtimeConfig(),
  replyAddresses,
  now: () => new Date(),
  random: randomUUID,
};

/** POST /tickets/{id}/replies: the reply is on the ticket at once and on its way to the customer. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  const caller = callerOf(event);
  requireGroup(caller, ticketRepliers);
  const ticketId = parseTicketId(event.pathParameters?.id);
  const request = parseReplyRequest(jsonRequestBody(event));
  const idempotencyKey = event.headers?.['idempotency-key']?.slice(0, 200);

  const reply = await createReply(deps, { ticketId, caller, request, ...(idempotencyKey ? { idempotencyKey } : {}) });
  logger.info('reply created', { ticketId, replyId: reply.replyId, channel: reply.channel, delivery: reply.delivery.status });
  return jsonResponse(202, reply, { location: `/tickets/${ticketId}` });
});
