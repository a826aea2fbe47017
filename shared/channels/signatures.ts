import { createHmac, timingSafeEqual } from 'node:crypto';
import { problems } from '../http/problem';
import type { Channel, WebhookRequest } from './channel';

/** Constant-time comparison of two strings (false, not an exception, when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const hmacSha256Hex = (secret: string, payload: string | Buffer): string => createHmac('sha256', secret).update(payload).digest('hex');

/**
 * Switchboard's own signing scheme, for senders without one of their own (web forms, mail relays,
 * Connect bridges): HMAC-SHA256 of `<timestamp>.<raw body>` with the channel secret.
 */
export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const TIMESTAMP_HEADER = 'x-switchboard-timestamp';

/** Signs a body as the web channel expects; used by SDKs, tests and local mode's example. */
export function signWebRequest(secret: string, rawBody: string, timestamp = Math.floor(Date.now() / 1000)) {
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: `sha256=${hmacSha256Hex(secret, `${timestamp}.${rawBody}`)}` };
}

/** Verifies the HMAC signature and freshness of a request signed like the web channel. */
export function verifySignedRequest(request: WebhookRequest, secret: string, now: Date, maxClockSkewSeconds: number): void {
  const timestamp = request.headers[TIMESTAMP_HEADER];
  const signature = request.headers[SIGNATURE_HEADER];
  if (!timestamp || !signature) {
    throw problems.unauthorized(`Sign the request: send ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers.`);
  }
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (Number.isNaN(seconds) || Math.abs(now.getTime() / 1000 - seconds) > maxClockSkewSeconds) {
    throw problems.unauthorized(`The timestamp is missing, malformed or more than ${maxClockSkewSeconds} seconds from now; sign again with the current time.`);
  }
  const expected = `sha256=${hmacSha256Hex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), request.rawBody]))}`;
  if (!safeEqual(signature, expected)) {
    throw problems.unauthorized('The signature does not match the body and timestamp for this channel\'s secret.');
  }
}

/** The secret and check of every channel whose senders sign like the web channel (web, and email and voice over HTTP). */
export const signedLikeWeb: Pick<Channel, 'secretFields' | 'verify'> = {
  secretFields: ['signingSecret'],
  verify(request, context) {
    const secret = context.secrets.signingSecret;
    if (!secret) throw problems.unauthorized('The channel has no signing secret; requests cannot be verified.');
    verifySignedRequest(request, secret, context.now, context.maxClockSkewSeconds);
  },
};

