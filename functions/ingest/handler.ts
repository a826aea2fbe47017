import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { inboundMessage } from '../../events/inbound-message';
import { env } from '../../infra/topology';
import { ingestMessage, type IngestDeps, type IngestOutcome } from '../../shared/ingest/ingest-message';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { requiredEnv } from '../../shared/env';
import { mergeWindowMs } from '../../shared/runtime';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { withPowertools } from '../commons/handler';
import { logger, metricNames, metrics } from '../commons/powertools';

const deps: IngestDeps = {
  store: new DynamoDbIntakeStore(documentClient(new DynamoDBClient({})), requiredEnv(env.table)),
  publisher: new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus)),
  mergeWindowMs: mergeWindowMs(),
};

const outcomeMetric: Record<IngestOutcome, string> = {
  created: metricNames.ticketsCreated,
  merged: metricNames.messagesMerged,
  reopened: metricNames.ticketsReopened,
  duplicate: metricNames.duplicatesDropped,
};

const processor = new BatchProcessor(EventType.SQS);

/** One queued message: placed on its ticket, or thrown back to the queue (retry, then dead letter). */
async function placeRecord(record: SQSRecord): Promise<void> {
  const message = inboundMessage.parse(JSON.parse(record.body));
  const redelivery = Number(record.attributes.ApproximateReceiveCount) > 1;
  const { outcome, ticketId } = await ingestMessage(deps, message, redelivery);
  metrics.addMetric(outcomeMetric[outcome], MetricUnit.Count, 1);
  logger.info('message placed', { outcome, ticketId, channel: message.channel, sqsMessageId: record.messageId });
}

/** SQS → tickets, reporting partial batch failures so one bad message does not hold back the rest. */
export const handler = withPowertools(async (event: SQSEvent, context) =>
  processPartialResponse(event, placeRecord, processor, { context }),
);
