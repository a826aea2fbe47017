import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SESEvent } from 'aws-lambda';
import { inboundMessage } from '../../events/inbound-message';
import { queueSpec } from '../../infra/topology';
import { parseSesEmail } from '../../shared/channels/email';
import { requiredEnv } from '../../shared/env';
import { HttpProblem } from '../../shared/http/problem';
import { MessageTooLarge, SqsMessageQueue } from '../../shared/queue/sqs-message-queue';
import { runtimeConfig } from '../../shared/runtime';
import { withPowertools } from '../commons/handler';
import { logger, metricNames, metrics } from '../commons/powertools';

export const MAIL_BUCKET_ENV = 'MAIL_BUCKET';
export const MAIL_PREFIX_ENV = 'MAIL_PREFIX';

const config = runtimeConfig();
const s3 = new S3Client({});
const queue = new SqsMessageQueue(new SQSClient({ useQueueUrlAsEndpoint: false }), requiredEnv(queueSpec('ingest').urlEnv));
const bucket = requiredEnv(MAIL_BUCKET_ENV);
const prefix = process.env[MAIL_PREFIX_ENV] ?? '';

/**
 * SES receipt rule → here, after the rule's S3 action stored the raw message: read it, apply SES's
 * verdicts, normalize, queue for ingest. A failure throws, so Lambda retries the asynchronous
 * invocation and then hands the event to the function's failure queue (alarmed); a message that
 * cannot be a ticket (no usable sender) is dropped, logged by SES message id.
 */
export const handler = withPowertools(async (event: SESEvent) => {
  for (const record of event.Records) {
    const mailId = record.ses.mail.messageId;
    const key = `${prefix}${mailId}`;
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const raw = Buffer.from(await object.Body!.transformToByteArray());
    const receivedAt = new Date().toISOString();
    let parsed;
    try {
      parsed = await parseSesEmail(raw, record, { bucket, key }, {
        secrets: {},
        now: new Date(receivedAt),
        receivedAt,
        maxClockSkewSeconds: config.webhook.maxClockSkewSeconds,
        defaultPhoneRegion: config.defaultPhoneRegion,
        settings: config.channels.email,
      });
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      metrics.addMetric(metricNames.providerEventsIgnored, MetricUnit.Count, 1);
      logger.warn('email dropped: it cannot become a message', { mailId, problem: error.problem.type });
      continue;
    }
    const messages = parsed.messages.map((m) => inboundMessage.parse(m));
    try {
      await queue.enqueue(messages);
    } catch (error) {
      if (!(error instanceof MessageTooLarge)) throw error;
      // No retry can make it fit; the mail itself stays in the bucket for an agent to read.
      metrics.addMetric(metricNames.providerEventsIgnored, MetricUnit.Count, 1);
      logger.warn('email dropped: too large to queue once normalized', { mailId, key });
      continue;
    }
    if (messages.length) metrics.addMetric(metricNames.messagesReceived, MetricUnit.Count, messages.length);
    if (parsed.ignored.length) metrics.addMetric(metricNames.providerEventsIgnored, MetricUnit.Count, parsed.ignored.length);
    logger.info('email received', { mailId, accepted: messages.length, ignored: parsed.ignored });
  }
});
