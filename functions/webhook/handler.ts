import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { queues } from '../../infra/topology';
import { HttpProblem } from '../../shared/http/problem';
import { SqsMessageQueue } from '../../shared/queue/sqs-message-queue';
import { requiredEnv } from '../../shared/env';
import { enabledChannelSettings } from '../../shared/config';
import { runtimeConfig } from '../../shared/runtime';
import { channelSecrets } from '../../shared/secrets';
import { publicUrlOf } from '../../shared/webhooks/public-url';
import { receiveWebhook } from '../../shared/webhooks/receive';
import { httpHandler } from '../commons/handler';
import { logger, metricNames, metrics } from '../commons/powertools';

const ingestQueue = queues.find((q) => q.id === 'ingest')!;
const deps = {
  config: runtimeConfig(),
  // The endpoint comes from the SDK's configuration (regional, or AWS_ENDPOINT_URL_SQS locally), not the queue URL's host.
  queue: new SqsMessageQueue(new SQSClient({ useQueueUrlAsEndpoint: false }), requiredEnv(ingestQueue.urlEnv)),
  secretsOf: channelSecrets,
  now: () => new Date(),
};

/** POST /webhooks/{channel}: verify, normalize, queue, acknowledge; GET answers a provider's URL check. */
export const handler = httpHandler(async (event: APIGatewayProxyEventV2) => {
  const channel = event.pathParameters?.channel ?? '';
  const rawBody = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const configuredUrl = enabledChannelSettings(deps.config, channel)?.webhookUrl;
  const url = publicUrlOf(event, headers, typeof configuredUrl === 'string' ? configuredUrl : undefined);
  try {
    const received = await receiveWebhook(channel, { method: event.requestContext.http.method, headers, query: event.queryStringParameters ?? {}, rawBody, url }, deps);
    count(metricNames.messagesReceived, 'channel', received.channel, received.accepted);
    for (const kind of new Set(received.ignored)) count(metricNames.providerEventsIgnored, 'kind', kind, received.ignored.filter((k) => k === kind).length);
    logger.info('webhook accepted', { channel: received.channel, accepted: received.accepted, ignored: received.ignored.length });
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
