import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inboundMessage } from '../../../events/inbound-message';
import type { ParsedWebhook, ProviderResponse, SendContext, Transport, WebhookRequest } from '../../../shared/channels/channel';
import { sms, twilioSignature } from '../../../shared/channels/sms';
import { HttpProblem } from '../../../shared/http/problem';
import { problemOf } from '../../support/problems';
import { RecordingTransport } from '../../support/transport';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'sms', name), 'utf8');

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const ACCOUNT_SID = 'AC00000000000000000000000000000000';
const URL = 'https://switchboard.example.com/webhooks/sms';
const NOW = new Date('2026-11-23T09:30:00.000Z');
const settings = { enabled: true, from: '+14155550100', webhookUrl: null };
const context = {
  secrets: { authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID },
  now: NOW,
  maxClockSkewSeconds: 300,
  defaultPhoneRegion: 'US',
  settings,
  receivedAt: NOW.toISOString(),
};

const paramsOf = (body: string) => [...new URLSearchParams(body)];

function request(body: string, headers: Record<string, string | undefined> = {}, url = URL): WebhookRequest {
  return {
    method: 'POST',
    url,
    query: {},
    rawBody: Buffer.from(body),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(AUTH_TOKEN, url, paramsOf(body)), ...headers },
  };
}

const parse = (body: string) => sms.parse(request(body), context) as ParsedWebhook;
const only = (body: string) => {
  const { messages, ignored } = parse(body);
  expect(ignored).toEqual([]);
  expect(messages).toHaveLength(1);
  return inboundMessage.parse(messages[0]);
};

describe('sms (Twilio) signature', () => {
  test('matches the worked example in Twilio\'s documentation', () => {
    const example = JSON.parse(fixture('signature-example.json')) as { authToken: string; url: string; params: Record<string, string>; signature: string };
    expect(twilioSignature(example.authToken, example.url, Object.entries(example.params))).toBe(example.signature);
    // The same request as Twilio posts it, parameters in another order.
    const body = new URLSearchParams(Object.entries(example.params).reverse()).toString();
    const signed: WebhookRequest = { method: 'POST', url: example.url, query: {}, rawBody: Buffer.from(body), headers: { 'x-twilio-signature': example.signature } };
    expect(() => sms.verify(signed, { ...context, secrets: { authToken: example.authToken, accountSid: ACCOUNT_SID } })).not.toThrow();
  });

  test('a correctly signed webhook verifies', () => {
    expect(() => sms.verify(request(fixture('inbound-sms.txt')), context)).not.toThrow();
  });

  test.each([
    ['no signature header', { 'x-twilio-signature': undefined }],
    ['an empty signature header', { 'x-twilio-signature': '' }],
    ['a signature made with another auth token', { 'x-twilio-signature': twilioSignature('another-token', URL, paramsOf(fixture('inbound-sms.txt'))) }],
    ['a signature of another body', { 'x-twilio-signature': twilioSignature(AUTH_TOKEN, URL, paramsOf(fixture('inbound-mms.txt'))) }],
    ['a signature of another URL', { 'x-twilio-signature': twilioSignature(AUTH_TOKEN, `${URL}?tenant=2`, paramsOf(fixture('inbound-sms.txt'))) }],
  ])('%s is 401', (_name, headers) => {
    expect(problemOf(() => sms.verify(request(fixture('inbound-sms.txt'), headers), context)).status).toBe(401);
  });

  test('a tampered parameter is 401', () => {
    const body = fixture('inbound-sms.txt');
    const signed = request(body);
    const tampered = { ...signed, rawBody: Buffer.from(body.replace('Body=Hi', 'Body=Bye')) };
    expect(problemOf(() => sms.verify(tampered, context)).status).toBe(401);
  });

  test('a channel without an auth token rejects with 401, not a crash', () => {
    expect(problemOf(() => sms.verify(request(fixture('inbound-sms.txt')), { ...context, secrets: {} })).status).toBe(401);
  });

  test('accepts the URL signed with or without the default port, as Twilio signs both ways', () => {
    const body = fixture('inbound-sms.txt');
    const withPort = twilioSignature(AUTH_TOKEN, 'https://switchboard.example.com:443/webhooks/sms', paramsOf(body));
    expect(() => sms.verify(request(body, { 'x-twilio-signature': withPort }), context)).not.toThrow();
    const withoutPort = twilioSignature(AUTH_TOKEN, URL, paramsOf(body));
    expect(() => sms.verify(request(body, { 'x-twilio-signature': withoutPort }, 'https://switchboard.example.com:443/webhooks/sms'), context)).not.toThrow();
    const otherPort = twilioSignature(AUTH_TOKEN, 'https://switchboard.example.com:8443/webhooks/sms', paramsOf(body));
    expect(problemOf(() => sms.verify(request(body, { 'x-twilio-signature': otherPort }), context)).status).toBe(401);
  });

  test('a repeated parameter signs each of its values, sorted, after its name', () => {
    // Computed independently: URL + "Bodyhi" + "Fromx" + "MediaUrl0https://a" + "Tagalpha" + "Tagbeta" + "Tagzeta".
    const expected = 'IP+ZeaP0XaVI7bOgXhJwTs6J+SE=';
    const body = 'Tag=zeta&Body=hi&Tag=alpha&From=x&MediaUrl0=https%3A%2F%2Fa&Tag=beta';
    expect(twilioSignature(AUTH_TOKEN, URL, paramsOf(body))).toBe(expected);
    expect(() => sms.verify(request(body, { 'x-twilio-signature': expected }), context)).not.toThrow();
    const reordered = 'Tag=beta&Tag=zeta&Body=hi&From=x&Tag=alpha&MediaUrl0=https%3A%2F%2Fa';
    expect(() => sms.verify({ ...request(body, { 'x-twilio-signature': expected }), rawBody: Buffer.from(reordered) }, context)).not.toThrow();
  });
});

describe('sms (Twilio) inbound messages', () => {
  test('an SMS becomes the canonical message', () => {
    expect(only(fixture('inbound-sms.txt'))).toEqual({
      schemaVersion: 1,
      channel: 'sms',
      providerMessageId: 'SM1f2e3d4c5b6a79880123456789abcdef',
      customer: { handles: [{ kind: 'phone', value: '+14155550123' }] },
      text: 'Hi, my order #5521 arrived damaged. Can you help?',
      attachments: [],
      sentAt: NOW.toISOString(),
      receivedAt: NOW.toISOString(),
      rawRef: 'sms:SM1f2e3d4c5b6a79880123456789abcdef',
      replyTo: '+14155550123',
    });
  });

  test('MMS media become https attachments with their content types', () => {
    const message = only(fixture('inbound-mms.txt'));
    expect(message.text).toBe('Here is the box');
    expect(message.attachments).toEqual([
      {
        url: 'https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/MM2a3b4c5d6e7f80910123456789abcdef/Media/ME00000000000000000000000000000001',
        contentType: 'image/jpeg',
      },
      {
        url: 'https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/MM2a3b4c5d6e7f80910123456789abcdef/Media/ME00000000000000000000000000000002',
        contentType: 'application/pdf',
      },
    ]);
  });

  test('WhatsApp through Twilio: the phone without its prefix, the profile name, and the raw address to answer on WhatsApp', () => {
    const message = only(fixture('inbound-whatsapp.txt'));
    expect(message).toMatchObject({
      customer: { handles: [{ kind: 'phone', value: '+14155550123' }], displayName: 'Mei Chen' },
      text: 'Hola, ¿dónde está mi pedido? 📦',
      replyTo: 'whatsapp:+14155550123',
    });
  });

  test('a WhatsApp location becomes a line of text', () => {
    expect(only(fixture('whatsapp-location.txt')).text).toBe('Location: 37.7879277, -122.3937508 (Twilio HQ, 101 Spear St, San Francisco, CA)');
  });

  test('a WhatsApp reply names the message it answers', () => {
    expect(only(fixture('whatsapp-reply.txt')).thread).toEqual({ providerMessageIds: ['SM9f8e7d6c5b4a39280123456789abcdef'] });
  });

  test('an alphanumeric sender becomes a channel user, answered at the raw sender', () => {
    const message = only('MessageSid=SMabc&From=ACMEBANK&To=%2B14155550100&Body=Your+code&NumMedia=0');
    expect(message.customer.handles).toEqual([{ kind: 'channel-user', value: 'sms:ACMEBANK' }]);
    expect(message.replyTo).toBe('ACMEBANK');
  });

  test('falls back to SmsMessageSid, and reads numbers without a country code in the default region', () => {
    const message = only('SmsMessageSid=SMold&From=4155550123&Body=hi');
    expect(message.providerMessageId).toBe('SMold');
    expect(message.customer.handles).toEqual([{ kind: 'phone', value: '+14155550123' }]);
  });

  test('keeps https media only, and at most 20', () => {
    const media = Array.from({ length: 25 }, (_, i) => `MediaUrl${i}=${encodeURIComponent(i === 0 ? 'http://insecure.example.com/a.jpg' : `https://media.example.com/${i}.jpg`)}`);
    const message = only(`MessageSid=SMmany&From=%2B14155550123&Body=&NumMedia=25&${media.join('&')}&MediaUrl1=x`);
    expect(message.attachments).toHaveLength(19);
    expect(message.attachments[0]).toEqual({ url: 'https://media.example.com/1.jpg' });
  });

  test('clamps what the contract bounds: text, display name, message id', () => {
    const message = only(`MessageSid=${'S'.repeat(300)}&From=%2B14155550123&ProfileName=${'n'.repeat(300)}&Body=${'x'.repeat(70_000)}`);
    expect(message.text).toHaveLength(65_536);
    expect(message.customer.displayName).toHaveLength(200);
    expect(message.providerMessageId).toHaveLength(256);
  });

  test.each([
    ['status-delivered.txt', 'status'],
    ['status-undelivered.txt', 'status'],
    ['opt-out-stop.txt', 'event:unsubscribe'],
  ])('%s is acknowledged and ignored as %s', (name, kind) => {
    expect(parse(fixture(name))).toEqual({ messages: [], ignored: [kind] });
  });

  test('START and HELP are subscription events too', () => {
    expect(parse('MessageSid=SM1&From=%2B14155550123&Body=START&OptOutType=START').ignored).toEqual(['event:subscribe']);
    expect(parse('MessageSid=SM1&From=%2B14155550123&Body=HELP&OptOutType=HELP').ignored).toEqual(['event:help']);
  });

  test.each([
    ['no MessageSid', 'From=%2B14155550123&Body=hi', 'MessageSid'],
    ['no From', 'MessageSid=SM1&Body=hi', 'From'],
    ['a blank From', 'MessageSid=SM1&From=+&Body=hi', 'From'],
    ['a NumMedia that is not a number', 'MessageSid=SM1&From=%2B14155550123&NumMedia=two', 'NumMedia'],
    ['an empty body', '', 'MessageSid'],
  ])('%s is 400 naming the field', (_name, body, field) => {
    const problem = problemOf(() => sms.parse(request(body), context));
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  test('every fixture that is a message satisfies the queue contract', () => {
    for (const name of ['inbound-sms.txt', 'inbound-mms.txt', 'inbound-whatsapp.txt', 'whatsapp-location.txt', 'whatsapp-reply.txt']) {
      for (const message of parse(fixture(name)).messages) expect(() => inboundMessage.parse(message)).not.toThrow();
    }
  });

  test('random and mutated bodies raise nothing but problems, and parse only valid messages', () => {
    const seeds = ['inbound-sms.txt', 'inbound-mms.txt', 'inbound-whatsapp.txt', 'status-delivered.txt'].map(fixture);
    let state = 42;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 400; i++) {
      const seed = seeds[i % seeds.length]!;
      const bytes = i % 4 === 0 ? Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))) : Buffer.from(seed);
      for (let j = 0; j < 5 && i % 4 !== 0; j++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const req: WebhookRequest = { ...request(''), rawBody: bytes };
      for (const step of [() => sms.verify(req, context), () => sms.parse(req, context)]) {
        try {
          const result = step() as ParsedWebhook | undefined;
          for (const message of result?.messages ?? []) expect(inboundMessage.safeParse(message).success).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(HttpProblem);
        }
      }
    }
  });

  test('acknowledges with empty TwiML', () => {
    const response = sms.acknowledge({ messages: [], ignored: [] });
    expect(response).toEqual({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' });
  });
});

describe('sms (Twilio) reply address', () => {
  const handles = [{ kind: 'email', value: 'mei@example.com' }, { kind: 'phone', value: '+14155550123' }] as const;

  test('is the phone handle', () => {
    expect(sms.replyAddress!([...handles], settings)).toBe('+14155550123');
    expect(sms.replyAddress!([...handles], { ...settings, from: 'MG00000000000000000000000000000000' })).toBe('+14155550123');
  });

  test('is the WhatsApp address when replies go out from a WhatsApp sender', () => {
    expect(sms.replyAddress!([...handles], { ...settings, from: 'whatsapp:+14155550100' })).toBe('whatsapp:+14155550123');
  });

  test('is undefined without a phone handle', () => {
    expect(sms.replyAddress!([{ kind: 'channel-user', value: 'sms:ACMEBANK' }], settings)).toBeUndefined();
  });
});

describe('sms (Twilio) send', () => {
  /** Twilio's documented 201 for a created message. */
  const created = (): ProviderResponse => ({ status: 201, body: fixture('send-created.json') });
  const reply = { replyId: 'rpl_1', ticketId: 'tkt_0123456789abcdef', to: '+14155550123', text: 'Sorry about that! A replacement is on its way.', subject: 'Damaged order' };
  const sendContext = (transport: Transport, from: string | null = '+14155550100'): SendContext => ({
    secrets: { authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID },
    settings: { ...settings, from },
    transport,
  });

  test('posts the documented Messages request and returns the message sid', async () => {
    const transport = new RecordingTransport(created());
    await expect(sms.send!(reply, sendContext(transport))).resolves.toEqual({ ok: true, providerMessageId: 'SM9f8e7d6c5b4a39280123456789abcdef' });
    expect(transport.requests).toHaveLength(1);
    const [sent] = transport.requests;
    expect(sent).toMatchObject({
      method: 'POST',
      url: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      headers: {
        authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    expect(Object.fromEntries(new URLSearchParams(sent!.body))).toEqual({ To: '+14155550123', From: '+14155550100', Body: reply.text });
    expect(sent!.body).toContain('To=%2B14155550123');
  });

  test('answers a WhatsApp customer from the WhatsApp form of a plain number', async () => {
    const transport = new RecordingTransport(created());
    await sms.send!({ ...reply, to: 'whatsapp:+14155550123' }, sendContext(transport));
    expect(Object.fromEntries(new URLSearchParams(transport.requests[0]!.body))).toEqual({ To: 'whatsapp:+14155550123', From: 'whatsapp:+14155550100', Body: reply.text });
  });

  test('keeps a WhatsApp sender as configured for a WhatsApp customer', async () => {
    const transport = new RecordingTransport(created());
    await sms.send!({ ...reply, to: 'whatsapp:+14155550123' }, sendContext(transport, 'whatsapp:+14155550100'));
    expect(new URLSearchParams(transport.requests[0]!.body).get('From')).toBe('whatsapp:+14155550100');
  });

  test('answers an SMS customer by SMS even when the configured sender is the WhatsApp form', async () => {
    const transport = new RecordingTransport(created());
    await sms.send!(reply, sendContext(transport, 'whatsapp:+14155550100'));
    expect(new URLSearchParams(transport.requests[0]!.body).get('From')).toBe('+14155550100');
  });

  test('sends through a Messaging Service when the sender is its SID', async () => {
    const transport = new RecordingTransport(created());
    await sms.send!(reply, sendContext(transport, 'MG00000000000000000000000000000000'));
    expect(Object.fromEntries(new URLSearchParams(transport.requests[0]!.body))).toEqual({ To: '+14155550123', MessagingServiceSid: 'MG00000000000000000000000000000000', Body: reply.text });
  });

  test('without a configured sender it fails for good, naming the setting, and sends nothing', async () => {
    const transport = new RecordingTransport(created());
    const result = await sms.send!(reply, sendContext(transport, null));
    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining('channels.sms.from is not configured') });
    expect(transport.requests).toHaveLength(0);
  });

  test('a reply over Twilio\'s 1,600 characters fails for good with the reason; 1,600 is sent', async () => {
    const transport = new RecordingTransport(created());
    const result = await sms.send!({ ...reply, text: 'x'.repeat(1601) }, sendContext(transport));
    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining('1600') });
    expect(transport.requests).toHaveLength(0);
    await expect(sms.send!({ ...reply, text: 'x'.repeat(1600) }, sendContext(transport))).resolves.toMatchObject({ ok: true });
  });

  test('an address that is not a phone number fails for good', async () => {
    const transport = new RecordingTransport(created());
    await expect(sms.send!({ ...reply, to: 'ACMEBANK' }, sendContext(transport))).resolves.toMatchObject({ ok: false, retryable: false });
    expect(transport.requests).toHaveLength(0);
  });

  test('a Twilio 4xx error fails for good with Twilio\'s code and message', async () => {
    const result = await sms.send!(reply, sendContext(new RecordingTransport({ status: 400, body: fixture('send-error-21211.json') })));
    expect(result).toEqual({ ok: false, retryable: false, reason: 'Twilio 21211: The \'To\' number 5551234567 is not a valid phone number.' });
  });

  test.each([
    [429, fixture('send-error-20429.json'), 'Twilio 20429: Too Many Requests'],
    [503, '<html>Service Unavailable</html>', 'Twilio HTTP 503'],
    [408, '', 'Twilio HTTP 408'],
  ])('HTTP %s is retryable', async (status, body, reason) => {
    await expect(sms.send!(reply, sendContext(new RecordingTransport({ status, body })))).resolves.toEqual({ ok: false, retryable: true, reason });
  });

  test('a network failure is retryable and its reason holds no secret', async () => {
    const result = await sms.send!(reply, sendContext(new RecordingTransport(new Error(`connect ETIMEDOUT (auth ${AUTH_TOKEN})`))));
    expect(result).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('ETIMEDOUT') });
    expect(JSON.stringify(result)).not.toContain(AUTH_TOKEN);
  });

  test('a long error message is cut to 300 characters', async () => {
    const body = JSON.stringify({ code: 21000, message: 'y'.repeat(1000), status: 400 });
    const result = await sms.send!(reply, sendContext(new RecordingTransport({ status: 400, body })));
    expect(result.ok === false && result.reason.length).toBe(300);
  });

  test('a 2xx answer without a sid is not retried, since Twilio may have sent it', async () => {
    await expect(sms.send!(reply, sendContext(new RecordingTransport({ status: 201, body: '{}' })))).resolves.toMatchObject({ ok: false, retryable: false });
  });
});
