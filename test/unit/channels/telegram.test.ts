import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inboundMessage } from '../../../events/inbound-message';
import type { ParsedWebhook, ProviderResponse, SendContext, Transport, WebhookRequest } from '../../../shared/channels/channel';
import { telegram } from '../../../shared/channels/telegram';
import { HttpProblem } from '../../../shared/http/problem';
import { problemOf } from '../../support/problems';
import { RecordingTransport } from '../../support/transport';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'telegram', name), 'utf8');
const fixtureJson = (name: string) => JSON.parse(fixture(name)) as Record<string, any>;

const SECRET_TOKEN = 'tg-secret_token-0123456789';
const BOT_TOKEN = '7000000001:AAHfakeBotTokenForTests_0123456789ab';
const NOW = new Date('2026-11-23T09:30:00.000Z');
const context = {
  secrets: { secretToken: SECRET_TOKEN, botToken: BOT_TOKEN },
  now: NOW,
  maxClockSkewSeconds: 300,
  defaultPhoneRegion: 'US',
  settings: { enabled: true },
  receivedAt: NOW.toISOString(),
};

function request(body: unknown, headers: Record<string, string | undefined> = {}): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://switchboard.example.com/webhooks/telegram',
    query: {},
    rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET_TOKEN, ...headers },
  };
}

const parse = (body: unknown) => telegram.parse(request(body), context) as ParsedWebhook;
const only = (body: unknown) => {
  const { messages, ignored } = parse(body);
  expect(ignored).toEqual([]);
  expect(messages).toHaveLength(1);
  return inboundMessage.parse(messages[0]);
};
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('telegram secret token', () => {
  test('the secret token set with setWebhook verifies', () => {
    expect(() => telegram.verify(request(fixture('text.json')), context)).not.toThrow();
  });

  test.each([
    ['no secret token header', { 'x-telegram-bot-api-secret-token': undefined }],
    ['an empty secret token', { 'x-telegram-bot-api-secret-token': '' }],
    ['another secret token', { 'x-telegram-bot-api-secret-token': 'tg-secret_token-0123456780' }],
    ['a prefix of the secret token', { 'x-telegram-bot-api-secret-token': SECRET_TOKEN.slice(0, -1) }],
  ])('%s is 401', (_name, headers) => {
    expect(problemOf(() => telegram.verify(request(fixture('text.json'), headers), context)).status).toBe(401);
  });

  test('any body with the right token verifies: the token, not the body, is what Telegram proves', () => {
    expect(() => telegram.verify(request(fixture('callback-query.json')), context)).not.toThrow();
  });

  test('a channel without a secret token rejects with 401, not a crash', () => {
    expect(problemOf(() => telegram.verify(request(fixture('text.json')), { ...context, secrets: {} })).status).toBe(401);
  });
});

describe('telegram updates', () => {
  test('a text message becomes the canonical message', () => {
    expect(only(fixture('text.json'))).toEqual({
      schemaVersion: 1,
      channel: 'telegram',
      providerMessageId: '1111111:1365',
      customer: { handles: [{ kind: 'channel-user', value: 'telegram:1111111' }], displayName: 'Test Firstname Test Lastname' },
      text: '/start',
      attachments: [],
      sentAt: '2015-09-07T17:05:32.000Z',
      receivedAt: NOW.toISOString(),
      rawRef: 'telegram:1111111:1365',
      replyTo: '1111111',
    });
  });

  test('Telegram\'s own example without chat.type is read too', () => {
    expect(only(fixture('text-without-chat-type.json'))).toMatchObject({ providerMessageId: '1111111:1365', text: '/start', customer: { displayName: 'Test Test Lastname' } });
  });

  test('a forwarded message is the customer\'s message', () => {
    expect(only(fixture('forwarded.json'))).toMatchObject({ providerMessageId: '1111111:1365', customer: { handles: [{ kind: 'channel-user', value: 'telegram:1111111' }] } });
  });

  test('a reply names the message it answers, in the same chat', () => {
    expect(only(fixture('reply.json')).thread).toEqual({ providerMessageIds: ['1111111:1334'] });
  });

  test('an edit is a new message, marked, timed at the edit and threaded to the original', () => {
    expect(only(fixture('edited.json'))).toMatchObject({
      providerMessageId: '1111111:1365:edited:1441646600',
      rawRef: 'telegram:1111111:1365:edited:1441646600',
      text: '(edited) Edited text',
      sentAt: iso(1441646600),
      thread: { providerMessageIds: ['1111111:1365'] },
    });
  });

  test('an edit of a photo without a caption is marked without trailing space', () => {
    const body = { update_id: 1, edited_message: { ...fixtureJson('photo.json').message, edit_date: 1795424200 } };
    delete body.edited_message.caption;
    expect(only(body)).toMatchObject({ text: '(edited)', attachments: [{ mediaId: 'AgACAgQAAxkBAAIBfake-photo-large' }] });
  });

  test.each([
    ['audio.json', { mediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX', contentType: 'audio/mpeg', sizeBytes: 3897500 }],
    ['voice.json', { mediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX', contentType: 'audio/ogg', sizeBytes: 23000 }],
    ['document.json', { mediaId: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX', contentType: 'application/pdf', name: 'Testfile.pdf', sizeBytes: 536392 }],
    ['sticker.json', { mediaId: 'CAACAgIAAxkBAAIBfake-sticker', contentType: 'application/x-tgsticker', sizeBytes: 25000 }],
    ['animation.json', { mediaId: 'CgACAgQAAxkBAAIBfake-animation', contentType: 'video/mp4', name: 'box.mp4', sizeBytes: 120000 }],
  ])('%s: the media is one attachment by file id', (name, attachment) => {
    const message = only(fixture(name));
    expect(message.attachments).toEqual([attachment]);
    expect(message.text).toBe('');
  });

  test('a photo keeps its largest size and its caption as the text', () => {
    const message = only(fixture('photo.json'));
    expect(message.attachments).toEqual([{ mediaId: 'AgACAgQAAxkBAAIBfake-photo-large', contentType: 'image/jpeg', sizeBytes: 98234 }]);
    expect(message).toMatchObject({ text: 'My order #5521 arrived damaged', customer: { displayName: 'Mei Chen' }, sentAt: iso(1795424098) });
  });

  test.each([
    ['video', { file_id: 'BAACfake-video', mime_type: 'video/mp4', file_name: 'unboxing.mp4' }, { mediaId: 'BAACfake-video', contentType: 'video/mp4', name: 'unboxing.mp4' }],
    ['video_note', { file_id: 'DQACfake-note', length: 240, duration: 4 }, { mediaId: 'DQACfake-note', contentType: 'video/mp4' }],
    ['sticker', { file_id: 'CAACfake-webp', is_animated: false, is_video: false }, { mediaId: 'CAACfake-webp', contentType: 'image/webp' }],
    ['sticker', { file_id: 'CAACfake-webm', is_animated: false, is_video: true }, { mediaId: 'CAACfake-webm', contentType: 'video/webm' }],
  ])('a %s becomes an attachment with its content type', (field, media, attachment) => {
    const body = fixtureJson('text.json');
    delete body.message.text;
    body.message[field] = media;
    expect(only(body).attachments).toEqual([attachment]);
  });

  test('a shared contact of the sender adds their phone number, read as international', () => {
    const message = only(fixture('contact-own.json'));
    expect(message.customer.handles).toEqual([
      { kind: 'channel-user', value: 'telegram:7000000123' },
      { kind: 'phone', value: '+14155550123' },
    ]);
    expect(message.text).toBe('Contact: Mei Chen, 14155550123');
    expect(message.thread).toEqual({ providerMessageIds: ['7000000123:41'] });
  });

  test('someone else\'s contact is text, not the sender\'s phone', () => {
    const message = only(fixture('contact-other.json'));
    expect(message.customer.handles).toEqual([{ kind: 'channel-user', value: 'telegram:7000000123' }]);
    expect(message.text).toBe('Contact: Ana, +14155550199');
  });

  test('a location becomes a line of text; a venue adds its name and address', () => {
    expect(only(fixture('location.json')).text).toBe('Location: 37.787927, -122.393751');
    const venue = fixtureJson('location.json');
    venue.message.venue = { location: venue.message.location, title: 'Example Shop', address: '101 Spear St' };
    expect(only(venue).text).toBe('Location: 37.787927, -122.393751 (Example Shop, 101 Spear St)');
  });

  test('a group message is still a message, but answered privately, never in the group', () => {
    expect(only(fixture('group.json'))).toMatchObject({
      providerMessageId: '-1001234567890:512',
      customer: { handles: [{ kind: 'channel-user', value: 'telegram:7000000123' }], displayName: 'Mei Chen' },
      replyTo: '7000000123',
    });
  });

  test('the username names a customer without a first name', () => {
    const body = fixtureJson('text.json');
    body.message.from = { id: 1111111, is_bot: false, first_name: '', username: 'mei_c' };
    expect(only(body).customer.displayName).toBe('mei_c');
  });

  test.each([
    ['callback-query.json', 'callback_query'],
    ['inline-query.json', 'inline_query'],
    ['my-chat-member.json', 'my_chat_member'],
    ['channel-post.json', 'channel_post'],
    ['bot-message.json', 'message:bot'],
    ['group-new-member.json', 'message:service'],
    ['edited-live-location.json', 'edited_message:live_location'],
  ])('%s is ignored as %s', (name, kind) => {
    expect(parse(fixture(name))).toEqual({ messages: [], ignored: [kind] });
  });

  test('a message without a sender, or sent on behalf of a chat, is ignored', () => {
    const anonymous = fixtureJson('group.json');
    delete anonymous.message.from;
    expect(parse(anonymous).ignored).toEqual(['message:anonymous']);
    const onBehalf = fixtureJson('group.json');
    onBehalf.message.sender_chat = { id: -1001234567890, type: 'supergroup', title: 'Example Shop Customers' };
    expect(parse(onBehalf).ignored).toEqual(['message:anonymous']);
  });

  test('a message with nothing Switchboard can show is ignored as unsupported', () => {
    const dice = fixtureJson('text.json');
    delete dice.message.text;
    dice.message.dice = { emoji: '🎲', value: 4 };
    expect(parse(dice).ignored).toEqual(['message:unsupported']);
  });

  test('an update kind that is not a plain name is counted as unknown', () => {
    expect(parse({ update_id: 1, 'Weird Kind!': {} }).ignored).toEqual(['unknown']);
    expect(parse({ update_id: 1 }).ignored).toEqual(['unknown']);
  });

  test('an absurd date falls back to when Switchboard received the message', () => {
    for (const date of [0, 946_684_799, Math.floor(NOW.getTime() / 1000) + 2 * 86_400, 99_999_999_999]) {
      const body = fixtureJson('text.json');
      body.message.date = date;
      expect(only(body).sentAt).toBe(NOW.toISOString());
    }
  });

  test('clamps what the contract bounds: text, display name, attachments; drops unusable file ids', () => {
    const body = fixtureJson('text.json');
    body.message.text = 'x'.repeat(70_000);
    body.message.from.first_name = 'n'.repeat(300);
    body.message.document = { file_id: 'f'.repeat(600) };
    const message = only(body);
    expect(message.text).toHaveLength(65_536);
    expect(message.customer.displayName).toHaveLength(200);
    expect(message.attachments).toEqual([]);
  });

  test.each([
    ['not JSON', '{oops', undefined],
    ['a JSON array', '[]', '(body)'],
    ['no update_id', { message: fixtureJson('text.json').message }, 'update_id'],
    ['a message without a chat', { update_id: 1, message: { message_id: 1, date: 1441645532, from: { id: 1 }, text: 'hi' } }, 'message.chat'],
    ['a chat id that is not a number', { update_id: 1, message: { message_id: 1, date: 1441645532, chat: { id: 'abc' }, from: { id: 1 }, text: 'hi' } }, 'message.chat.id'],
    ['a message without a date', { update_id: 1, message: { message_id: 1, chat: { id: 1 }, from: { id: 1 }, text: 'hi' } }, 'message.date'],
    ['photo sizes that are not a list', { update_id: 1, message: { message_id: 1, date: 1441645532, chat: { id: 1 }, from: { id: 1 }, photo: 'big' } }, 'message.photo'],
    ['an edit without its edit date', { update_id: 1, edited_message: { message_id: 1, date: 1441645532, chat: { id: 1 }, from: { id: 1 }, text: 'hi' } }, 'edited_message.edit_date'],
  ])('%s is 400 naming the field', (_name, body, field) => {
    const problem = problemOf(() => telegram.parse(request(body), context));
    expect(problem.status).toBe(400);
    if (field) expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  test('every fixture that is a message satisfies the queue contract', () => {
    const names = ['text.json', 'text-without-chat-type.json', 'forwarded.json', 'reply.json', 'edited.json', 'audio.json', 'voice.json', 'document.json', 'photo.json', 'contact-own.json', 'contact-other.json', 'location.json', 'sticker.json', 'animation.json', 'group.json'];
    for (const name of names) {
      const { messages } = parse(fixture(name));
      expect(messages).toHaveLength(1);
      expect(() => inboundMessage.parse(messages[0])).not.toThrow();
    }
  });

  test('random and mutated bodies raise nothing but problems, and parse only valid messages', () => {
    const seeds = ['text.json', 'photo.json', 'edited.json', 'contact-own.json', 'callback-query.json'].map(fixture);
    let state = 7;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const mutations: ((v: unknown) => unknown)[] = [() => null, () => -1, () => 1e308, () => 'x', () => [], () => ({}), (v) => (typeof v === 'string' ? v.repeat(5000) : v), () => true];
    const mutate = (value: unknown): unknown => {
      if (random() < 0.15) return mutations[Math.floor(random() * mutations.length)]!(value);
      if (Array.isArray(value)) return value.map(mutate);
      if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(() => random() > 0.1).map(([k, v]) => [k, mutate(v)]));
      return value;
    };
    for (let i = 0; i < 500; i++) {
      const seed = seeds[i % seeds.length]!;
      const body = i % 5 === 0 ? Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256))) : Buffer.from(JSON.stringify(mutate(JSON.parse(seed))));
      const req: WebhookRequest = { ...request(''), rawBody: body };
      for (const step of [() => telegram.verify(req, context), () => telegram.parse(req, context)]) {
        try {
          const result = step() as ParsedWebhook | undefined;
          for (const message of result?.messages ?? []) expect(inboundMessage.safeParse(message).success).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(HttpProblem);
        }
      }
    }
  });

  test('acknowledges with an empty 200', () => {
    expect(telegram.acknowledge({ messages: [], ignored: [] })).toEqual({ statusCode: 200 });
  });
});

describe('telegram reply address', () => {
  test('is the user id of the telegram handle, which is their private chat', () => {
    expect(telegram.replyAddress!([{ kind: 'phone', value: '+14155550123' }, { kind: 'channel-user', value: 'telegram:7000000123' }], {})).toBe('7000000123');
  });

  test('is undefined without a telegram handle', () => {
    expect(telegram.replyAddress!([{ kind: 'channel-user', value: 'web:7000000123' }, { kind: 'phone', value: '+14155550123' }], {})).toBeUndefined();
  });
});

describe('telegram send', () => {
  /** The Bot API's documented answer to sendMessage. */
  const sent = (): ProviderResponse => ({ status: 200, body: fixture('send-ok.json') });
  const reply = { replyId: 'rpl_1', ticketId: 'tkt_0123456789abcdef', to: '1111111', text: 'Sorry about that! A replacement is on its way.', subject: 'Damaged order' };
  const sendContext = (transport: Transport): SendContext => ({ secrets: { secretToken: SECRET_TOKEN, botToken: BOT_TOKEN }, settings: { enabled: true }, transport });

  test('posts sendMessage as documented and returns <chat>:<message_id>', async () => {
    const transport = new RecordingTransport(sent());
    await expect(telegram.send!(reply, sendContext(transport))).resolves.toEqual({ ok: true, providerMessageId: '1111111:1366' });
    expect(transport.requests).toEqual([
      {
        method: 'POST',
        url: `https://api.telegram.org/bot${BOT_TOKEN}/sendMessage`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: 1111111, text: reply.text }),
      },
    ]);
  });

  test('replies to the customer\'s message when it is in the same chat', async () => {
    const transport = new RecordingTransport(sent());
    await telegram.send!({ ...reply, inReplyTo: '1111111:1365' }, sendContext(transport));
    expect(JSON.parse(transport.requests[0]!.body!)).toEqual({ chat_id: 1111111, text: reply.text, reply_parameters: { message_id: 1365, allow_sending_without_reply: true } });
  });

  test('replies to the original of an edited message', async () => {
    const transport = new RecordingTransport(sent());
    await telegram.send!({ ...reply, inReplyTo: '1111111:1365:edited:1441646600' }, sendContext(transport));
    expect(JSON.parse(transport.requests[0]!.body!).reply_parameters).toEqual({ message_id: 1365, allow_sending_without_reply: true });
  });

  test.each([
    ['another chat', '2222222:1365'],
    ['another channel\'s id', 'SM9f8e7d6c5b4a39280123456789abcdef'],
  ])('does not reply to a message in %s', async (_name, inReplyTo) => {
    const transport = new RecordingTransport(sent());
    await telegram.send!({ ...reply, inReplyTo }, sendContext(transport));
    expect(JSON.parse(transport.requests[0]!.body!)).not.toHaveProperty('reply_parameters');
  });

  test('answers a group at its negative chat id', async () => {
    const transport = new RecordingTransport({ status: 200, body: JSON.stringify({ ok: true, result: { message_id: 9 } }) });
    await expect(telegram.send!({ ...reply, to: '-1001234567890', inReplyTo: '-1001234567890:512' }, sendContext(transport))).resolves.toEqual({ ok: true, providerMessageId: '-1001234567890:9' });
    expect(JSON.parse(transport.requests[0]!.body!)).toMatchObject({ chat_id: -1001234567890, reply_parameters: { message_id: 512 } });
  });

  test('a reply over 4,096 characters fails for good with the reason; 4,096 is sent', async () => {
    const transport = new RecordingTransport(sent());
    await expect(telegram.send!({ ...reply, text: 'x'.repeat(4097) }, sendContext(transport))).resolves.toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining('4096') });
    expect(transport.requests).toHaveLength(0);
    await expect(telegram.send!({ ...reply, text: 'x'.repeat(4096) }, sendContext(transport))).resolves.toMatchObject({ ok: true });
  });

  test('an address that is not a chat id fails for good without a request', async () => {
    const transport = new RecordingTransport(sent());
    await expect(telegram.send!({ ...reply, to: '+14155550123' }, sendContext(transport))).resolves.toMatchObject({ ok: false, retryable: false });
    expect(transport.requests).toHaveLength(0);
  });

  test.each([
    ['a bot blocked by the user (403)', 403, 'send-error-403.json', false, 'Telegram 403: Forbidden: bot was blocked by the user'],
    ['a chat that does not exist (400)', 400, 'send-error-400.json', false, 'Telegram 400: Bad Request: chat not found'],
    ['throttling (429)', 429, 'send-error-429.json', true, 'Telegram 429: Too Many Requests: retry after 7'],
  ])('%s maps to the right result', async (_name, status, name, retryable, reason) => {
    await expect(telegram.send!(reply, sendContext(new RecordingTransport({ status, body: fixture(name) })))).resolves.toEqual({ ok: false, retryable, reason });
  });

  test('a server error without JSON is retryable', async () => {
    await expect(telegram.send!(reply, sendContext(new RecordingTransport({ status: 502, body: '<html>Bad Gateway</html>' })))).resolves.toEqual({ ok: false, retryable: true, reason: 'Telegram 502: HTTP 502' });
  });

  test('a network failure is retryable and its reason never holds the bot token', async () => {
    const error = new Error(`request to https://api.telegram.org/bot${BOT_TOKEN}/sendMessage failed, reason: getaddrinfo ENOTFOUND`);
    const result = await telegram.send!(reply, sendContext(new RecordingTransport(error)));
    expect(result).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('ENOTFOUND') });
    expect(JSON.stringify(result)).not.toContain(BOT_TOKEN);
  });

  test('an error description quoting the token does not leak it, and is cut to 300 characters', async () => {
    const body = JSON.stringify({ ok: false, error_code: 400, description: `Bad Request: ${BOT_TOKEN} ${'y'.repeat(1000)}` });
    const result = await telegram.send!(reply, sendContext(new RecordingTransport({ status: 400, body })));
    expect(JSON.stringify(result)).not.toContain(BOT_TOKEN);
    expect(result.ok === false && result.reason.length).toBe(300);
  });

  test('a 200 without a message id is not retried, since Telegram may have sent it', async () => {
    await expect(telegram.send!(reply, sendContext(new RecordingTransport({ status: 200, body: '{"ok":true,"result":true}' })))).resolves.toMatchObject({ ok: false, retryable: false });
  });
});
