import { domainEvent, ReplyDelivered, ReplyDeliveryFailed, type TicketStatusChanged } from '../../events';
import type { Caller } from '../http/caller';
import type { Channel, ChannelSecrets, Transport } from '../channels/channel';
import type { SwitchboardConfig } from '../config';
import type { Ticket } from '../domain/ticket';
import { problems } from '../http/problem';
import type { EventPublisher } from '../ingest/ports';
import type { JobQueue } from '../queue/sqs-job-queue';
import type { ReplyStore } from './ports';
import {
  afterAttempt,
  chooseRoute,
  defaultNotificationTemplate,
  type Delivery,
  type DeliveryJob,
  fillTemplate,
  needsAttempt,
  notificationIdFor,
  type Reply,
  type ReplyRequest,
  replyIdFor,
  type Route,
} from './reply';

export interface ReplyDeps {
  readonly store: ReplyStore;
  readonly config: SwitchboardConfig;
  readonly channels: Readonly<Record<string, Channel>>;
  readonly now: () => Date;
}

/** A channel's settings when it is enabled. */
const settingsOf = (config: SwitchboardConfig) => (channel: string) => {
  const settings = (config.channels as Record<string, ({ enabled: boolean } & Record<string, unknown>) | undefined>)[channel];
  return settings?.enabled ? settings : undefined;
};

async function routeFor(deps: ReplyDeps, ticket: Ticket, requested: string | undefined): Promise<Route> {
  const [recent, handles] = await Promise.all([deps.store.recentMessages(ticket.ticketId), deps.store.handles(ticket.customerId)]);
  return chooseRoute({ lastChannel: ticket.lastChannel, requested, recent, handles, channels: deps.channels, settingsOf: settingsOf(deps.config) });
}

function draftReply(ticket: Ticket, route: Route, fields: Pick<Reply, 'replyId' | 'kind' | 'text' | 'author' | 'createdAt'>): Reply {
  return {
    ...fields,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    direction: 'outbound',
    channel: route.channel,
    ...(route.to ? { to: route.to } : {}),
    ...(route.inReplyTo ? { inReplyTo: route.inReplyTo } : {}),
    subject: ticket.subject,
    delivery: { status: route.to ? 'queued' : 'recorded', attempts: 0, at: fields.createdAt },
  };
}

/**
 * An agent's reply: recorded on the ticket (which keeps its first-response time), then queued for
 * delivery. A retried request with the same Idempotency-Key returns the same reply and queues it
 * at most until it is queued once. If the queue refuses it, the reply shows as failed and the
 * caller gets a 503 to retry.
 */
export async function createReply(
  deps: ReplyDeps & { readonly queue: JobQueue<DeliveryJob>; readonly random: () => string },
  input: { readonly ticketId: string; readonly caller: Caller; readonly request: ReplyRequest; readonly idempotencyKey?: string },
): Promise<Reply> {
  const ticket = await deps.store.ticket(input.ticketId);
  if (!ticket) throw problems.notFound(`There is no ticket ${input.ticketId}.`);
  const route = await routeFor(deps, ticket, input.request.channel);
  const createdAt = deps.now().toISOString();
  const draft = draftReply(ticket, route, {
    replyId: replyIdFor(ticket.ticketId, input.caller.sub, input.idempotencyKey, deps.random),
    kind: 'reply',
    text: input.request.text,
    author: { type: 'agent', id: input.caller.sub },
    createdAt,
  });
  const reply = await deps.store.createReply(draft);
  await deps.store.recordFirstResponse(ticket.ticketId, reply.createdAt);
  // A repeated request queues only what an earlier attempt failed to queue.
  const notQueued = reply.delivery.status === 'failed' && reply.delivery.attempts === 0;
  if (reply !== draft && !notQueued) return reply;
  if (reply === draft && reply.delivery.status !== 'queued') return reply;
  try {
    await deps.queue.enqueue({ kind: 'reply', replyId: reply.replyId });
  } catch {
    await deps.store.recordDelivery(reply.replyId, { status: 'failed', attempts: 0, at: deps.now().toISOString(), reason: 'The reply could not be queued for delivery.', retryable: true });
    throw problems.unavailable('The reply could not be queued; send it again (with the same Idempotency-Key to avoid a duplicate).');
  }
  if (!notQueued) return reply;
  const queued: Delivery = { status: 'queued', attempts: 0, at: deps.now().toISOString() };
  await deps.store.recordDelivery(reply.replyId, queued);
  return { ...reply, delivery: queued };
}

export interface DeliverDeps extends ReplyDeps {
  readonly transport: Transport;
  readonly secretsOf: (channel: string, fields: readonly string[]) => Promise<ChannelSecrets>;
  readonly publisher: EventPublisher;
}

export interface AttemptOutcome {
  /** The delivery after this attempt; undefined when there was nothing to do. */
  readonly delivery?: Delivery;
  /** Try again later (backoff), or let the queue dead-letter it when the retries ran out. */
  readonly retry: boolean;
  readonly deadLetter: boolean;
}

/**
 * One attempt at sending a reply: `attempt` is the queue's receive count. Sent and refused replies
 * are final; a retryable failure is tried again until `delivery.maxAttempts`, then dead-lettered
 * and shown as failed. A duplicate job for a sent reply does nothing.
 */
export async function deliverReply(deps: DeliverDeps, replyId: string, attempt: number): Promise<AttemptOutcome> {
  const reply = await deps.store.reply(replyId);
  if (!reply || !needsAttempt(reply.delivery)) return { retry: false, deadLetter: false };
  const result = await attemptSend(deps, reply);
  const { delivery, retry } = afterAttempt(result, Math.max(attempt, reply.delivery.attempts + 1), deps.config.delivery.maxAttempts, deps.now().toISOString());
  if (!(await deps.store.recordDelivery(reply.replyId, delivery))) return { retry: false, deadLetter: false };
  if (delivery.status === 'sent' || delivery.status === 'failed') {
    await deps.store.recordLastDelivery(reply.ticketId, {
      replyId: reply.replyId,
      status: delivery.status,
      at: delivery.at,
      ...(delivery.reason ? { reason: delivery.reason } : {}),
    });
    await deps.publisher.publish([outcomeEvent(reply, delivery)]);
  }
  return { delivery, retry, deadLetter: delivery.status === 'failed' && delivery.retryable === true };
}

async function attemptSend(deps: DeliverDeps, reply: Reply) {
  const channel = deps.channels[reply.channel];
  const settings = settingsOf(deps.config)(reply.channel);
  if (!channel?.send || !settings || !reply.to) return { ok: false as const, retryable: false, reason: `Channel "${reply.channel}" is not enabled for replies.` };
  let secrets: ChannelSecrets;
  try {
    secrets = await deps.secretsOf(channel.name, channel.secretFields);
  } catch {
    return { ok: false as const, retryable: true, reason: `The ${channel.name} channel's credentials could not be read.` };
  }
  try {
    return await channel.send(
      { replyId: reply.replyId, ticketId: reply.ticketId, to: reply.to, text: reply.text, subject: reply.subject, ...(reply.inReplyTo ? { inReplyTo: reply.inReplyTo } : {}) },
      { secrets, settings, transport: deps.transport },
    );
  } catch {
    return { ok: false as const, retryable: true, reason: `The ${channel.name} channel failed unexpectedly.` };
  }
}

function outcomeEvent(reply: Reply, delivery: Delivery) {
  const common = { version: 1 as const, occurredAt: delivery.at, replyId: reply.replyId, ticketId: reply.ticketId, customerId: reply.customerId, kind: reply.kind, channel: reply.channel, attempts: delivery.attempts };
  return delivery.status === 'sent'
    ? domainEvent(ReplyDelivered, { ...common, eventId: `${reply.replyId}:delivered`, providerMessageId: delivery.providerMessageId! })
    : domainEvent(ReplyDeliveryFailed, { ...common, eventId: `${reply.replyId}:failed:${delivery.attempts}`, reason: delivery.reason!, retryable: delivery.retryable ?? false });
}

type StatusChange = (typeof TicketStatusChanged)['example'];

/**
 * Tells the customer their ticket changed status, if the config says so for the new status: a
 * notification on the ticket's timeline, delivered like a reply. One per event, however often the
 * event arrives; none when the customer has no reachable channel.
 */
export async function notifyStatusChange(deps: DeliverDeps, change: StatusChange, attempt: number): Promise<AttemptOutcome> {
  const nothing = { retry: false, deadLetter: false };
  const status = change.to as (typeof deps.config.notifications.on)[number];
  if (!deps.config.notifications.on.includes(status)) return nothing;
  const replyId = notificationIdFor(change.eventId);
  if (!(await deps.store.reply(replyId))) {
    const ticket = await deps.store.ticket(change.ticketId);
    if (!ticket) return nothing;
    const route = await routeFor(deps, ticket, undefined);
    if (!route.to) return nothing;
    const template = deps.config.notifications.templates[status] ?? defaultNotificationTemplate;
    await deps.store.createReply(
      draftReply(ticket, route, {
        replyId,
        kind: 'notification',
        text: fillTemplate(template, { ticketId: ticket.ticketId, status }),
        author: { type: 'system', id: 'notifications' },
        createdAt: change.occurredAt,
      }),
    );
  }
  return deliverReply(deps, replyId, attempt);
}
