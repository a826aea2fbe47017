import { createHmac } from 'node:crypto';
import type { AttachmentRef, CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { problems } from '../http/problem';
import { type Channel, isRetryableStatus, type WebhookRequest } from './channel';
import { replyAddresses } from './reply-addresses';
import { clamp, failure, redact, tryJson } from './common';
import { safeEqual } from './signatures';
import { normalizePhone } from './web';

/**
 * SMS, MMS and WhatsApp through Twilio Programmable Messaging. Twilio posts form-encoded webhooks
 * signed with the account's auth token (X-Twilio-Signature) and expects TwiML back; replies go
 * out through the Messages REST API.
 */

export const SIGNATURE_HEADER = 'x-twilio-signature';

/** Twilio refuses a Body over 1,600 characters (error 21617). */
export const MAX_BODY_CHARS = 1600;

const MAX_ATTACHMENTS = 20;

/** The form parameters of a request body, in order, repeated names kept. */
function formParams(rawBody: Buffer): [string, string][] {
  return [...new URLSearchParams(rawBody.toString('utf8'))];
}

/**
 * The string Twilio signs: the URL, then every POST parameter as name + value with no separator,
 * sorted by name (case-sensitive). A name sent more than once contributes each distinct value, in
 * sorted order, as Twilio's own helper libraries do.
 */
export function twilioSignedPayload(url: string, params: readonly (readonly [string, string])[]): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    const values = byName.get(name) ?? new Set<string>();
    values.add(value);
    byName.set(name, values);
  }
  let payload = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...byName.get(name)!].sort()) payload += name + value;
  }
  return payload;
}

/** X-Twilio-Signature for a request: base64 HMAC-SHA1 of the signed payload with the auth token. */
export function twilioSignature(authToken: string, url: string, params: readonly (readonly [string, string])[]): string {
  return createHmac('sha1', authToken).update(twilioSignedPayload(url, params), 'utf8').digest('base64');
}

/**
 * The URL as given plus the same URL with the default port toggled: Twilio signs some requests
 * with `:443` and some without, so its helper libraries accept either.
 */
function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#@]*@)?([^/?#:]+)(:\d+)?(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme, userinfo = '', host, port, rest] = match;
  const defaultPort = scheme!.toLowerCase() === 'https' ? ':443' : ':80';
  const toggled = port ? (port === defaultPort ? '' : undefined) : defaultPort;
  return toggled === undefined ? [url] : [url, `${scheme}://${userinfo}${host}${toggled}${rest}`];
}

/** Strips a Twilio channel prefix such as `whatsapp:` from an address. */
const withoutChannelPrefix = (address: string) => address.replace(/^[a-z]+:/, '');

/** The sender as handles: E.164 when it is a phone number, else the raw sender id (alphanumeric senders, short codes). */
function handlesOf(from: string, region: string): CustomerHandle[] {
  const phone = normalizePhone(withoutChannelPrefix(from), region);
  return [phone ? { kind: 'phone', value: phone } : { kind: 'channel-user', value: `sms:${clamp(from, 200)}` }];
}

function attachmentsOf(params: URLSearchParams, count: number): AttachmentRef[] {
  const attachments: AttachmentRef[] = [];
  for (let i = 0; i < Math.min(count, MAX_ATTACHMENTS); i++) {
    const url = params.get(`MediaUrl${i}`);
    // Only https media: an agent's browser opens it, and Switchboard may fetch it.
    if (!url || url.length > 2048 || !URL.canParse(url) || new URL(url).protocol !== 'https:') continue;
    const contentType = params.get(`MediaContentType${i}`);
    attachments.push({ url, ...(contentType && contentType.length <= 255 ? { contentType } : {}) });
  }
  return attachments;
}

/** A WhatsApp location message (Latitude/Longitude with an optional Label and Address) as a line of text. */
function locationOf(params: URLSearchParams): string | undefined {
  const latitude = params.get('Latitude');
  const longitude = params.get('Longitude');
  if (!latitude || !longitude) return undefined;
  const place = [params.get('Label'), params.get('Address')].filter(Boolean).join(', ');
  return `Location: ${latitude}, ${longitude}${place ? ` (${place})` : ''}`;
}

/** Twilio's Advanced Opt-Out keywords (STOP, START, HELP) are handled by Twilio; they are subscription events, not requests. */
const optOutKinds: Readonly<Record<string, string>> = { STOP: 'event:unsubscribe', START: 'event:subscribe', HELP: 'event:help' };

/** Statuses an inbound message carries; any other status is a callback about a message Switchboard sent. */
const inboundStatuses = new Set(['received', 'receiving']);

function toMessage(params: URLSearchParams, region: string, receivedAt: string): InboundMessage {
  const sid = (params.get('MessageSid') ?? params.get('SmsMessageSid') ?? params.get('SmsSid') ?? '').trim();
  const from = (params.get('From') ?? '').trim();
  const errors = [
    ...(sid ? [] : [{ field: 'MessageSid', message: 'is required' }]),
    ...(from ? [] : [{ field: 'From', message: 'is required' }]),
  ];
  const numMedia = params.get('NumMedia') ?? '0';
  if (!/^\d{1,4}$/.test(numMedia)) errors.push({ field: 'NumMedia', message: 'must be a whole number' });
  if (errors.length > 0) throw problems.badRequest('The request is not a Twilio message webhook.', errors);

  const providerMessageId = clamp(sid, 256);
  const profileName = params.get('ProfileName')?.trim();
  const repliedTo = params.get('OriginalRepliedMessageSid')?.trim();
  const text = [params.get('Body') ?? '', locationOf(params)].filter(Boolean).join('\n');
  return {
    schemaVersion: 1,
    channel: 'sms',
    providerMessageId,
    customer: { handles: handlesOf(from, region), ...(profileName ? { displayName: clamp(profileName, 200) } : {}) },
    text: clamp(text, 65_536),
    attachments: attachmentsOf(params, Number(numMedia)),
    // Twilio's message webhook carries no send time.
    sentAt: receivedAt,
    receivedAt,
    rawRef: `sms:${providerMessageId}`,
    // The raw sender, so a WhatsApp customer is answered on WhatsApp.
    ...(from.length <= 512 ? { replyTo: from } : {}),
    ...(repliedTo && repliedTo.length <= 998 ? { thread: { providerMessageIds: [repliedTo] } } : {}),
  };
}

/** The From parameter for a reply: WhatsApp to WhatsApp, SMS to SMS, as Twilio requires both ends on one channel. */
function senderFields(from: string, to: string): Record<string, string> {
  if (/^MG[0-9a-f]{32}$/i.test(from)) return { MessagingServiceSid: from };
  const number = from.replace(/^whatsapp:/, '');
  return { From: to.startsWith('whatsapp:') ? `whatsapp:${number}` : number };
}

/** Twilio's error document (`{ code, message, more_info, status }`) as a short reason. */
function twilioErrorReason(status: number, body: string): string {
  const error = tryJson(body) as { code?: unknown; message?: unknown } | null | undefined;
  const message = typeof error?.message === 'string' ? error.message : '';
  if (typeof error?.code === 'number' || typeof error?.code === 'string') return `Twilio ${error.code}: ${message || `HTTP ${status}`}`;
  if (message) return `Twilio HTTP ${status}: ${message}`;
  // Not JSON (a proxy's error page): the status says enough.
  return `Twilio HTTP ${status}`;
}

function sidOf(body: string): string | undefined {
  const sid = (tryJson(body) as { sid?: unknown } | null | undefined)?.sid;
  return typeof sid === 'string' && sid.length > 0 && sid.length <= 256 ? sid : undefined;
}

function verifyTwilioSignature(request: WebhookRequest, authToken: string | undefined): void {
  const signature = request.headers[SIGNATURE_HEADER];
  if (!signature) throw problems.unauthorized(`Sign the request: Twilio sends ${SIGNATURE_HEADER}.`);
  if (!authToken) throw problems.unauthorized('The channel has no Twilio auth token to verify requests with.');
  const params = formParams(request.rawBody);
  // The URL as received first: the port variant is only worth an HMAC when that fails. Which variant
  // matched is no secret (it is the caller's own URL); each comparison is constant-time.
  if (!urlVariants(request.url).some((url) => safeEqual(signature, twilioSignature(authToken, url, params)))) {
    throw problems.unauthorized(`The signature does not match the URL and parameters for this account's auth token; check that the Twilio webhook URL is exactly ${clamp(request.url, 200)}.`);
  }
}

export const sms: Channel = {
  name: 'sms',
  contentTypes: ['application/x-www-form-urlencoded'],
  secretFields: ['authToken', 'accountSid'],

  verify(request, context) {
    verifyTwilioSignature(request, context.secrets.authToken);
  },

  parse(request, context) {
    const params = new URLSearchParams(request.rawBody.toString('utf8'));
    const status = params.get('MessageStatus') ?? params.get('SmsStatus');
    if (status && !inboundStatuses.has(status.toLowerCase())) return { messages: [], ignored: ['status'] };
    const optOut = optOutKinds[(params.get('OptOutType') ?? '').toUpperCase()];
    if (optOut) return { messages: [], ignored: [optOut] };
    return { messages: [toMessage(params, context.defaultPhoneRegion, context.receivedAt)], ignored: [] };
  },

  acknowledge() {
    // Empty TwiML: received, and Switchboard answers later through the API.
    return { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' };
  },

  replyAddress: replyAddresses.sms,

  async send(reply, { secrets, settings, transport }) {
    const from = typeof settings.from === 'string' ? settings.from : '';
    if (!from) return failure(false, 'channels.sms.from is not configured: set it to a Twilio number, whatsapp:+<number> or a Messaging Service SID.');
    const { accountSid, authToken } = secrets;
    if (!accountSid || !authToken) return failure(false, 'The sms channel secret needs accountSid and authToken.');
    if (!/^(whatsapp:)?\+[1-9]\d{6,14}$/.test(reply.to)) return failure(false, 'The customer\'s address is not a phone number Twilio can send to (an alphanumeric sender cannot be answered).');
    if (reply.text.trim().length === 0) return failure(false, 'The reply is empty.');
    if (reply.text.length > MAX_BODY_CHARS) {
      return failure(false, `The reply is ${reply.text.length} characters; Twilio sends at most ${MAX_BODY_CHARS} in one message. Shorten it.`);
    }

    const body = new URLSearchParams({ To: reply.to, ...senderFields(from, reply.to), Body: reply.text });
    let response;
    try {
      response = await transport.http({
        method: 'POST',
        url: `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: body.toString(),
      });
    } catch (error) {
      return failure(true, redact(`Twilio unreachable: ${error instanceof Error ? error.message : String(error)}`, secrets));
    }

    if (response.status >= 200 && response.status < 300) {
      const sid = sidOf(response.body);
      // Twilio accepted the message: retrying would send it twice, so a missing sid is not retried.
      return sid ? { ok: true, providerMessageId: sid } : failure(false, `Twilio answered ${response.status} without a message sid.`);
    }
    return failure(isRetryableStatus(response.status), redact(twilioErrorReason(response.status, response.body), secrets));
  },
};
