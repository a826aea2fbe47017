import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ComprehendClient } from '@aws-sdk/client-comprehend';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MessageReceived } from '../../events';
import { env, queueSpec } from '../../infra/topology';
import { requiredEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { backoffSeconds } from '../../shared/queue/backoff';
import { runtimeConfig } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { DynamoDbTicketMergeStore } from '../../shared/store/dynamodb-ticket-merge';
import { DynamoDbTriageReads } from '../../shared/store/dynamodb-triage-reads';
import { type TriageDeps, type TriageRequest, triageMessages } from '../../shared/tickets/triage-tickets';
import { ComprehendAnalyzer } from '../../shared/triage/comprehend-analyzer';
import { OfflineAnalyzer } from '../../shared/triage/offline-analyzer';
import { withPowertools } from '../commons/handler';
import { MeteredPublisher } from '../commons/metered-publisher';
import { logger, metricNames, metrics } from '../commons/powertools';

const config = runtimeConfig();
const db = documentClient();
const table = requiredEnv(env.table);
const offline = process.env[env.analyzer] === 'offline' || config.triage.analyzer === 'offline';
const deps: TriageDeps = {
  reads: new DynamoDbTriageReads(db, table),
  tickets: new DynamoDbTicketChanges(db, table),
  analyzer: offline ? new OfflineAnalyzer({ defaultLanguage: config.triage.defaultLanguage }) : new ComprehendAnalyzer(new ComprehendClient({}), { defaultLanguage: config.triage.defaultLanguage }),
  publisher: new MeteredPublisher(new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus))),
  config,
  now: () => new Date(),
  merges: new DynamoDbTicketMergeStore(db, table),
};
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const queueUrl = requiredEnv(queueSpec('triage').urlEnv);

/**
 * A batch of MessageReceived events, triaged together so Comprehend sees full batches. A record
 * that cannot be triaged now comes back after a growing delay, then goes to the dead-letter queue;
 * its ticket meanwhile carries defaults tagged triage:pending, so routing never waits on it.
 */
export const handler = withPowertools(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const requests = new Map<string, TriageRequest>();
  const failures: string[] = [];
  for (const record of event.Records) {
    const parsed = MessageReceived.schema.safeParse((JSON.parse(record.body) as { detail?: unknown }).detail);
    if (!parsed.success) {
      // Not a MessageReceived: retrying cannot help; the dead-letter queue keeps it for a look.
      logger.error('not a MessageReceived event', { sqsMessageId: record.messageId });
      failures.push(record.messageId);
      continue;
    }
    const { ticketId, customerId, messageId, channel, receivedAt } = parsed.data;
    requests.set(record.messageId, { ticketId, customerId, messageId, channel, receivedAt });
  }

  const outcome = await triageMessages(deps, [...requests.values()]);
  if (outcome.unavailable) {
    metrics.addMetric(outcome.unavailable === 'throttled' ? metricNames.comprehendThrottles : metricNames.comprehendErrors, MetricUnit.Count, 1);
    logger.warn('analyzer unavailable; tickets keep defaults and the messages are retried', { reason: outcome.unavailable, messages: requests.size });
  }
  for (const [sqsMessageId, request] of requests) {
    if (!outcome.retry.has(request.messageId)) continue;
    failures.push(sqsMessageId);
    const record = event.Records.find((r) => r.messageId === sqsMessageId)!;
    await sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: backoffSeconds(Number(record.attributes.ApproximateReceiveCount)) }))
      .catch(() => undefined); // Without the longer delay it comes back after the queue's own timeout.
  }
  logger.info('triage batch', { messages: event.Records.length, triaged: outcome.triaged.length, retried: failures.length });
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
});
