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
const store = new DynamoDbIntakeStore(documentClient(new DynamoDBClient({})), requiredEnv(env.table));
const deps = { store, publisher: new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus)), mergeWindowMs: mergeWindowMs() };
const queue = new SqsMessageQueue(new SQSClient({ useQueueUrlAsEndpoint: false }), requiredEnv(queueSpec('ingest').urlEnv));

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
    const { outcome, ticketId } = await ingestMessage(deps, message);
    const ticket = await store.getTicket(ticketId);
    logger.info('call placed', { ticketId, outcome });
    return { ticketId, ticketStatus: ticket?.status ?? 'new', outcome };
  } catch (error) {
    await queue.enqueue([message]);
    logger.warn('call queued for ingest instead', { contactId: message.providerMessageId, error: error instanceof Error ? error.name : 'unknown' });
    return { ticketId: '', ticketStatus: 'queued', outcome: 'queued' };
  }
});
