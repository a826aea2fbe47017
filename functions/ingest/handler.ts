import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { inboundMessage } from '../../events/inbound-message';
import { env } from '../../infra/topology';
import { ingestMessage, type IngestDeps, type IngestOutcome } from '../../shared/ingest/ingest-message';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { fieldErrors } from '../../shared/http/problem';
import { requiredEnv } from '../../shared/env';
import { mergeWindowMs } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbCsatStore } from '../../shared/store/dynamodb-csat-store';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { REDELIVERY_ATTRIBUTE } from '../../shared/queue/attributes';
import { withPowertools } from '../commons/handler';
import { MeteredPublisher } from '../commons/metered-publisher';
import { logger, metricNames, metrics } from '../commons/powertools';

const db = documentClient(new DynamoDBClient({}));
const publisher = new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus));
const deps: IngestDeps = {
  store: new DynamoDbIntakeStore(db, requiredEnv(env.table)),
  publisher,
  mergeWindowMs: mergeWindowMs(),
  // A customer answering their satisfaction request with the score.
  csat: {
    store: new DynamoDbCsatStore(db, requiredEnv(env.table)),
    tickets: new DynamoDbTicketChanges(db, requiredEnv(env.table)),
    publisher: new MeteredPublisher(publisher),
    now: () => new Date(),
  },
};

const outcomeMetric: Record<IngestOutcome, string> = {
  created: metricNames.ticketsCreated,
  merged: metricNames.messagesMerged,
  reopened: metricNames.ticketsReopened,
  duplicate: metricNames.duplicatesDropped,
};

const processor = new BatchProcessor(EventType.SQS);

/**
 * One queued message: placed on its ticket, or thrown back to the queue (retry, then dead letter).
 * A failed record is not a function error (the batch reports it), so it is logged and counted here:
 * the IngestErrors alarm watches both.
 */
async function placeRecord(record: SQSRecord): Promise<void> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  try {
    const message = inboundMessage.parse(JSON.parse(record.body));
    const redelivery = receiveCount > 1 || record.messageAttributes?.[REDELIVERY_ATTRIBUTE]?.stringValue === 'true';
    const { outcome, ticketId } = await ingestMessage(deps, message, redelivery);
    metrics.addMetric(outcomeMetric[outcome], MetricUnit.Count, 1);
    logger.info('message placed', { outcome, ticketId, channel: message.channel, sqsMessageId: record.messageId });
  } catch (error) {
    metrics.addMetric(metricNames.ingestFailures, MetricUnit.Count, 1);
    // Ids and the error only: the record body holds the customer's text and handles.
    logger.error('message not placed; the queue will retry it, then dead-letter it', { sqsMessageId: record.messageId, receiveCount, error: describe(error) });
    throw error;
  }
}

/** An error's kind and message; for a record that is not a canonical message, which fields are wrong (never their values). */
function describe(error: unknown): { name: string; message: string } {
  if (error instanceof z.ZodError) return { name: 'InvalidMessage', message: fieldErrors(error.issues).map((e) => `${e.field}: ${e.message}`).join('; ').slice(0, 500) };
  if (error instanceof Error) return { name: error.name, message: error.message.slice(0, 500) };
  return { name: typeof error, message: 'non-Error thrown' };
}

/** SQS → tickets, reporting partial batch failures so one bad message does not hold back the rest. */
export const handler = withPowertools(async (event: SQSEvent, context) =>
  processPartialResponse(event, placeRecord, processor, { context }),
);
