import { type InboundMessage, inboundMessage } from '../../events/inbound-message';
import { fieldErrors, problems } from '../http/problem';
import type { ChannelSecrets, DeliveryResult, WebhookResponse } from './channel';

/**
 * Small helpers every channel module needs alike: cutting provider text to the contract's limits,
 * reading provider times and answers, naming ignored events, and shaping delivery failures.
 */

/** How long a delivery failure's reason may be: it is shown on the ticket timeline. */
export const MAX_REASON_CHARS = 300;

/** Provider times before this are clock errors or placeholders, not when the customer wrote. */
const EARLIEST_SENT_AT = Date.UTC(2000, 0, 1);
/** How far ahead of Switchboard's clock a provider's clock may run before its time is not believed. */
const MAX_CLOCK_LEAD_MS = 86_400_000;

/**
 * At most `max` UTF-16 units, never ending in half a surrogate pair: provider text is cut to the
 * contract's limits, and half a pair is no character at all (UTF-8 turns it into U+FFFD).
 */
export function clamp(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * A failure reason without any credential in it, since reasons end up in logs and on the ticket:
 * every value of the channel's secret and any `extra` value (a short-lived access token) is
 * replaced, as are `access_token=` and `secret=` query parameters that network errors quote.
 */
export function redact(text: string, secrets: ChannelSecrets, ...extra: (string | undefined)[]): string {
  let out = text;
  for (const secret of [...Object.values(secrets), ...extra]) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/((?:access_token|secret)=)[^&\s]+/gi, '$1[redacted]');
}

/**
 * `sentAt` from a provider's clock (milliseconds since the epoch), or `receivedAt` when the time is
 * missing or absurd (before 2000, or more than a day ahead of Switchboard): a wrong clock on the
 * provider's side must not put a message years away on the timeline.
 */
export function sentAtFromMillis(ms: number, receivedAt: string): string {
  const latest = Date.parse(receivedAt) + MAX_CLOCK_LEAD_MS;
  return Number.isFinite(ms) && ms >= EARLIEST_SENT_AT && ms <= latest ? new Date(ms).toISOString() : receivedAt;
}

/** `sentAt` from a provider's Unix time in seconds, as a number or a string of digits; see `sentAtFromMillis`. */
export function sentAtFromUnix(seconds: number | string | undefined, receivedAt: string): string {
  const value = typeof seconds === 'number' ? seconds : /^\d{1,12}$/.test(seconds ?? '') ? Number(seconds) : NaN;
  return sentAtFromMillis(value * 1000, receivedAt);
}

/** A provider's answer as JSON, or undefined when it is not JSON (a gateway's error page, an empty body). */
export function tryJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * An ignored event's kind from a provider-chosen name (`event:subscribe`, `message:sticker`), kept
 * to a small safe vocabulary since it becomes a metric dimension.
 */
export function ignoredKind(prefix: string, name: string): string {
  const n = name.toLowerCase();
  return `${prefix}:${/^[a-z0-9_]{1,40}$/.test(n) ? n : 'other'}`;
}

/** A delivery that did not happen, with a reason short enough for the ticket timeline. */
export function failure(retryable: boolean, reason: string): DeliveryResult {
  return { ok: false, retryable, reason: clamp(reason, MAX_REASON_CHARS) };
}

/** A delivery that will not succeed however often it is tried: the reply, address or configuration must change. */
export const permanent = (reason: string): DeliveryResult => failure(false, reason);

/**
 * The guard the webhook puts on every message a channel parses: a value the provider's format
 * allows but the queue contract does not (a sentAt in the year 9999) is a 400 problem for the
 * sender, not a message ingest would refuse, and dead-letter, later.
 */
export function asContract(message: InboundMessage): InboundMessage {
  const result = inboundMessage.safeParse(message);
  if (!result.success) throw problems.badRequest('The message has values Switchboard cannot accept.', fieldErrors(result.error.issues));
  return result.data;
}

/**
 * The acknowledgement of callers that read the answer (web forms, Connect bridges, mail relays):
 * 202 with the provider ids of the queued messages, plus any `extra` fields.
 */
export function acceptedResponse(messages: readonly InboundMessage[], extra: Readonly<Record<string, unknown>> = {}): WebhookResponse {
  return {
    statusCode: 202,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accepted: messages.map((m) => m.providerMessageId), ...extra }),
  };
}
