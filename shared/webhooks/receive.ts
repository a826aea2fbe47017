import { enabledChannelSettings, type SwitchboardConfig } from '../config';
import type { ChannelContext, ChannelSecrets, WebhookRequest, WebhookResponse } from '../channels/channel';
import { asContract } from '../channels/common';
import { channels } from '../channels/registry';
import { HttpProblem, problems } from '../http/problem';
import { type MessageQueue, MessageTooLarge } from '../queue/sqs-message-queue';

export interface ReceiveDeps {
  readonly config: SwitchboardConfig;
  readonly queue: MessageQueue;
  readonly secretsOf: (channel: string, fields: readonly string[]) => Promise<ChannelSecrets>;
  readonly now: () => Date;
}

export interface Received {
  readonly response: WebhookResponse;
  readonly channel: string;
  readonly accepted: number;
  /** Kinds of provider events acknowledged without a message. */
  readonly ignored: readonly string[];
}

/**
 * A channel webhook, from request to durable queue: the checks run cheapest first, and the
 * provider gets its acknowledgement only after every message is queued. Rejections are thrown as
 * HttpProblems; a queue that cannot take the messages is a 503, so the provider retries.
 */
export async function receiveWebhook(channelName: string, request: WebhookRequest, deps: ReceiveDeps): Promise<Received> {
  const channel = channels[channelName];
  const settings = enabledChannelSettings(deps.config, channelName);
  if (!channel || !settings) throw problems.notFound(`There is no enabled channel "${channelName}". Enabled: ${enabledChannels(deps.config).join(', ') || 'none'}.`);

  const limit = deps.config.webhook.maxBodyBytes;
  if (request.rawBody.length > limit) throw problems.tooLarge(limit);

  const context: ChannelContext = {
    secrets: await secretsOf(channel.name, channel.secretFields, deps),
    now: deps.now(),
    maxClockSkewSeconds: deps.config.webhook.maxClockSkewSeconds,
    defaultPhoneRegion: deps.config.defaultPhoneRegion,
    settings,
  };

  if (request.method === 'GET') {
    if (!channel.handshake) throw new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `Channel "${channel.name}" takes POST only.`, {}, { allow: 'POST' });
    return { response: channel.handshake(request, context), channel: channel.name, accepted: 0, ignored: [] };
  }

  const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (!contentType || !channel.contentTypes.includes(contentType)) throw problems.unsupportedMediaType(channel.contentTypes[0]);

  channel.verify(request, context);
  const parsed = await channel.parse(request, { ...context, receivedAt: context.now.toISOString() });
  const messages = parsed.messages.map(asContract);
  try {
    await deps.queue.enqueue(messages);
  } catch (error) {
    if (error instanceof MessageTooLarge) {
      throw new HttpProblem(413, 'too-large', 'The request body is too large', 'The message is too large to queue once normalized; send less text.');
    }
    throw problems.unavailable('The message could not be queued; nothing was accepted. Retry shortly.');
  }
  return { response: channel.acknowledge({ messages, ignored: parsed.ignored }), channel: channel.name, accepted: messages.length, ignored: parsed.ignored };
}

/** Secrets Manager throttled or unreachable is temporary: 503, so the provider retries. */
async function secretsOf(channel: string, fields: readonly string[], deps: ReceiveDeps): Promise<ChannelSecrets> {
  try {
    return await deps.secretsOf(channel, fields);
  } catch {
    throw problems.unavailable('The channel cannot verify requests right now; nothing was accepted. Retry shortly.');
  }
}

function enabledChannels(config: SwitchboardConfig): string[] {
  return Object.entries(config.channels)
    .filter(([name, c]) => c.enabled && channels[name])
    .map(([name]) => name);
}
