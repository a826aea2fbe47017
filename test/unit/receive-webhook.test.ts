import type { InboundMessage } from '../../events/inbound-message';
import { signWebRequest } from '../../shared/channels/signatures';
import { parseConfig } from '../../shared/config';
import { type MessageQueue, MessageTooLarge, SqsMessageQueue } from '../../shared/queue/sqs-message-queue';
import { receiveWebhook } from '../../shared/webhooks/receive';
import { problemOfAsync } from '../support/problems';

class RecordingQueue implements MessageQueue {
  readonly queued: InboundMessage[] = [];
  constructor(private readonly failure?: Error) {}
  async enqueue(messages: readonly InboundMessage[]) {
    if (this.failure) throw this.failure;
    this.queued.push(...messages);
  }
}

const NOW = new Date('2026-11-23T09:00:00.000Z');
const ts = Math.floor(NOW.getTime() / 1000);
const body = JSON.stringify({ messageId: 'm1', customer: { email: 'a@b.co' }, text: 'hi' });

function deps(queue: MessageQueue, overrides: Record<string, unknown> = {}) {
  return { config: parseConfig(overrides), queue, secretsOf: async (c: string, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, `local-${c}-secret`])), now: () => NOW };
}

const request = (raw: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  query: {},
  url: 'https://example.com/webhooks/web',
  rawBody: Buffer.from(raw),
  headers: { 'content-type': 'application/json; charset=utf-8', ...signWebRequest('local-web-secret', raw, ts), ...headers },
});

const signed = (payload: unknown) => request(JSON.stringify(payload));

test('a valid message is queued before it is acknowledged', async () => {
  const queue = new RecordingQueue();
  const received = await receiveWebhook('web', request(body), deps(queue));
  expect(received).toMatchObject({ channel: 'web', accepted: 1, response: { statusCode: 202 } });
  expect(queue.queued.map((m) => m.providerMessageId)).toEqual(['m1']);
  expect(queue.queued[0].receivedAt).toBe(NOW.toISOString());
});

test.each([
  ['unknown channel', 'fax', request(body), {}, 404],
  ['disabled channel', 'web', request(body), { channels: { web: { enabled: false } } }, 404],
  ['too large', 'web', request(JSON.stringify({ messageId: 'm', customer: { id: '1' }, text: 'x'.repeat(2000) })), { webhook: { maxBodyBytes: 1024 } }, 413],
  ['wrong content type', 'web', request(body, { 'content-type': 'text/plain' }), {}, 415],
  ['bad signature', 'web', request(body, { 'x-switchboard-signature': 'sha256=00' }), {}, 401],
  ['malformed body', 'web', request('{"messageId":'), {}, 400],
  ['GET on a channel without a handshake', 'web', { ...request(body), method: 'GET' }, {}, 405],
  // Valid for the web format, but out of the queue contract's range once normalized: ingest would dead-letter it.
  ['a sentAt beyond year 9999 in UTC', 'web', signed({ messageId: 'm', customer: { id: '1' }, text: 'x', sentAt: '9999-12-31T23:59:59-23:59' }), {}, 400],
  ['an attachment that is not https', 'web', signed({ messageId: 'm', customer: { id: '1' }, attachments: [{ url: 'javascript:alert(1)' }] }), {}, 400],
])('%s → %d, nothing queued', async (_name, channel, req, config, status) => {
  const queue = new RecordingQueue();
  const problem = await problemOfAsync(() => receiveWebhook(channel, req, deps(queue, config)));
  expect(problem.status).toBe(status);
  expect(queue.queued).toEqual([]);
});

test('a queue that cannot take the message is a 503 the provider retries, never an acknowledgement', async () => {
  const problem = await problemOfAsync(() => receiveWebhook('web', request(body), deps(new RecordingQueue(new Error('queue down')))));
  expect(problem).toMatchObject({ status: 503 });
});

test('a size check comes before the signature check, so an unsigned huge body is 413 without hashing it', async () => {
  const raw = 'x'.repeat(300_000);
  const problem = await problemOfAsync(() => receiveWebhook('web', { method: 'POST', query: {}, url: 'https://example.com/webhooks/web', rawBody: Buffer.from(raw), headers: { 'content-type': 'application/json' } }, deps(new RecordingQueue())));
  expect(problem.status).toBe(413);
});

test('a secret store that cannot answer is a 503 the provider retries', async () => {
  const failingSecrets = { ...deps(new RecordingQueue()), secretsOf: async () => Promise.reject(new Error('ThrottlingException')) };
  const problem = await problemOfAsync(() => receiveWebhook('web', request(body), failingSecrets));
  expect(problem).toMatchObject({ status: 503 });
});

test('a message too large for the queue once normalized is a 413, not a 503 the provider would retry forever', async () => {
  const problem = await problemOfAsync(() => receiveWebhook('web', request(body), deps(new RecordingQueue(new MessageTooLarge('too large')))));
  expect(problem).toMatchObject({ status: 413 });
});

describe('the SQS queue adapter', () => {
  const message = (text: string, n = 0): InboundMessage => ({
    schemaVersion: 1,
    channel: 'web',
    providerMessageId: `m${n}`,
    customer: { handles: [{ kind: 'email', value: 'a@b.co' }] },
    text,
    attachments: [],
    sentAt: NOW.toISOString(),
    receivedAt: NOW.toISOString(),
  });
  const fakeSqs = () => {
    const batches: { Entries: { MessageBody: string }[] }[] = [];
    const client = { send: async (command: { input: { Entries: { MessageBody: string }[] } }) => (batches.push(command.input), { Failed: [] }) };
    return { batches, client: client as unknown as ConstructorParameters<typeof SqsMessageQueue>[0] };
  };

  test('refuses, before sending anything, a set of messages of which one is over 256 KiB', async () => {
    const sqs = fakeSqs();
    const queue = new SqsMessageQueue(sqs.client, 'https://queue');
    await expect(queue.enqueue([message('ok'), message('\u0001'.repeat(60_000), 1)])).rejects.toBeInstanceOf(MessageTooLarge);
    expect(sqs.batches).toEqual([]);
  });

  test('splits batches at 10 entries and at 256 KiB', async () => {
    const sqs = fakeSqs();
    const queue = new SqsMessageQueue(sqs.client, 'https://queue');
    await queue.enqueue([...Array.from({ length: 12 }, (_, i) => message('hi', i)), ...Array.from({ length: 3 }, (_, i) => message('x'.repeat(100_000), 20 + i))]);
    const sizes = sqs.batches.map((b) => b.Entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody), 0));
    expect(sqs.batches.map((b) => b.Entries.length)).toEqual([10, 4, 1]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(262_144);
    expect(sqs.batches.flatMap((b) => b.Entries.map((e) => JSON.parse(e.MessageBody).providerMessageId))).toHaveLength(15);
  });
});
