import { domainEvent, ReplyDelivered, ReplyDeliveryFailed, type TicketStatusChanged } from '../../events';
import type { Caller } from '../http/caller';
import type { Channel, ChannelSecrets, Transport } from '../channels/channel';
import type { ReplyAddressOf } from '../channels/reply-addresses';
import { enabledChannelSettings, type SwitchboardConfig } from '../config';
import { csatRequestText, csatTemplate, LINK_PLACEHOLDER, shouldRequest } from '../csat/csat';
import { type CsatLinkDeps, mintLink, requestedEvent } from '../csat/record';
import type { Ticket } from '../domain/ticket';
import { problems } from '../http/problem';
import { visibleTo } from '../tickets/access';
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
  SENDING_LEASE_MS,
  notificationIdFor,
  type Reply,
  type ReplyText,
  replyIdFor,
  type Route,
} from './reply';

export interface ReplyDeps {
  readonly store: ReplyStore;
  readonly config: SwitchboardConfig;
  /** The channels with a reply API and how each addresses a customer (shared/channels/reply-addresses.ts). */
  readonly replyAddresses: Readonly<Record<string, ReplyAddressOf>>;
  readonly now: () => Date;
}

const settingsOf = (config: SwitchboardConfig) => (channel: string) => enabledChannelSettings(config, channel);

async function routeFor(deps: ReplyDeps, ticket: Ticket, requested: string | undefined): Promise<Route> {
  const [recent, handles] = await Promise.all([deps.store.recentMessages(ticket.ticketId), deps.store.handles(ticket.customerId)]);
  return chooseRoute({ lastChannel: ticket.lastChannel, requested, recent, handles, replyAddresses: deps.replyAddresses, settingsOf: settingsOf(deps.config) });
}

function draftReply(ticket: Ticket, route: Route, fields: Pick<Reply, 'replyId' | 'kind' | 'text' | 'author' | 'createdAt' | 'csatRequest'>): Reply {
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
 * delivery. A retried request with the same Idempotency-Key returns the same reply, sent once. If
 * the queue refuses it, the reply shows as failed and the caller gets a 503 to retry.
 */
export async function createReply(
  deps: ReplyDeps & { readonly queue: JobQueue<DeliveryJob>; readonly random: () => string },
  input: { readonly ticketId: string; readonly caller: Caller; readonly request: ReplyText; readonly idempotencyKey?: string },
): Promise<Reply> {
  const ticket = visibleTo(await deps.store.ticket(input.ticketId), input.ticketId, input.caller, deps.config);
  // The customer's conversation goes on where the ticket was merged.
  if (ticket.mergedInto) {
    throw problems.conflict('ticket-merged', 'The ticket was merged', `Ticket ${ticket.ticketId} was merged into ${ticket.mergedInto}; reply there.`, { mergedInto: ticket.mergedInto });
  }
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
  // The ticket was just read: a write only for its first reply (a retry of that one writes it again, harmlessly).
  if (!ticket.firstResponseAt) await deps.store.recordFirstResponse(ticket.ticketId, reply.createdAt);
  // Queued unless an attempt took it already, or it is only recorded. A repeated request queues
  // again what an earlier one may have failed or stopped before queueing: a duplicate job is
  // harmless, as delivery takes a reply once.
  const { status, attempts } = reply.delivery;
  if (attempts > 0 || (status !== 'queued' && status !== 'failed')) return reply;
  try {
    await deps.queue.enqueue({ kind: 'reply', replyId: reply.replyId });
  } catch {
    await deps.store
      .recordDelivery(reply.replyId, { status: 'failed', attempts: 0, at: deps.now().toISOString(), reason: 'The reply could not be queued for delivery.', retryable: true }, { unattempted: true })
      .catch(() => undefined); // Still `queued`, with no job: the retry below queues it.
    throw problems.unavailable('The reply could not be queued; send it again (with the same Idempotency-Key to avoid a duplicate).');
  }
  if (status === 'queued') return reply;
  const queued: Delivery = { status: 'queued', attempts: 0, at: deps.now().toISOString() };
  await deps.store.recordDelivery(reply.replyId, queued, { unattempted: true });
  return { ...reply, delivery: queued };
}

export interface DeliverDeps extends ReplyDeps {
  readonly channels: Readonly<Record<string, Channel>>;
  readonly transport: Transport;
  readonly secretsOf: (channel: string, fields: readonly string[]) => Promise<ChannelSecrets>;
  readonly publisher: EventPublisher;
  /** Links for satisfaction requests; without it, solved tickets are not asked. */
  readonly csat?: CsatLinkDeps;
}

export interface AttemptOutcome {
  /** The delivery after this attempt; undefined when there was nothing to do. */
  readonly delivery?: Delivery;
  /** Try again later (backoff), or let the queue dead-letter it when the retries ran out. */
  readonly retry: boolean;
  readonly deadLetter: boolean;
}

/**
 * One attempt at sending a reply; `receiveCount` is the queue's. The attempt first takes the reply
 * (a conditional write), so duplicate jobs, a redelivered event or a retried request never send it
 * twice; a crashed attempt's hold lapses after a minute. Sent and refused replies are final; a
 * retryable failure is tried again until the queue's last receive, then dead-lettered and shown as
 * failed. A job that finds the reply final finishes recording it (ticket, event), in case the
 * attempt that made it final stopped before.
 */
export async function deliverReply(deps: DeliverDeps, replyId: string, receiveCount: number): Promise<AttemptOutcome> {
  const now = deps.now();
  const leaseUntil = new Date(now.getTime() + SENDING_LEASE_MS).toISOString();
  const reply = await deps.store.claimDelivery(replyId, now.toISOString(), leaseUntil);
  if (!reply) {
    const current = await deps.store.reply(replyId);
    if (current && (current.delivery.status === 'sent' || current.delivery.status === 'failed')) await announce(deps, current, current.delivery);
    // Held by another attempt: come back after it, unless it is done by then.
    const held = current?.delivery.status === 'sending';
    return { retry: held && receiveCount < deps.config.delivery.maxAttempts, deadLetter: false };
  }
  let text = reply.text;
  if (reply.csatRequest) {
    // A fresh link, made as it goes out: the token is never stored, only its hash.
    const link = deps.csat && (await mintLink(deps.csat, reply));
    if (!link) {
      const delivery: Delivery = { status: 'failed', attempts: reply.delivery.attempts, at: now.toISOString(), reason: 'The satisfaction request was answered or replaced before it could be sent.', retryable: false };
      await deps.store.recordDelivery(reply.replyId, delivery, { claimedUntil: leaseUntil });
      return { delivery, retry: false, deadLetter: false };
    }
    text = reply.text.replaceAll(LINK_PLACEHOLDER, link);
  }
  const result = await attemptSend(deps, reply, text);
  const lastChance = receiveCount >= deps.config.delivery.maxAttempts;
  const { delivery, retry } = afterAttempt(result, reply.delivery.attempts + 1, lastChance, deps.now().toISOString());
  if (!(await deps.store.recordDelivery(reply.replyId, delivery, { claimedUntil: leaseUntil }))) return { retry: false, deadLetter: false };
  if (delivery.status === 'sent' || delivery.status === 'failed') await announce(deps, reply, delivery);
  return { delivery, retry, deadLetter: delivery.status === 'failed' && delivery.retryable === true };
}

/** The thread alias, the ticket's latest delivery and the outcome event; all idempotent, so repeating them is harmless. */
async function announce(deps: DeliverDeps, reply: Reply, delivery: Delivery): Promise<void> {
  if (delivery.status === 'sent' && delivery.providerMessageId) await deps.store.recordSentAlias(reply.channel, delivery.providerMessageId, reply.ticketId, delivery.at);
  await deps.store.recordLastDelivery(reply.ticketId, {
    replyId: reply.replyId,
    status: delivery.status as 'sent' | 'failed',
    at: delivery.at,
    ...(delivery.reason ? { reason: delivery.reason } : {}),
  });
  const requested = reply.csatRequest && delivery.status === 'sent' ? [requestedEvent(reply, true, delivery.at)] : [];
  await deps.publisher.publish([outcomeEvent(reply, delivery), ...requested]);
}

async function attemptSend(deps: DeliverDeps, reply: Reply, text: string) {
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
      { replyId: reply.replyId, ticketId: reply.ticketId, to: reply.to, text, subject: reply.subject, ...(reply.inReplyTo ? { inReplyTo: reply.inReplyTo } : {}) },
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
    : // The reason stays on the reply: providers quote the recipient's number or address in it.
      domainEvent(ReplyDeliveryFailed, { ...common, eventId: `${reply.replyId}:failed:${delivery.attempts}`, retryable: delivery.retryable ?? false });
}

type StatusChange = (typeof TicketStatusChanged)['example'];

/**
 * Tells the customer their ticket changed status, if the config says so for the new status: a
 * notification on the ticket's timeline, delivered like a reply. One per event, however often the
 * event arrives; none when the customer has no reachable channel.
 *
 * A solved ticket that was never scored also asks for a satisfaction score, in the same message
 * (alone if solved tickets are not otherwise notified): it becomes the ticket's current request,
 * replacing an earlier one. Where the channel cannot carry it, the request is recorded on the
 * ticket's timeline only.
 */
export async function notifyStatusChange(deps: DeliverDeps, change: StatusChange, attempt: number): Promise<AttemptOutcome> {
  const nothing = { retry: false, deadLetter: false };
  const status = change.to as (typeof deps.config.notifications.on)[number];
  const notify = deps.config.notifications.on.includes(status);
  const ask = change.to === 'solved' && deps.config.csat.enabled && deps.csat !== undefined;
  if (!notify && !ask) return nothing;
  const replyId = notificationIdFor(change.eventId);
  let reply = await deps.store.reply(replyId);
  if (!reply) {
    const ticket = await deps.store.ticket(change.ticketId);
    // A late or replayed event about a status the ticket has left since says nothing true any more.
    // A ticket closed by merging it into another is not over for the customer: their conversation goes on there.
    if (!ticket || ticket.status !== change.to || ticket.mergedInto) return nothing;
    const route = await routeFor(deps, ticket, undefined);
    const request =
      ask &&
      shouldRequest(ticket) &&
      (await deps.csat!.store.requestOn(ticket.ticketId, {
        replyId,
        requestedAt: change.occurredAt,
        channel: route.channel,
        sent: route.to !== undefined,
        ...(ticket.assigneeId ? { agentId: ticket.assigneeId } : {}),
      }));
    if (!route.to && !request) return nothing;
    const texts = [
      ...(notify ? [fillTemplate(deps.config.notifications.templates[status] ?? defaultNotificationTemplate, { ticketId: ticket.ticketId, status })] : []),
      ...(request ? [csatRequestText(csatTemplate(deps.config.csat.templates, ticket.language), ticket.ticketId)] : []),
    ];
    if (texts.length === 0) return nothing;
    reply = await deps.store.createReply(
      draftReply(ticket, route, {
        replyId,
        kind: 'notification',
        text: texts.join('\n\n'),
        author: { type: 'system', id: 'notifications' },
        createdAt: change.occurredAt,
        ...(request ? { csatRequest: true as const } : {}),
      }),
    );
  }
  // Sent requests are announced as they are accepted by the provider; a recorded one now.
  if (reply.csatRequest && reply.delivery.status === 'recorded') await deps.publisher.publish([requestedEvent(reply, false, reply.createdAt)]);
  return deliverReply(deps, replyId, attempt);
}
