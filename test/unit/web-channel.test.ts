import type { ParsedWebhook, WebhookRequest } from '../../shared/channels/channel';
import { signWebRequest } from '../../shared/channels/signatures';
import { web } from '../../shared/channels/web';
import { problemOf } from '../support/problems';

const SECRET = 'local-web-secret';
const NOW = new Date('2026-11-23T09:00:00.000Z');
const context = { secrets: { signingSecret: SECRET }, settings: {}, now: NOW, maxClockSkewSeconds: 300, defaultPhoneRegion: 'US', receivedAt: NOW.toISOString() };
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function request(body: unknown, headers: Record<string, string> = {}, timestamp = nowSeconds): WebhookRequest {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return { method: 'POST', query: {}, url: 'https://example.com/webhooks/web', rawBody: Buffer.from(raw), headers: { 'content-type': 'application/json', ...signWebRequest(SECRET, raw, timestamp), ...headers } };
}

/** The web channel parses synchronously. */
const parseWeb = (req: WebhookRequest) => (web.parse(req, context) as ParsedWebhook).messages;

const valid = { messageId: 'm1', customer: { email: 'Ana@Example.com', phone: '(415) 555-0123', id: 'c-9', name: 'Ana' }, text: 'Hi' };

describe('web channel signature', () => {
  test('a correctly signed, fresh request verifies', () => {
    expect(() => web.verify(request(valid), context)).not.toThrow();
  });

  test.each([
    ['no signature headers', { 'x-switchboard-signature': '', 'x-switchboard-timestamp': '' }],
    ['a signature made with another secret', signWebRequest('other-secret', JSON.stringify(valid), nowSeconds)],
    ['a signature of another body', signWebRequest(SECRET, '{"messageId":"m2"}', nowSeconds)],
    ['a malformed timestamp', { 'x-switchboard-timestamp': 'yesterday' }],
  ])('%s is 401', (_name, headers) => {
    expect(problemOf(() => web.verify(request(valid, headers as Record<string, string>), context)).status).toBe(401);
  });

  test('a timestamp older than five minutes is 401, even correctly signed', () => {
    expect(problemOf(() => web.verify(request(valid, {}, nowSeconds - 301), context))).toMatchObject({ status: 401, detail: expect.stringContaining('300 seconds') });
    expect(() => web.verify(request(valid, {}, nowSeconds - 299), context)).not.toThrow();
  });

  test('a timestamp from the future beyond the skew is 401', () => {
    expect(problemOf(() => web.verify(request(valid, {}, nowSeconds + 301), context)).status).toBe(401);
  });
});

describe('web channel payload', () => {
  test('normalizes handles: E.164 phone, lower-cased email, namespaced user id', () => {
    const [message] = parseWeb(request(valid));
    expect(message.customer).toEqual({
      handles: [
        { kind: 'phone', value: '+14155550123' },
        { kind: 'email', value: 'ana@example.com' },
        { kind: 'channel-user', value: 'web:c-9' },
      ],
      displayName: 'Ana',
    });
    expect(message).toMatchObject({ channel: 'web', providerMessageId: 'm1', text: 'Hi', sentAt: NOW.toISOString(), receivedAt: NOW.toISOString(), rawRef: 'web:m1' });
  });

  test('keeps the sender\'s sentAt, normalized to UTC', () => {
    const [message] = parseWeb(request({ ...valid, sentAt: '2026-11-23T17:00:00+08:00' }));
    expect(message.sentAt).toBe('2026-11-23T09:00:00.000Z');
  });

  test.each([
    ['not JSON', '{oops', undefined],
    ['no messageId', { customer: { email: 'a@b.co' }, text: 'x' }, 'messageId'],
    ['no customer handle', { messageId: 'm', customer: { name: 'Ana' }, text: 'x' }, 'customer'],
    ['an invalid email', { messageId: 'm', customer: { email: 'not-an-email' }, text: 'x' }, 'customer.email'],
    ['an invalid phone', { messageId: 'm', customer: { phone: '12' }, text: 'x' }, 'customer.phone'],
    ['an unknown field', { ...valid, priority: 'high' }, '(body)'],
    ['neither text nor attachment', { messageId: 'm', customer: { id: '1' }, text: '  ' }, 'text'],
    ['an attachment without a URL', { ...valid, attachments: [{ name: 'x.png' }] }, 'attachments.0.url'],
  ])('%s is 400 naming the field', (_name, body, field) => {
    const problem = problemOf(() => parseWeb(request(body)));
    expect(problem.status).toBe(400);
    if (field) expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  test('an invalid phone with no country code names the assumed region', () => {
    const problem = problemOf(() => parseWeb(request({ messageId: 'm', customer: { phone: '555' }, text: 'x' })));
    expect(problem.errors?.[0].message).toContain('US');
  });

  test('acknowledges with 202 and the accepted ids', () => {
    const messages = parseWeb(request(valid));
    expect(web.acknowledge({ messages, ignored: [] })).toMatchObject({ statusCode: 202, body: JSON.stringify({ accepted: ['m1'] }) });
  });
});
