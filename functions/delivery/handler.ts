import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { TicketStatusChanged } from '../../events';
import { env, queueSpec } from '../../infra/topology';
import { durationToMs } from '../../shared/config';
import { newToken } from '../../shared/csat/csat';
import { DynamoDbCsatStore } from '../../shared/store/dynamodb-csat-store';
import { channels } from '../../shared/channels/registry';
import { replyAddresses } from '../../shared/channels/reply-addresses';
import { localOutbox } from '../../shared/delivery/outbox';
import { internetTransport } from '../../shared/delivery/transport';
import { requiredEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { type AttemptOutcome, type DeliverDeps, deliverReply, notifyStatusChange } from '../../shared/replies/deliver';
import { backoffSeconds } from '../../shared/queue/backoff';
import { deliveryJob } from '../../shared/replies/reply';
import { runtimeConfig } from '../../shared/runtime';
import { channelSecrets } from '../../shared/secrets';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbReplyStore } from '../../shared/store/dynamodb-reply-store';
import { withPowertools } from '../commons/handler';
import { MeteredPublisher } from '../commons/metered-publisher';
import { logger, metricNames, metrics } from '../commons/powertools';

const db = documentClient();
const config = runtimeConfig();
const deps: DeliverDeps = {
  store: new DynamoDbReplyStore(db, requiredEnv(env.table)),
  config,
  channels,
  replyAddresses,
  now: () => new Date(),
  transport: process.env[env.transport] === 'outbox' ? localOutbox : internetTransport(),
  secretsOf: channelSecrets,
  publisher: new MeteredPublisher(new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus))),
  csat: {
    store: new DynamoDbCsatStore(db, requiredEnv(env.table)),
    lifetimeMs: durationToMs(config.csat.tokenLifetime),
    // Read when a link is made: local mode learns its own URL only once it listens.
    linkBase: () => config.csat.linkBaseUrl ?? requiredEnv(env.apiUrl),
    newToken: () => newToken(),
    now: () => new Date(),
  },
};
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const queueUrl = requiredEnv(queueSpec('delivery').urlEnv);
const processor = new BatchProcessor(EventType.SQS);

/** A queued reply job, or a status change the EventBridge rule forwarded. */
async function attempt(record: SQSRecord): Promise<AttemptOutcome> {
  const attemptNo = Number(record.attributes.ApproximateReceiveCount);
  const body = JSON.parse(record.body) as Record<string, unknown>;
  if (body['detail-type'] === TicketStatusChanged.detailType) {
    return notifyStatusChange(deps, TicketStatusChanged.schema.parse(body.detail), attemptNo);
  }
  return deliverReply(deps, deliveryJob.parse(body).replyId, attemptNo);
}

/**
 * One delivery attempt. A retryable failure comes back after a growing delay (the message's
 * visibility is stretched), then lands in the dead-letter queue once the attempts run out.
 */
async function deliverRecord(record: SQSRecord): Promise<void> {
  const outcome = await attempt(record).catch((error: unknown) => {
    logger.error('delivery attempt failed', { sqsMessageId: record.messageId, error: error instanceof Error ? error.message.slice(0, 300) : String(error) });
    const retry: AttemptOutcome = { retry: true, deadLetter: false };
    return retry;
  });
  const d = outcome.delivery;
  if (d?.status === 'sent') metrics.addMetric(metricNames.repliesSent, MetricUnit.Count, 1);
  if (d?.status === 'failed') metrics.addMetric(metricNames.deliveryFailures, MetricUnit.Count, 1);
  // Not the reason: providers quote the recipient's number or address in it.
  if (d) logger.info('delivery attempt', { sqsMessageId: record.messageId, status: d.status, attempts: d.attempts });
  if (outcome.retry) {
    metrics.addMetric(metricNames.deliveryRetries, MetricUnit.Count, 1);
    await sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: backoffSeconds(d?.attempts ?? 1) }))
      .catch(() => undefined); // Without the longer delay it simply comes back after the queue's own timeout.
  }
  if (outcome.retry || outcome.deadLetter) throw new Error('delivery not completed; the queue keeps it');
}

/** One reply per batch: a retry is a reported item failure, not a function error on the dashboard. */
export const handler = withPowertools(async (event: SQSEvent, context) => processPartialResponse(event, deliverRecord, processor, { context, throwOnFullBatchFailure: false }));
