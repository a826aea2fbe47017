import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { queues } from '../../infra/topology';
import { HttpProblem } from '../../shared/http/problem';
import { SqsMessageQueue } from '../../shared/queue/sqs-message-queue';
import { requiredEnv } from '../../shared/env';
import { runtimeConfig } from '../../shared/runtime';
import { channelSecret } from '../../shared/secrets';
import { receiveWebhook } from '../../shared/webhooks/receive';
import { httpHandler } from '../commons/handler';
import { logger, metricNames, metrics } from '../commons/powertools';

const ingestQueue = queues.find((q) => q.id === 'ingest')!;
const deps = {
  config: runtimeConfig(),
  // The endpoint comes from the SDK's configuration (regional, or AWS_ENDPOINT_URL_SQS locally), not the queue URL's host.
  queue: new SqsMessageQueue(new SQSClient({ useQueueUrlAsEndpoint: false }), requiredEnv(ingestQueue.urlEnv)),
  secretOf: channelSecret,
  now: () => new Date(),
};

/** POST /webhooks/{channel}: verify, normalize, queue, acknowledge. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2) => {
  const channel = event.pathParameters?.channel ?? '';
  const rawBody = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  try {
    const received = await receiveWebhook(channel, { method: event.requestContext.http.method, headers, query: event.queryStringParameters ?? {}, rawBody }, deps);
    count(metricNames.messagesReceived, 'channel', received.channel, received.accepted);
    logger.info('webhook accepted', { channel: received.channel, accepted: received.accepted });
    return received.response;
  } catch (error) {
    if (error instanceof HttpProblem) {
      const reason = error.problem.type.split(':').pop()!;
      count(metricNames.webhooksRejected, 'reason', reason, 1);
      logger.warn('webhook rejected', { channel: channel.slice(0, 32), status: error.problem.status, reason });
    }
    throw error;
  }
});

function count(name: string, dimension: string, value: string, n: number): void {
  if (n === 0) return;
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, n);
}
