import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inboundMessage } from '../../../events/inbound-message';
import type { ParsedWebhook, ProviderResponse, Transport, WebhookRequest } from '../../../shared/channels/channel';
import { resetWeChatTokens, signWeChatQuery, wechat } from '../../../shared/channels/wechat';
import { HttpProblem } from '../../../shared/http/problem';
import { problemOf, problemOfAsync } from '../../support/problems';
import { RecordingTransport } from '../../support/transport';

const FIXTURES = join(__dirname, 'fixtures', 'wechat');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const SECRETS = { token: 'test-server-token', appId: 'wx0123456789abcdef', appSecret: 'test-app-secret-0123456789abcdef' };
const NOW = new Date('2026-11-23T09:00:00.000Z');
const nowSeconds = NOW.getTime() / 1000;
const context = { secrets: SECRETS, now: NOW, maxClockSkewSeconds: 300, defaultPhoneRegion: 'US', settings: { enabled: true }, receivedAt: NOW.toISOString() };
const OPENID = 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M';
const URL = 'https://hooks.example.com/webhooks/wechat';

function signed(extra: Record<string, string> = {}, timestamp = nowSeconds, token = SECRETS.token): Record<string, string> {
  return { ...signWeChatQuery(token, timestamp, '1514711492'), openid: OPENID, ...extra };
}

function post(raw: string, query: Record<string, string> = signed()): WebhookRequest {
  return { method: 'POST', url: `${URL}?${new URLSearchParams(query)}`, query, rawBody: Buffer.from(raw), headers: { 'content-type': 'text/xml' } };
}

function get(query: Record<string, string>): WebhookRequest {
  return { method: 'GET', url: `${URL}?${new URLSearchParams(query)}`, query, rawBody: Buffer.alloc(0), headers: {} };
}

const parse = (xml: string) => wechat.parse(post(xml), context) as Promise<ParsedWebhook>;

/** A WeChat message with the given elements after the common header. */
const message = (elements: string, from = OPENID) =>
  `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>1348831860</CreateTime>${elements}</xml>`;

describe('wechat signature', () => {
  const raw = fixture('text.xml');

  test('a request signed with the server token and a fresh timestamp verifies', async () => {
    expect(() => wechat.verify(post(raw), context)).not.toThrow();
  });

  test('the signature is the SHA-1 of the sorted token, timestamp and nonce', async () => {
    // Computed independently: sha1('1514711492' + '1795424400' + 'test-server-token').
    expect(signWeChatQuery(SECRETS.token, 1795424400, '1514711492')).toEqual({ signature: '3941402d183f42b13d666d1f5a2e7f3ab9061782', timestamp: '1795424400', nonce: '1514711492' });
  });

  test.each([
    ['no signature', (({ signature: _s, ...rest }) => rest)(signed())],
    ['no timestamp', (({ timestamp: _t, ...rest }) => rest)(signed())],
    ['no nonce', (({ nonce: _n, ...rest }) => rest)(signed())],
    ['a signature made with another token', signed({}, nowSeconds, 'other-token')],
    ['a signature of another nonce', { ...signed(), nonce: '42' }],
    ['a timestamp older than the allowed skew', signed({}, nowSeconds - 301)],
    ['a timestamp beyond the skew in the future', signed({}, nowSeconds + 301)],
    ['a malformed timestamp', { ...signed(), timestamp: 'yesterday' }],
  ])('%s is 401', async (_name, query) => {
    expect(problemOf(() => wechat.verify(post(raw, query as Record<string, string>), context)).status).toBe(401);
  });

  test('a timestamp within the skew verifies (WeChat retries within seconds)', async () => {
    expect(() => wechat.verify(post(raw, signed({}, nowSeconds - 299)), context)).not.toThrow();
  });

  test('in plaintext mode WeChat signs the query, not the body: another body with the same query verifies', async () => {
    expect(() => wechat.verify(post(fixture('image.xml')), context)).not.toThrow();
  });

  test('a channel without a server token refuses with 401 rather than failing', async () => {
    expect(problemOf(() => wechat.verify(post(raw), { ...context, secrets: { ...SECRETS, token: '' } })).status).toBe(401);
  });
});

describe('wechat handshake', () => {
  test('echoes echostr as text/plain when the signature matches', async () => {
    expect(wechat.handshake!(get(signed({ echostr: '5838479218127813673' })), context)).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: '5838479218127813673' });
  });

  test.each([
    ['a wrong signature', { ...signed({ echostr: '123' }), signature: 'f'.repeat(40) }],
    ['a stale timestamp', signed({ echostr: '123' }, nowSeconds - 3600)],
  ])('%s is 401', async (_name, query) => {
    expect(problemOf(() => wechat.handshake!(get(query), context)).status).toBe(401);
  });

  test.each([
    ['markup', '<img src=x onerror=alert(1)>'],
    ['too long', '9'.repeat(129)],
    ['missing', undefined],
  ])('an echostr that is %s is 400 naming echostr, never echoed', async (_name, echostr) => {
    const query = echostr === undefined ? signed() : signed({ echostr });
    expect(problemOf(() => wechat.handshake!(get(query), context))).toMatchObject({ status: 400, errors: [{ field: 'echostr' }] });
  });
});

describe('wechat payloads', () => {
  test('a text message becomes the canonical message, its 64-bit MsgId intact', async () => {
    expect((await parse(fixture('text.xml')))).toEqual({
      messages: [
        {
          schemaVersion: 1,
          channel: 'wechat',
          providerMessageId: '6349323426230210995',
          customer: { handles: [{ kind: 'channel-user', value: `wechat:${OPENID}` }] },
          text: 'this is a test',
          attachments: [],
          sentAt: '2012-09-28T11:31:00.000Z',
          receivedAt: NOW.toISOString(),
          rawRef: 'wechat:6349323426230210995',
          replyTo: OPENID,
        },
      ],
      ignored: [],
    });
  });

  test.each([
    ['image.xml', '', [{ mediaId: 'media_id_image_0001' }]],
    ['voice.xml', '', [{ mediaId: 'media_id_voice_0001', contentType: 'audio/amr' }]],
    ['voice-recognition.xml', '腾讯微信团队', [{ mediaId: 'media_id_voice_0002', contentType: 'audio/amr' }]],
    ['video.xml', '', [{ mediaId: 'media_id_video_0001' }]],
    ['shortvideo.xml', '', [{ mediaId: 'media_id_short_0001' }]],
    ['location.xml', 'Location: 位置信息 (23.134521, 113.358803)', []],
    ['link.xml', '公众平台官网链接\n公众平台官网链接\nhttps://mp.weixin.qq.com', []],
  ])('%s becomes text and attachments', async (name, text, attachments) => {
    const { messages, ignored } = (await parse(fixture(name)));
    expect(ignored).toEqual([]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ channel: 'wechat', text, replyTo: OPENID, customer: { handles: [{ kind: 'channel-user', value: `wechat:${OPENID}` }] } });
    expect(messages[0]!.attachments).toEqual(attachments);
  });

  test('an https PicUrl is kept as the attachment URL; WeChat\'s usual http one is not', async () => {
    const https = (await parse(message('<MsgType>image</MsgType><PicUrl><![CDATA[https://mmbiz.qpic.cn/x/0]]></PicUrl><MediaId>m1</MediaId><MsgId>1</MsgId>')));
    expect(https.messages[0]!.attachments).toEqual([{ mediaId: 'm1', url: 'https://mmbiz.qpic.cn/x/0' }]);
    expect((await parse(fixture('image.xml'))).messages[0]!.attachments[0]).not.toHaveProperty('url');
  });

  test.each([
    ['event-subscribe.xml', 'event:subscribe'],
    ['event-unsubscribe.xml', 'event:unsubscribe'],
    ['event-scan.xml', 'event:scan'],
    ['event-location.xml', 'event:location'],
    ['event-click.xml', 'event:click'],
    ['event-view.xml', 'event:view'],
  ])('%s is ignored as %s', async (name, kind) => {
    expect((await parse(fixture(name)))).toEqual({ messages: [], ignored: [kind] });
  });

  test('an unknown MsgType is ignored by kind, an odd name as other', async () => {
    expect((await parse(message('<MsgType>miniprogrampage</MsgType><MsgId>1</MsgId>'))).ignored).toEqual(['message:miniprogrampage']);
    expect((await parse(message('<MsgType>constructor</MsgType>'))).ignored).toEqual(['message:constructor']);
    expect((await parse(message('<MsgType>event</MsgType><Event>a b</Event>'))).ignored).toEqual(['event:other']);
  });

  test('every message fixture yields messages the ingest queue accepts', async () => {
    const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.xml'));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) for (const m of (await parse(fixture(name))).messages) expect(() => inboundMessage.parse(m)).not.toThrow();
  });

  test.each([
    ['absent', ''],
    ['not a number', '<CreateTime>soon</CreateTime>'],
    ['before 2000', '<CreateTime>123456789</CreateTime>'],
    ['far in the future', '<CreateTime>253370764800</CreateTime>'],
  ])('a CreateTime %s falls back to receivedAt', async (_name, createTime) => {
    const xml = `<xml><ToUserName>gh_1</ToUserName><FromUserName>${OPENID}</FromUserName>${createTime}<MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>`;
    expect((await parse(xml)).messages[0]!.sentAt).toBe(NOW.toISOString());
  });

  test('overlong content is clamped to the queue contract', async () => {
    const [m] = (await parse(message(`<MsgType>text</MsgType><Content><![CDATA[${'好'.repeat(70_000)}]]></Content><MsgId>1</MsgId>`))).messages;
    expect(m!.text).toHaveLength(65_536);
    expect(() => inboundMessage.parse(m)).not.toThrow();
  });

  test('CDATA text keeps markup-like characters as text', async () => {
    expect((await parse(message('<MsgType>text</MsgType><Content><![CDATA[a < b & <i>c</i>]]></Content><MsgId>1</MsgId>'))).messages[0]!.text).toBe('a < b & <i>c</i>');
  });

  test('a DOCTYPE is refused before any entity is expanded', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${message('<MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId>')}`;
    expect((await problemOfAsync(() => parse(bomb))).status).toBe(400);
  });

  test.each([
    ['not XML', '{"MsgType":"text"}', 'xml'],
    ['unclosed XML', '<xml><MsgType>text</MsgType>', 'xml'],
    ['another root element', '<message><MsgType>text</MsgType></message>', 'xml'],
    ['no sender', '<xml><ToUserName>gh_1</ToUserName><CreateTime>1348831860</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>', 'FromUserName'],
    ['no MsgType', message('<Content>hi</Content><MsgId>1</MsgId>'), 'MsgType'],
    ['a text without Content', message('<MsgType>text</MsgType><MsgId>1</MsgId>'), 'Content'],
    ['a message without MsgId', message('<MsgType>text</MsgType><Content>hi</Content>'), 'MsgId'],
    ['an image without MediaId', message('<MsgType>image</MsgType><PicUrl>http://x/y</PicUrl><MsgId>1</MsgId>'), 'MediaId'],
    ['a location without coordinates', message('<MsgType>location</MsgType><Label>x</Label><MsgId>1</MsgId>'), 'Location_X'],
    ['an event without Event', message('<MsgType>event</MsgType>'), 'Event'],
    ['Content given twice', message('<MsgType>text</MsgType><Content>a</Content><Content>b</Content><MsgId>1</MsgId>'), 'Content'],
    ['Content with child elements', message('<MsgType>text</MsgType><Content><b>a</b></Content><MsgId>1</MsgId>'), 'Content'],
    ['an encrypted (safe mode) body', '<xml><ToUserName>gh_1</ToUserName><Encrypt><![CDATA[abc]]></Encrypt></xml>', 'Encrypt'],
  ])('%s is 400 naming the field', async (_name, xml, field) => {
    const problem = (await problemOfAsync(() => parse(xml)));
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  test.each([
    ['a prototype-polluting tag', message('<MsgType>text</MsgType><__proto__>x</__proto__><Content>a</Content><MsgId>1</MsgId>')],
    ['deep nesting', `<xml>${'<a>'.repeat(50)}x${'</a>'.repeat(50)}</xml>`],
    ['an empty body', ''],
  ])('%s is 400', async (_name, xml) => {
    expect((await problemOfAsync(() => parse(xml))).status).toBe(400);
  });

  test('random and mutated bodies give HttpProblems or valid messages, nothing else', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const sources = readdirSync(FIXTURES).filter((n) => n.endsWith('.xml')).map(fixture);
    const junk = ['<', '>', '&', ']]>', '<![CDATA[', '</xml>', '<x>', '\u0000', '"', '&amp;', '<!--', '好', 'event', 'text'];
    for (let i = 0; i < 800; i++) {
      let body = sources[i % sources.length]!;
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
        const at = Math.floor(random() * body.length);
        const cut = random() < 0.5 ? Math.floor(random() * 10) : 0;
        body = body.slice(0, at) + (random() < 0.7 ? junk[Math.floor(random() * junk.length)] : '') + body.slice(at + cut);
      }
      try {
        for (const m of (await parse(body)).messages) expect(inboundMessage.safeParse(m).success).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(HttpProblem);
      }
    }
  });

  test('acknowledges with 200 text/plain "success"', async () => {
    expect(wechat.acknowledge((await parse(fixture('text.xml'))))).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'success' });
  });
});

describe('wechat reply address', () => {
  test('is the openid of the customer\'s WeChat handle', () => {
    expect(wechat.replyAddress!([{ kind: 'channel-user', value: 'telegram:42' }, { kind: 'channel-user', value: `wechat:${OPENID}` }], {})).toBe(OPENID);
  });

  test('is unknown without a WeChat handle', async () => {
    expect(wechat.replyAddress!([{ kind: 'email', value: 'a@example.com' }], {})).toBeUndefined();
  });
});

describe('wechat send', () => {
  const TOKEN_URL = 'https://api.weixin.qq.com/cgi-bin/stable_token';
  const TOKEN_BODY = JSON.stringify({ grant_type: 'client_credential', appid: SECRETS.appId, secret: SECRETS.appSecret, force_refresh: false });
  const SEND_URL = 'https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=FAKE_ACCESS_TOKEN_0123456789';
  const reply = { replyId: 'rpl_9', ticketId: 'tkt_0123456789abcdef', to: OPENID, text: '您好，我们今天会寄出替换件。', subject: 'Damaged order' };
  const answer = (name: string, status = 200): ProviderResponse => ({ status, body: fixture(name) });
  const token = () => answer('token-success.json');

  const send = (transport: Transport, overrides: Partial<typeof reply> = {}) => wechat.send!({ ...reply, ...overrides }, { secrets: SECRETS, settings: { enabled: true }, transport });

  let clock = NOW.getTime();
  beforeEach(() => {
    resetWeChatTokens();
    clock = NOW.getTime();
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
  });
  afterEach(() => jest.restoreAllMocks());

  test('fetches an access token, then posts the documented customer-service text message', async () => {
    const transport = new RecordingTransport(token(), answer('send-ok.json'));
    expect(await send(transport)).toEqual({ ok: true, providerMessageId: 'wechat:rpl_9' });
    expect(transport.requests).toEqual([
      { method: 'POST', url: TOKEN_URL, headers: { 'content-type': 'application/json' }, body: TOKEN_BODY },
      { method: 'POST', url: SEND_URL, headers: { 'Content-Type': 'application/json' }, body: expect.any(String) },
    ]);
    expect(JSON.parse(transport.requests[1]!.body!)).toEqual({ touser: OPENID, msgtype: 'text', text: { content: '您好，我们今天会寄出替换件。' } });
  });

  test('reuses the cached token until shortly before it expires', async () => {
    const transport = new RecordingTransport(token(), answer('send-ok.json'), answer('send-ok.json'), token(), answer('send-ok.json'));
    await send(transport);
    clock += (7200 - 301) * 1000;
    await send(transport);
    expect(transport.requests.filter((r) => r.url === TOKEN_URL)).toHaveLength(1);
    clock += 2 * 1000;
    await send(transport);
    expect(transport.requests.map((r) => (r.url === TOKEN_URL ? 'token' : 'send'))).toEqual(['token', 'send', 'send', 'token', 'send']);
  });

  test('concurrent sends share one token request', async () => {
    const transport = new RecordingTransport(token(), answer('send-ok.json'), answer('send-ok.json'));
    const results = await Promise.all([send(transport), send(transport, { replyId: 'rpl_10' })]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(transport.requests.filter((r) => r.url === TOKEN_URL)).toHaveLength(1);
  });

  test('a rejected token (40001) is dropped and the send retried with a new one', async () => {
    const transport = new RecordingTransport(token(), answer('send-error-40001.json'), { status: 200, body: JSON.stringify({ access_token: 'SECOND_TOKEN', expires_in: 7200 }) }, answer('send-ok.json'));
    expect(await send(transport)).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('WeChat 40001') });
    expect((await send(transport)).ok).toBe(true);
    expect(transport.requests[3]!.url).toContain('access_token=SECOND_TOKEN');
  });

  test.each([
    ['42001 (expired token)', { errcode: 42001, errmsg: 'access_token expired' }],
    ['40014 (invalid token)', { errcode: 40014, errmsg: 'invalid access_token' }],
  ])('%s is retryable with a new token', async (_name, body) => {
    const transport = new RecordingTransport(token(), { status: 200, body: JSON.stringify(body) }, token(), answer('send-ok.json'));
    expect(await send(transport)).toMatchObject({ ok: false, retryable: true });
    await send(transport);
    expect(transport.requests.map((r) => (r.url === TOKEN_URL ? 'token' : 'send'))).toEqual(['token', 'send', 'token', 'send']);
  });

  test.each([
    ['the 48-hour window has passed (45015)', answer('send-error-45015.json'), false, /^WeChat 45015: the customer has not written in the last 48 hours/],
    ['the customer-service quota is used up (45047)', { status: 200, body: JSON.stringify({ errcode: 45047, errmsg: 'out of response count limit' }) }, false, /^WeChat 45047: /],
    ['the customer does not follow (43004)', { status: 200, body: JSON.stringify({ errcode: 43004, errmsg: 'require subscribe' }) }, false, /^WeChat 43004: /],
    ['WeChat is busy (-1)', answer('send-error-system-busy.json'), true, /^WeChat -1: /],
    ['an undocumented errcode', { status: 200, body: JSON.stringify({ errcode: 99999, errmsg: 'something odd' }) }, false, /^WeChat 99999: something odd$/],
    ['an HTTP 502', { status: 502, body: 'Bad Gateway' }, true, /^WeChat HTTP 502$/],
    ['an unreadable 200', { status: 200, body: '<html>' }, true, /could not be read/],
  ])('%s maps to the right result', async (_name, response, retryable, reason) => {
    const transport = new RecordingTransport(token(), response);
    expect(await send(transport)).toEqual({ ok: false, retryable, reason: expect.stringMatching(reason) });
  });

  test.each([
    ['an invalid AppID (40013)', answer('token-error-40013.json'), false, /^WeChat 40013 \(access token\): the AppID is not valid/],
    ['a server IP not on the whitelist (40164)', answer('token-error-40164.json'), false, /IP whitelist/],
    ['WeChat busy (-1)', { status: 200, body: JSON.stringify({ errcode: -1, errmsg: 'system error' }) }, true, /^WeChat -1 \(access token\)/],
    ['an HTTP 503', { status: 503, body: '' }, true, /HTTP 503/],
    ['a network error', new Error('getaddrinfo ENOTFOUND api.weixin.qq.com'), true, /could not be reached/],
  ])('a token request failing with %s fails the send without posting', async (_name, response, retryable, reason) => {
    const transport = new RecordingTransport(response);
    expect(await send(transport)).toEqual({ ok: false, retryable, reason: expect.stringMatching(reason) });
    expect(transport.requests).toHaveLength(1);
  });

  test('a transport failure while posting is retryable', async () => {
    const transport = new RecordingTransport(token(), new TypeError('fetch failed'));
    expect(await send(transport)).toEqual({ ok: false, retryable: true, reason: 'WeChat could not be reached: fetch failed' });
  });

  test('no reason ever contains the AppSecret or the access token', async () => {
    const leaky = new Error(`request to ${TOKEN_URL} with ${TOKEN_BODY} failed`);
    const echo = { status: 200, body: JSON.stringify({ errcode: 99999, errmsg: `bad FAKE_ACCESS_TOKEN_0123456789 ${SECRETS.appSecret} ${'x'.repeat(400)}` }) };
    const first = new RecordingTransport(leaky);
    const second = new RecordingTransport(token(), echo);
    const third = new RecordingTransport(new Error(`POST ${SEND_URL} timed out`));
    const results = [await send(first), await send(second), await send(third)];
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).not.toContain(SECRETS.appSecret);
        expect(result.reason).not.toContain('FAKE_ACCESS_TOKEN_0123456789');
        expect(result.reason.length).toBeLessThanOrEqual(300);
      }
    }
  });

  test.each([
    ['text over 2048 UTF-8 bytes', { text: '好'.repeat(683) }, /2049 bytes; WeChat accepts at most 2048/],
    ['no text', { text: ' ' }, /no text/],
    ['an address that is not an openid', { to: 'someone@example.com' }, /not a WeChat openid/],
  ])('%s fails permanently without calling WeChat', async (_name, overrides, reason) => {
    const transport = new RecordingTransport();
    expect(await send(transport, overrides)).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(reason) });
    expect(transport.requests).toEqual([]);
  });

  test('2048 bytes of Chinese text are within the limit', async () => {
    const transport = new RecordingTransport(token(), answer('send-ok.json'));
    expect((await send(transport, { text: `${'好'.repeat(682)}ab` })).ok).toBe(true);
  });

  test('without an AppID or AppSecret it fails permanently', async () => {
    const transport = new RecordingTransport();
    const result = await wechat.send!(reply, { secrets: { ...SECRETS, appSecret: '' }, settings: {}, transport });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(transport.requests).toEqual([]);
  });
});
