import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../../shared/channels/channel';
import { twilioSignature } from '../../shared/channels/sms';
import { signWebRequest } from '../../shared/channels/signatures';
import { signWeChatQuery } from '../../shared/channels/wechat';
import { signWhatsAppBody } from '../../shared/channels/whatsapp';

/** The secret local mode gives a channel when none is set: every credential field has this value. */
export const localSecret = (channel: string) => `local-${channel}-secret`;

const FIXTURES = join(__dirname, '..', 'unit', 'channels', 'fixtures');
export const fixture = (channel: string, file: string): string => readFileSync(join(FIXTURES, channel, file), 'utf8');

/** A provider payload for each inbound channel, from the provider's documentation (see the fixtures' READMEs). */
export const sampleBodies: Record<string, string> = {
  web: JSON.stringify({ messageId: 'w-1', customer: { email: 'mei.chen@example.com', name: 'Mei Chen' }, text: 'My order #5521 arrived damaged.' }),
  sms: fixture('sms', 'inbound-sms.txt').trim(),
  whatsapp: fixture('whatsapp', 'text.json'),
  wechat: fixture('wechat', 'text.xml'),
  telegram: fixture('telegram', 'text.json'),
  email: fixture('email', 'rfc5322-reply.eml'),
  voice: JSON.stringify({
    Name: 'ContactFlowEvent',
    Details: {
      ContactData: {
        ContactId: '4a573372-1f28-4e26-b97b-0123456789ab',
        Channel: 'VOICE',
        CustomerEndpoint: { Address: '+14155550123', Type: 'TELEPHONE_NUMBER' },
        InitiationMethod: 'INBOUND',
        Attributes: { transcript: 'My parcel never arrived', ivrChoice: 'deliveries' },
      },
      Parameters: {},
    },
  }),
};

export const contentTypes: Record<string, string> = {
  web: 'application/json',
  sms: 'application/x-www-form-urlencoded',
  whatsapp: 'application/json',
  wechat: 'text/xml',
  telegram: 'application/json',
  email: 'message/rfc822',
  voice: 'application/json',
};

/**
 * A request as the channel's provider signs it, for `url` (without a query string): the headers,
 * query and URL the webhook sees. `now` is the signing time.
 */
export function signedRequest(channel: string, body: string | Buffer, url: string, secret = localSecret(channel), now = new Date()): WebhookRequest {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const seconds = Math.floor(now.getTime() / 1000);
  const base = { method: 'POST', rawBody: raw, url, query: {} as Record<string, string>, headers: { 'content-type': contentTypes[channel] } as Record<string, string> };
  switch (channel) {
    case 'sms': {
      const params = [...new URLSearchParams(raw.toString('utf8'))];
      return { ...base, headers: { ...base.headers, 'x-twilio-signature': twilioSignature(secret, url, params) } };
    }
    case 'whatsapp':
      return { ...base, headers: { ...base.headers, ...signWhatsAppBody(secret, raw) } };
    case 'wechat': {
      const query = signWeChatQuery(secret, seconds, 'nonce123');
      return { ...base, query, url: `${url}?${new URLSearchParams(query)}` };
    }
    case 'telegram':
      return { ...base, headers: { ...base.headers, 'x-telegram-bot-api-secret-token': secret } };
    default:
      return { ...base, headers: { ...base.headers, ...signWebRequest(secret, raw.toString('utf8'), seconds) } };
  }
}

/** Sends a signed request to a running local Switchboard. */
export async function postSigned(baseUrl: string, channel: string, body: string | Buffer = sampleBodies[channel]!) {
  const url = `${baseUrl}/webhooks/${channel}`;
  const request = signedRequest(channel, body, url);
  return fetch(request.url, { method: 'POST', headers: request.headers as Record<string, string>, body: request.rawBody });
}
