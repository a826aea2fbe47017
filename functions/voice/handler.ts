import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { inboundMessage } from '../../events/inbound-message';
import { env, queueSpec } from '../../infra/topology';
import { contactMessage } from '../../shared/channels/voice';
import { requiredEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { SqsMessageQueue } from '../../shared/queue/sqs-message-queue';
import { mergeWindowMs, runtimeConfig } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { withPowertools } from '../commons/handler';
import { logger, metricNames, metrics } from '../commons/powertools';

const config = runtimeConfig();
// The caller is on the line: each table request gets a short timeout and one retry, so a slow
// table sends the call to the queue within Connect's wait instead of timing the function out.
const store = new DynamoDbIntakeStore(documentClient(new DynamoDBClient({ maxAttempts: 2, requestHandler: { requestTimeout: 1000 } })), requiredEnv(env.table));
const deps = { store, publisher: new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus)), mergeWindowMs: mergeWindowMs() };
const queue = new SqsMessageQueue(new SQSClient({ useQueueUrlAsEndpoint: false }), requiredEnv(queueSpec('ingest').urlEnv));

/** How long the caller waits for their ticket before the call is queued instead (Connect waits up to 8 s). */
const PLACE_BUDGET_MS = 3000;

function withBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** What the contact flow gets back: flat strings, as Connect requires; usable in its branches and prompts. */
export interface ContactFlowResult {
  readonly ticketId: string;
  /** The ticket's status, or `queued` when the call was queued for ingest and has no ticket id yet. */
  readonly ticketStatus: string;
  readonly outcome: string;
  [attribute: string]: string;
}

/**
 * Amazon Connect's contact-flow function: the call is placed on the caller's ticket while they are
 * on the line, so the flow can say "your request is already with us" or route by it. If the table
 * is not answering, the call is queued for ingest instead (nothing is lost) and the flow hears
 * `queued`. A malformed event is an error the flow's Error branch takes.
 */
export const handler = withPowertools(async (event: unknown): Promise<ContactFlowResult> => {
  const receivedAt = new Date().toISOString();
  const message = inboundMessage.parse(
    contactMessage(event, {
      secrets: {},
      now: new Date(receivedAt),
      receivedAt,
      maxClockSkewSeconds: config.webhook.maxClockSkewSeconds,
      defaultPhoneRegion: config.defaultPhoneRegion,
      settings: config.channels.voice,
    }),
  );
  metrics.addMetric(metricNames.messagesReceived, MetricUnit.Count, 1);
  try {
    const placed = withBudget(ingestMessage(deps, message), PLACE_BUDGET_MS);
    const { outcome, ticketId } = await placed;
    const ticket = await withBudget(store.getTicket(ticketId), 1000).catch(() => undefined);
    logger.info('call placed', { ticketId, outcome });
    return { ticketId, ticketStatus: ticket?.status ?? 'new', outcome };
  } catch (error) {
    // Placing may have stored the call before failing (say, at publishing): ingest then republishes its events.
    await queue.enqueue([message], { redelivery: true });
    logger.warn('call queued for ingest instead', { contactId: message.providerMessageId, error: error instanceof Error ? error.name : 'unknown' });
    return { ticketId: '', ticketStatus: 'queued', outcome: 'queued' };
  }
});
