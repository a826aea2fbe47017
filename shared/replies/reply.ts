import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Actor } from '../../events/ticket-status';
import type { CustomerHandle } from '../../events/inbound-message';
import type { DeliveryResult } from '../channels/channel';
import type { ReplyAddressOf } from '../channels/reply-addresses';
import { HttpProblem, parseJsonRequest, problems } from '../http/problem';

/**
 * Replies: an agent's answer or a notification, recorded on the ticket's timeline and delivered on
 * the customer's channel. Decisions only; the create-reply and delivery functions do the I/O.
 */

/** `sending`: an attempt holds the reply until `leaseUntil`, so a duplicate job cannot send it twice. */
export type DeliveryStatus = 'queued' | 'sending' | 'retrying' | 'sent' | 'failed' | 'recorded';

export interface Delivery {
  readonly status: DeliveryStatus;
  /** Attempts made so far. */
  readonly attempts: number;
  readonly at: string;
  readonly providerMessageId?: string;
  /** The provider's reason, for a failure (and the latest one while retrying). */
  readonly reason?: string;
  /** For a failure: whether retrying could help (the retries ran out), so a redrive tries again. */
  readonly retryable?: boolean;
  /** While `sending`: until when the attempt holds it; after that (the attempt crashed) another may. */
  readonly leaseUntil?: string;
}

export interface Reply {
  readonly replyId: string;
  readonly ticketId: string;
  readonly customerId: string;
  readonly direction: 'outbound';
  readonly kind: 'reply' | 'notification';
  readonly channel: string;
  /** The channel's address for the customer; absent when the channel only records (voice, web). */
  readonly to?: string;
  readonly text: string;
  readonly subject: string;
  /** The provider id of the customer message this answers, for threading. */
  readonly inReplyTo?: string;
  readonly author: Actor;
  readonly createdAt: string;
  readonly delivery: Delivery;
  /**
   * It carries the ticket's satisfaction request: its text holds the link's placeholder, which a
   * fresh link replaces as it is sent (shared/csat), so the link's token is never stored.
   */
  readonly csatRequest?: true;
}

/** The ticket's latest delivery outcome, so the ticket shows "delivery failed" at a glance. */
export interface LastDelivery {
  readonly replyId: string;
  readonly status: 'sent' | 'failed';
  readonly at: string;
  readonly reason?: string;
}

/** What the delivery queue carries: ids only, the reply itself is read from the table. */
export const deliveryJob = z.object({ kind: z.literal('reply'), replyId: z.string().regex(/^rpl_[0-9a-f]{16}$/) });
export type DeliveryJob = z.infer<typeof deliveryJob>;

export const replyRequest = z
  .object({
    text: z.string().trim().min(1, 'must not be empty').max(4096).optional(),
    /** Instead of `text`: answer with this macro (GET /macros), filled in for the ticket, its `set` applied. */
    macroId: z.string().min(1).max(64).optional(),
    /** Answer on this channel instead of the one the customer last used; they need an address on it. */
    channel: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/).optional(),
  })
  .strict()
  .refine((r) => (r.text === undefined) !== (r.macroId === undefined), { path: ['text'], message: 'send either text or macroId (a macro from GET /macros), not both' });
export type ReplyRequest = z.infer<typeof replyRequest>;
/** A reply whose text is known: typed, or a macro's filled in. */
export type ReplyText = Omit<ReplyRequest, 'text' | 'macroId'> & { readonly text: string };

export function parseReplyRequest(body: string | undefined): ReplyRequest {
  return parseJsonRequest(body, replyRequest, '{"text": "…"}', 'The reply is not valid.');
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** With an Idempotency-Key, a retried request makes the same reply (and sends it once). */
export const replyIdFor = (ticketId: string, author: string, idempotencyKey: string | undefined, random: () => string): string =>
  `rpl_${idempotencyKey ? digest(`${ticketId}\n${author}\n${idempotencyKey}`) : digest(random())}`;

/** One notification per status-change event, however often the event is delivered. */
export const notificationIdFor = (eventId: string): string => `rpl_${digest(`notification\n${eventId}`)}`;

export interface RecentMessage {
  readonly channel: string;
  readonly providerMessageId: string;
  readonly replyTo?: string;
}

export interface RouteInput {
  readonly lastChannel: string;
  readonly requested?: string;
  /** The ticket's inbound messages, newest first. */
  readonly recent: readonly RecentMessage[];
  readonly handles: readonly CustomerHandle[];
  /** The channels with a reply API, and how each addresses a customer from their handles. */
  readonly replyAddresses: Readonly<Record<string, ReplyAddressOf>>;
  /** A channel's settings when it is enabled, undefined otherwise (and for a channel that does not exist). */
  readonly settingsOf: (channel: string) => Readonly<Record<string, unknown>> | undefined;
}

export interface Route {
  readonly channel: string;
  /** Absent: the channel has no reply API, the reply is recorded only. */
  readonly to?: string;
  readonly inReplyTo?: string;
}

/**
 * Where a reply goes. Asked for a channel: that one, if enabled and the customer has an address on
 * it. Otherwise the channel the customer last used, or failing that (a phone call, a web form with
 * no reply API) the most recent one on this ticket that can send; if none can, the reply is
 * recorded on the last channel only.
 */
export function chooseRoute(input: RouteInput): Route {
  const addressOn = (channel: string): Route | undefined => {
    const addressOf = Object.hasOwn(input.replyAddresses, channel) ? input.replyAddresses[channel] : undefined;
    const settings = input.settingsOf(channel);
    if (!addressOf || !settings) return undefined;
    const latest = input.recent.find((m) => m.channel === channel && m.replyTo);
    if (latest) return { channel, to: latest.replyTo!, inReplyTo: latest.providerMessageId };
    const to = addressOf(input.handles, settings);
    return to ? { channel, to } : undefined;
  };

  if (input.requested) {
    if (!input.settingsOf(input.requested)) {
      throw problems.badRequest(`There is no enabled channel "${input.requested}".`, [{ field: 'channel', message: 'not an enabled channel' }]);
    }
    const route = addressOn(input.requested);
    if (route) return route;
    if (!Object.hasOwn(input.replyAddresses, input.requested)) return { channel: input.requested };
    const possible = Object.keys(input.replyAddresses).filter((c) => addressOn(c));
    throw new HttpProblem(409, 'no-address', 'The customer cannot be reached there', `The customer has no address on channel "${input.requested}". Reachable on: ${possible.join(', ') || 'none'}.`, {
      reachableOn: possible,
    });
  }
  const candidates = [...new Set([input.lastChannel, ...input.recent.map((m) => m.channel)])];
  for (const channel of candidates) {
    const route = addressOn(channel);
    if (route) return route;
  }
  return { channel: input.lastChannel };
}


/**
 * The delivery after an attempt, and whether the queue should try again: a retryable failure is
 * retried unless this was the queue's last receive (`lastChance`), after which the message goes
 * to the dead-letter queue and the reply shows failed.
 */
export function afterAttempt(result: DeliveryResult, attempts: number, lastChance: boolean, at: string): { delivery: Delivery; retry: boolean } {
  if (result.ok) return { delivery: { status: 'sent', attempts, at, providerMessageId: result.providerMessageId }, retry: false };
  const retry = result.retryable && !lastChance;
  return {
    delivery: { status: retry ? 'retrying' : 'failed', attempts, at, reason: result.reason, ...(retry ? {} : { retryable: result.retryable }) },
    retry,
  };
}

/**
 * Whether an attempt may take the reply now: not sent, recorded or refused for good, and not held
 * by another attempt. A failure the retries ran out on is tried again (a redrive).
 */
export const needsAttempt = (d: Delivery, now: string): boolean =>
  d.status === 'queued' || d.status === 'retrying' || (d.status === 'failed' && d.retryable === true) || (d.status === 'sending' && (d.leaseUntil ?? '') < now);

/** How long an attempt holds a reply: longer than the delivery function may run. */
export const SENDING_LEASE_MS = 60_000;

/** A notification's text from its template. */
export const fillTemplate = (template: string, values: { ticketId: string; status: string }): string =>
  template.replace(/\{(ticketId|status)\}/g, (_m, key: 'ticketId' | 'status') => values[key]);

export const defaultNotificationTemplate = 'Your request {ticketId} is now {status}.';
