import * as z from 'zod';
import { webPayload } from '../../channels/web';
import { channelNames } from '../../config';
import type { Operation, ParameterSpec } from '../operation';

/** Channel webhooks: providers deliver customer messages here, signed their own way. */

const channel = {
  schema: z.enum(channelNames),
  description: 'The channel, as configured under `channels` (404 when it is not enabled).',
};

const optionalString = z.string();
const signatureHeaders: readonly ParameterSpec[] = [
  { name: 'X-Switchboard-Timestamp', description: '`web`, `email`, `voice`: the request time, Unix seconds (at most 5 minutes from Switchboard\'s clock).', schema: optionalString },
  { name: 'X-Switchboard-Signature', description: '`web`, `email`, `voice`: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<raw body>` with the channel secret.', schema: optionalString },
  { name: 'X-Twilio-Signature', description: '`sms`: Twilio\'s HMAC-SHA1 of the public URL and the sorted parameters, with the auth token.', schema: optionalString },
  { name: 'X-Hub-Signature-256', description: '`whatsapp`: `sha256=` and the HMAC-SHA256 of the body with the app secret.', schema: optionalString },
  { name: 'X-Telegram-Bot-Api-Secret-Token', description: '`telegram`: the secret token given to setWebhook.', schema: optionalString },
];
const weChatQuery: readonly ParameterSpec[] = [
  { name: 'signature', description: '`wechat`: SHA1 of the sorted token, timestamp and nonce.', schema: optionalString },
  { name: 'timestamp', description: '`wechat`: Unix seconds.', schema: optionalString },
  { name: 'nonce', description: '`wechat`: a random string.', schema: optionalString },
];

/** Other channels' JSON is their provider's documented format (test/unit/channels/fixtures/<channel>/). */
const providerJson = z.looseObject({}).describe("`whatsapp`: a WhatsApp Cloud API notification; `telegram`: a Bot API Update; `voice`: an Amazon Connect contact-flow event; each as its provider documents it.");
const webExample = { messageId: 'msg-2f6c1d', customer: { email: 'ana@example.com', name: 'Ana' }, text: 'My parcel is late' };

const accepted = z.object({
  accepted: z.array(z.string()).describe('The provider ids of the messages queued.'),
  ignored: z.array(z.string()).optional().describe('`email`: what was acknowledged without a message (an auto-reply, a bounce).'),
});

export const webhookOperations: readonly Operation[] = [
  {
    method: 'POST',
    path: '/webhooks/{channel}',
    operationId: 'receiveWebhook',
    summary: 'A channel provider delivers customer messages',
    description:
      'Checks that the channel is enabled, the body size, the content type and the signature, parses the provider payload into canonical messages and queues them; ' +
      'the acknowledgement comes only after the queue has them. Provider events that are not customer messages (statuses, reactions, subscribes) are acknowledged and counted, never stored. ' +
      'Resending a message (the same provider id) is harmless. See README, "Channels".',
    access: { kind: 'channel-signed' },
    pathParameters: { channel },
    otherQueryParameters: weChatQuery,
    headers: signatureHeaders,
    requestBody: {
      description: 'The provider\'s payload, in the content type its channel takes.',
      content: {
        'application/json': { schema: z.union([webPayload, providerJson]), example: webExample },
        'application/x-www-form-urlencoded': { schema: z.record(z.string(), z.string()).describe('`sms`: Twilio\'s webhook parameters.') },
        'text/xml': { schema: z.string().describe('`wechat`: the message XML (plaintext mode).') },
        'application/xml': { schema: z.string().describe('`wechat`: the message XML (plaintext mode).') },
        'message/rfc822': { schema: z.string().describe('`email` over HTTP (local mode, or any MTA): the raw MIME message.') },
      },
    },
    responses: {
      200: {
        description: 'Accepted, answered as the provider expects: `sms` an empty TwiML `<Response/>` (text/xml), `wechat` `success` (text/plain), `whatsapp` and `telegram` an empty 200.',
        content: { 'text/xml': { schema: z.string() }, 'text/plain': { schema: z.string() } },
      },
      202: { description: '`web`, `email`, `voice`: accepted, with the provider ids of the queued messages.', content: { 'application/json': { schema: accepted } } },
    },
    problems: ['invalid-request', 'unauthorized', 'not-found', 'too-large', 'unsupported-media-type', 'unavailable'],
  },
  {
    method: 'GET',
    path: '/webhooks/{channel}',
    operationId: 'verifyWebhook',
    summary: "A provider checks the webhook URL (WhatsApp's and WeChat's handshakes)",
    description: 'WhatsApp: `hub.mode=subscribe` and the verify token, answered with `hub.challenge`. WeChat: the signed query, answered with `echostr`. Channels without a URL check answer 405.',
    access: { kind: 'channel-signed' },
    pathParameters: { channel },
    otherQueryParameters: [
      { name: 'hub.mode', description: '`whatsapp`: `subscribe`.', schema: optionalString },
      { name: 'hub.verify_token', description: "`whatsapp`: the channel secret's `verifyToken` (403 when it does not match).", schema: optionalString },
      { name: 'hub.challenge', description: '`whatsapp`: echoed back (1 to 128 letters or digits).', schema: optionalString },
      ...weChatQuery,
      { name: 'echostr', description: '`wechat`: echoed back (1 to 128 letters or digits).', schema: optionalString },
    ],
    responses: { 200: { description: 'The challenge (`hub.challenge` or `echostr`), echoed as text/plain.', content: { 'text/plain': { schema: z.string() } } } },
    problems: ['invalid-request', 'unauthorized', 'forbidden', 'not-found', 'method-not-allowed', 'unavailable'],
  },
];
