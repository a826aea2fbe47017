import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inboundMessage } from '../../../events/inbound-message';
import type { ParsedWebhook, Transport, WebhookRequest } from '../../../shared/channels/channel';
import { signWhatsAppBody, whatsapp } from '../../../shared/channels/whatsapp';
import { HttpProblem } from '../../../shared/http/problem';
import { problemOf } from '../../support/problems';
import { RecordingTransport } from '../../support/transport';

const FIXTURES = join(__dirname, 'fixtures', 'whatsapp');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const fixtureJson = (name: string) => JSON.parse(fixture(name));

const SECRETS = { appSecret: 'test-app-secret', verifyToken: 'test-verify-token', accessToken: 'EAAtestaccesstoken123' };
const NOW = new Date('2026-11-23T09:00:00.000Z');
const SETTINGS = { enabled: true, phoneNumberId: null, graphApiVersion: 'v21.0' };
const context = { secrets: SECRETS, now: NOW, maxClockSkewSeconds: 300, defaultPhoneRegion: 'US', settings: SETTINGS, receivedAt: NOW.toISOString() };
const URL = 'https://hooks.example.com/webhooks/whatsapp';

function post(raw: string, headers: Record<string, string> = signWhatsAppBody(SECRETS.appSecret, raw)): WebhookRequest {
  return { method: 'POST', url: URL, query: {}, rawBody: Buffer.from(raw), headers: { 'content-type': 'application/json', ...headers } };
}

function get(query: Record<string, string>): WebhookRequest {
  return { method: 'GET', url: `${URL}?${new URLSearchParams(query)}`, query, rawBody: Buffer.alloc(0), headers: {} };
}

const parse = (body: unknown) => whatsapp.parse(post(typeof body === 'string' ? body : JSON.stringify(body)), context) as ParsedWebhook;
const fields = (fn: () => unknown) => problemOf(fn).errors?.map((e) => e.field);

function withMessage(patch: Record<string, unknown>) {
  const body = fixtureJson('text.json');
  Object.assign(body.entry[0].changes[0].value.messages[0], patch);
  return body;
}

describe('whatsapp signature', () => {
  const raw = fixture('text.json');

  test('a body signed with the app secret verifies', () => {
    expect(() => whatsapp.verify(post(raw), context)).not.toThrow();
  });

  test('an upper-case hex signature verifies too', () => {
    const header = signWhatsAppBody(SECRETS.appSecret, raw)['x-hub-signature-256']!.replace(/[a-f]/g, (c) => c.toUpperCase());
    expect(() => whatsapp.verify(post(raw, { 'x-hub-signature-256': header }), context)).not.toThrow();
  });

  test.each([
    ['no signature header', {}],
    ['an empty signature header', { 'x-hub-signature-256': '' }],
    ['a signature made with another secret', signWhatsAppBody('other-secret', raw)],
    ['a signature of another body', signWhatsAppBody(SECRETS.appSecret, fixture('image.json'))],
    ['a bare hex signature without the sha256= prefix', { 'x-hub-signature-256': signWhatsAppBody(SECRETS.appSecret, raw)['x-hub-signature-256']!.slice(7) }],
  ])('%s is 401', (_name, headers) => {
    expect(problemOf(() => whatsapp.verify(post(raw, headers as Record<string, string>), context)).status).toBe(401);
  });

  test('a channel without an app secret refuses with 401 rather than failing', () => {
    expect(problemOf(() => whatsapp.verify(post(raw), { ...context, secrets: { ...SECRETS, appSecret: '' } })).status).toBe(401);
  });
});

describe('whatsapp handshake', () => {
  const valid = { 'hub.mode': 'subscribe', 'hub.verify_token': SECRETS.verifyToken, 'hub.challenge': '1158201444' };

  test('echoes the challenge as text/plain when the verify token matches', () => {
    expect(whatsapp.handshake!(get(valid), context)).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: '1158201444' });
  });

  test.each([
    ['a wrong verify token', { ...valid, 'hub.verify_token': 'guess' }],
    ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444' }],
    ['a mode other than subscribe', { ...valid, 'hub.mode': 'unsubscribe' }],
    ['no mode', { 'hub.verify_token': SECRETS.verifyToken, 'hub.challenge': '1158201444' }],
  ])('%s is 403', (_name, query) => {
    expect(problemOf(() => whatsapp.handshake!(get(query as Record<string, string>), context)).status).toBe(403);
  });

  test.each([
    ['markup', '<script>alert(1)</script>'],
    ['an overlong value', '1'.repeat(129)],
    ['nothing', ''],
  ])('a challenge that is %s is 400 naming hub.challenge, never echoed', (_name, challenge) => {
    const problem = problemOf(() => whatsapp.handshake!(get({ ...valid, 'hub.challenge': challenge }), context));
    expect(problem).toMatchObject({ status: 400, errors: [{ field: 'hub.challenge' }] });
  });
});

describe('whatsapp payloads', () => {
  test('a text message becomes the canonical message', () => {
    expect(parse(fixture('text.json'))).toEqual({
      messages: [
        {
          schemaVersion: 1,
          channel: 'whatsapp',
          providerMessageId: 'wamid.HBgLMTQxNTU1NTAxMjMVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          customer: { handles: [{ kind: 'phone', value: '+14155550123' }], displayName: 'Sheena Nelson' },
          text: 'Does it come in another color?',
          attachments: [],
          sentAt: '2025-06-08T20:59:43.000Z',
          receivedAt: NOW.toISOString(),
          rawRef: 'whatsapp:wamid.HBgLMTQxNTU1NTAxMjMVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          replyTo: '106540352242922:14155550123',
        },
      ],
      ignored: [],
    });
  });

  test.each([
    ['image.json', 'Black jacket', [{ mediaId: '1003383421387256', contentType: 'image/jpeg' }]],
    ['document.json', 'Here is my receipt', [{ mediaId: '1045693213937741', contentType: 'application/pdf', name: 'receipt-5521.pdf' }]],
    ['voice.json', '', [{ mediaId: '1003383421387257', contentType: 'audio/ogg; codecs=opus' }]],
    ['sticker.json', '', [{ mediaId: '1003383421387258', contentType: 'image/webp' }]],
    ['location.json', 'Location: Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.44216251868683, -122.16153582049394)', []],
    ['interactive-button-reply.json', 'Change', []],
    ['interactive-list-reply.json', 'Priority Mail Express', []],
    ['button.json', 'Unsubscribe from Promos', []],
    ['contacts.json', 'Shared contact: Barbara J. Johnson, +1 (415) 555-0199, bjohnson@example.com', []],
  ])('%s becomes text and attachments', (name, text, attachments) => {
    const { messages, ignored } = parse(fixture(name));
    expect(ignored).toEqual([]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ channel: 'whatsapp', text, attachments, customer: { handles: [{ kind: 'phone', value: '+14155550123' }] }, replyTo: '106540352242922:14155550123' });
  });

  test('a reply to a business message carries the quoted message id as its thread', () => {
    const [message] = parse(fixture('interactive-button-reply.json')).messages;
    expect(message!.thread).toEqual({ providerMessageIds: ['wamid.HBgLMTQxNTU1NTAxMjMVAgARGBJBQjEyMzQ1Njc4OTBBQkNERUYA'] });
  });

  test('a location without name or address is still readable', () => {
    const [message] = parse(withMessage({ type: 'location', text: undefined, location: { latitude: 1.5, longitude: -2.25 } })).messages;
    expect(message!.text).toBe('Location: (1.5, -2.25)');
  });

  test.each([
    ['reaction.json', ['reaction']],
    ['unsupported.json', ['unsupported']],
    ['status.json', ['status']],
    ['template-status.json', ['field:message_template_status_update']],
  ])('%s is acknowledged as ignored, not a message', (name, ignored) => {
    expect(parse(fixture(name))).toEqual({ messages: [], ignored });
  });

  test.each([
    ['a system message', { type: 'system', system: { body: 'changed number' } }, 'system'],
    ['an unknown message type', { type: 'order', order: {} }, 'message:order'],
    ['an interactive flow reply', { type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: {} } }, 'interactive:nfm_reply'],
    ['a type name that is not a safe word', { type: 'we ird<>' }, 'message:other'],
  ])('%s is ignored by kind', (_name, patch, kind) => {
    expect(parse(withMessage({ text: undefined, ...patch }))).toEqual({ messages: [], ignored: [kind] });
  });

  test('several messages in one payload are several messages, with the statuses ignored', () => {
    const { messages, ignored } = parse(fixture('multiple.json'));
    expect(messages.map((m) => m.text)).toEqual(['Does it come in another color?', 'Black jacket']);
    expect(ignored).toEqual(['status']);
  });

  test('every fixture that parses yields messages the ingest queue accepts', () => {
    const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.json') && !n.startsWith('send-'));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) for (const m of parse(fixture(name)).messages) expect(() => inboundMessage.parse(m)).not.toThrow();
  });

  test('the display name is the sender\'s contact, not another contact in the batch', () => {
    const body = fixtureJson('text.json');
    body.entry[0].changes[0].value.contacts = [{ profile: { name: 'Someone Else' }, wa_id: '14155550199' }, { profile: { name: 'Ana' }, wa_id: '14155550123' }];
    expect(parse(body).messages[0]!.customer.displayName).toBe('Ana');
  });

  test('without contacts there is no display name', () => {
    const body = fixtureJson('text.json');
    delete body.entry[0].changes[0].value.contacts;
    expect(parse(body).messages[0]!.customer).toEqual({ handles: [{ kind: 'phone', value: '+14155550123' }] });
  });

  test('a sender id that is not a phone number stays reachable as a channel user', () => {
    const [message] = parse(withMessage({ from: 'US.13491208655302741918' })).messages;
    expect(message!.customer.handles).toEqual([{ kind: 'channel-user', value: 'whatsapp:US.13491208655302741918' }]);
    expect(message!.replyTo).toBe('106540352242922:US.13491208655302741918');
  });

  test.each([
    ['absent', undefined],
    ['in the year 9999', '253370764800'],
    ['before 2000', '123456789'],
    ['not a number', 'yesterday'],
    ['more than a day ahead', String(NOW.getTime() / 1000 + 2 * 86_400)],
  ])('a timestamp %s falls back to receivedAt', (_name, timestamp) => {
    expect(parse(withMessage({ timestamp })).messages[0]!.sentAt).toBe(NOW.toISOString());
  });

  test('overlong values are clamped to the queue contract', () => {
    const body = withMessage({ id: `wamid.${'x'.repeat(400)}`, text: { body: 'a'.repeat(70_000) } });
    body.entry[0].changes[0].value.contacts[0].profile.name = 'N'.repeat(300);
    const [message] = parse(body).messages;
    expect(message!.text).toHaveLength(65_536);
    expect(message!.providerMessageId).toHaveLength(256);
    expect(message!.customer.displayName).toHaveLength(200);
    expect(() => inboundMessage.parse(message)).not.toThrow();
  });

  test.each([
    ['not JSON', '{oops', undefined],
    ['another Meta product', { object: 'page', entry: [] }, 'object'],
    ['no entry', { object: 'whatsapp_business_account' }, 'entry'],
    ['a change without a field', { object: 'whatsapp_business_account', entry: [{ changes: [{ value: {} }] }] }, 'entry.0.changes.0.field'],
    ['messages without metadata', { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { messages: [] } }] }] }, 'entry.0.changes.0.value.metadata'],
    ['a text message without text', withMessage({ text: undefined }), 'entry.0.changes.0.value.messages.0.text'],
    ['a message without an id', withMessage({ id: undefined }), 'entry.0.changes.0.value.messages.0.id'],
    ['a message without a sender', withMessage({ from: undefined }), 'entry.0.changes.0.value.messages.0.from'],
    ['an image without a media id', withMessage({ type: 'image', image: { mime_type: 'image/jpeg' } }), 'entry.0.changes.0.value.messages.0.image.id'],
    ['a button reply without its object', withMessage({ type: 'interactive', interactive: { type: 'button_reply' } }), 'entry.0.changes.0.value.messages.0.interactive.button_reply'],
    ['a location without coordinates', withMessage({ type: 'location', location: { name: 'x' } }), 'entry.0.changes.0.value.messages.0.location.latitude'],
  ])('%s is 400 naming the field', (_name, body, field) => {
    const problem = problemOf(() => parse(body));
    expect(problem.status).toBe(400);
    if (field) expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  test('a message type named like an Object property is not mistaken for a known type', () => {
    expect(parse(withMessage({ type: 'constructor', text: undefined })).ignored).toEqual(['message:constructor']);
    expect(fields(() => parse(withMessage({ type: 'toString', text: 5 })))).toContain('entry.0.changes.0.value.messages.0.text');
  });

  test('random and mutated bodies give HttpProblems or valid messages, nothing else', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const values: unknown[] = [null, 0, -1, 1e308, '', 'x', '1749416383', true, [], {}, [{}], { id: 'x' }, 'a'.repeat(300)];
    const sources = readdirSync(FIXTURES).filter((n) => n.endsWith('.json') && !n.startsWith('send-'));
    const mutate = (node: unknown): unknown => {
      if (random() < 0.08) return values[Math.floor(random() * values.length)];
      if (Array.isArray(node)) return node.map(mutate);
      if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).filter(() => random() > 0.05).map(([k, v]) => [k, mutate(v)]));
      return node;
    };
    for (let i = 0; i < 600; i++) {
      const source = fixture(sources[i % sources.length]!);
      const body = i % 10 === 0 ? source.slice(0, Math.floor(random() * source.length)) : JSON.stringify(mutate(JSON.parse(source)));
      try {
        whatsapp.verify(post(body), context);
        for (const m of (whatsapp.parse(post(body), context) as ParsedWebhook).messages) expect(inboundMessage.safeParse(m).success).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpProblem);
      }
    }
  });

  test('acknowledges with an empty 200', () => {
    expect(whatsapp.acknowledge(parse(fixture('text.json')))).toEqual({ statusCode: 200 });
  });
});

describe('whatsapp reply address', () => {
  const handles = [{ kind: 'email' as const, value: 'ana@example.com' }, { kind: 'phone' as const, value: '+14155550123' }];

  test('is the configured phone number id and the customer\'s number without +', () => {
    expect(whatsapp.replyAddress!(handles, { ...SETTINGS, phoneNumberId: '106540352242922' })).toBe('106540352242922:14155550123');
  });

  test('is unknown without a configured phone number id or a phone handle', () => {
    expect(whatsapp.replyAddress!(handles, SETTINGS)).toBeUndefined();
    expect(whatsapp.replyAddress!([handles[0]!], { ...SETTINGS, phoneNumberId: '106540352242922' })).toBeUndefined();
  });
});

describe('whatsapp send', () => {
  const answer = (status: number, name: string) => ({ status, body: fixture(name) });
  const reply = { replyId: 'rpl_1', ticketId: 'tkt_0123456789abcdef', to: '106540352242922:14155550123', text: 'We are sending a replacement today.', subject: 'Damaged order' };
  const send = (transport: Transport, overrides: Partial<typeof reply & { inReplyTo: string }> = {}, settings: Record<string, unknown> = SETTINGS) =>
    whatsapp.send!({ ...reply, ...overrides }, { secrets: SECRETS, settings, transport });

  test('posts Meta\'s documented text message and returns its message id', async () => {
    const transport = new RecordingTransport(answer(200, 'send-success.json'));
    expect(await send(transport)).toEqual({ ok: true, providerMessageId: 'wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA' });
    expect(transport.requests).toEqual([
      {
        method: 'POST',
        url: 'https://graph.facebook.com/v21.0/106540352242922/messages',
        headers: { Authorization: 'Bearer EAAtestaccesstoken123', 'Content-Type': 'application/json' },
        body: expect.any(String),
      },
    ]);
    expect(JSON.parse(transport.requests[0]!.body!)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '14155550123',
      type: 'text',
      text: { preview_url: false, body: 'We are sending a replacement today.' },
    });
  });

  test('quotes the customer\'s message when the reply answers one', async () => {
    const transport = new RecordingTransport(answer(200, 'send-success.json'));
    await send(transport, { inReplyTo: 'wamid.ABC' });
    expect(JSON.parse(transport.requests[0]!.body!).context).toEqual({ message_id: 'wamid.ABC' });
  });

  test('sends from the configured phone number id and Graph API version', async () => {
    const transport = new RecordingTransport(answer(200, 'send-success.json'), answer(200, 'send-success.json'));
    await send(transport, {}, { ...SETTINGS, phoneNumberId: '999000111', graphApiVersion: 'v23.0' });
    expect(transport.requests[0]!.url).toBe('https://graph.facebook.com/v23.0/999000111/messages');
    await send(transport, { to: '+14155550123' }, { ...SETTINGS, phoneNumberId: '999000111' });
    expect(JSON.parse(transport.requests[1]!.body!).to).toBe('14155550123');
  });

  test('more than 24 hours after the customer wrote is a permanent failure saying a template is needed', async () => {
    const transport = new RecordingTransport(answer(400, 'send-error-131047.json'));
    const result = await send(transport);
    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/^WhatsApp 131047: more than 24 hours .*template/) });
  });

  test.each([
    ['Meta\'s throughput limit (130429)', answer(400, 'send-error-130429.json'), true, 'WhatsApp 130429: (#130429) Rate limit hit — Cloud API message throughput has been reached.'],
    ['the pair rate limit (131056)', { status: 400, body: JSON.stringify({ error: { message: '(#131056) Pair rate limit hit', code: 131056 } }) }, true, 'WhatsApp 131056: (#131056) Pair rate limit hit'],
    ['an expired access token (190)', answer(401, 'send-error-190.json'), false, 'WhatsApp 190: Error validating access token: Session has expired on Friday, 20-Nov-26 09:00:00 PST.'],
    ['an HTTP 429 without a JSON body', { status: 429, body: 'Too Many Requests' }, true, 'WhatsApp HTTP 429'],
    ['an HTTP 503 gateway page', { status: 503, body: '<html>unavailable</html>' }, true, 'WhatsApp HTTP 503'],
    ['an invalid parameter (100)', { status: 400, body: JSON.stringify({ error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100 } }) }, false, 'WhatsApp 100: (#100) Invalid parameter'],
  ])('%s maps to the provider\'s own reason and retryability', async (_name, response, retryable, reason) => {
    const transport = new RecordingTransport(response);
    expect(await send(transport)).toEqual({ ok: false, retryable, reason });
  });

  test('a transport failure is retryable', async () => {
    const transport = new RecordingTransport(new TypeError('fetch failed'));
    expect(await send(transport)).toEqual({ ok: false, retryable: true, reason: 'WhatsApp could not be reached: fetch failed' });
  });

  test('a 2xx without a message id is still a send (a retry would send it twice)', async () => {
    const transport = new RecordingTransport({ status: 200, body: '' });
    expect(await send(transport)).toEqual({ ok: true, providerMessageId: 'whatsapp:rpl_1' });
  });

  test('no reason ever contains the access token, and reasons stay short', async () => {
    const echo = { status: 400, body: JSON.stringify({ error: { message: `Bad token ${SECRETS.accessToken} ${'x'.repeat(500)}`, code: 100 } }) };
    const transport = new RecordingTransport(echo, new Error(`connect failed for ${SECRETS.accessToken}`));
    for (const result of [await send(transport), await send(transport)]) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).not.toContain(SECRETS.accessToken);
        expect(result.reason.length).toBeLessThanOrEqual(300);
      }
    }
  });

  test.each([
    ['text over 4096 characters', { text: 'x'.repeat(4097) }, /4097 characters; WhatsApp accepts at most 4096/],
    ['no text', { text: '  ' }, /no text/],
    ['an address that is not <phone number id>:<wa_id>', { to: 'someone@example.com' }, /not a WhatsApp address/],
    ['a bare number without a configured phone number id', { to: '+14155550123' }, /not a WhatsApp address/],
  ])('%s fails permanently without calling Meta', async (_name, overrides, reason) => {
    const transport = new RecordingTransport();
    expect(await send(transport, overrides)).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(reason) });
    expect(transport.requests).toEqual([]);
  });

  test('4096 characters of emoji are within the limit', async () => {
    const transport = new RecordingTransport(answer(200, 'send-success.json'));
    expect((await send(transport, { text: '👍'.repeat(4096) })).ok).toBe(true);
    expect(transport.requests).toHaveLength(1);
  });

  test('without an access token it fails permanently', async () => {
    const transport = new RecordingTransport();
    expect(await whatsapp.send!(reply, { secrets: { ...SECRETS, accessToken: '' }, settings: SETTINGS, transport })).toMatchObject({ ok: false, retryable: false });
  });
});
