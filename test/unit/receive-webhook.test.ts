import type { InboundMessage } from '../../events/inbound-message';
import { signWebRequest } from '../../shared/channels/web';
import { parseConfig } from '../../shared/config';
import { HttpProblem } from '../../shared/http/problem';
import type { MessageQueue } from '../../shared/queue/sqs-message-queue';
import { receiveWebhook } from '../../shared/webhooks/receive';

class RecordingQueue implements MessageQueue {
  readonly queued: InboundMessage[] = [];
  constructor(private readonly failing = false) {}
  async enqueue(messages: readonly InboundMessage[]) {
    if (this.failing) throw new Error('queue down');
    this.queued.push(...messages);
  }
}

const NOW = new Date('2026-11-23T09:00:00.000Z');
const ts = Math.floor(NOW.getTime() / 1000);
const body = JSON.stringify({ messageId: 'm1', customer: { email: 'a@b.co' }, text: 'hi' });

function deps(queue: MessageQueue, overrides: Record<string, unknown> = {}) {
  return { config: parseConfig(overrides), queue, secretOf: async (c: string) => `local-${c}-secret`, now: () => NOW };
}

const request = (raw: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  query: {},
  rawBody: Buffer.from(raw),
  headers: { 'content-type': 'application/json; charset=utf-8', ...signWebRequest('local-web-secret', raw, ts), ...headers },
});

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpProblem) return error.problem;
    throw error;
  }
  throw new Error('expected a rejection');
}

test('a valid message is queued before it is acknowledged', async () => {
  const queue = new RecordingQueue();
  const received = await receiveWebhook('web', request(body), deps(queue));
  expect(received).toMatchObject({ channel: 'web', accepted: 1, response: { statusCode: 202 } });
  expect(queue.queued.map((m) => m.providerMessageId)).toEqual(['m1']);
  expect(queue.queued[0].receivedAt).toBe(NOW.toISOString());
});

test.each([
  ['unknown channel', 'sms', request(body), {}, 404],
  ['disabled channel', 'web', request(body), { channels: { web: { enabled: false } } }, 404],
  ['too large', 'web', request(JSON.stringify({ messageId: 'm', customer: { id: '1' }, text: 'x'.repeat(2000) })), { webhook: { maxBodyBytes: 1024 } }, 413],
  ['wrong content type', 'web', request(body, { 'content-type': 'text/plain' }), {}, 415],
  ['bad signature', 'web', request(body, { 'x-switchboard-signature': 'sha256=00' }), {}, 401],
  ['malformed body', 'web', request('{"messageId":'), {}, 400],
  ['GET on a channel without a handshake', 'web', { ...request(body), method: 'GET' }, {}, 405],
])('%s → %d, nothing queued', async (_name, channel, req, config, status) => {
  const queue = new RecordingQueue();
  const problem = await rejection(receiveWebhook(channel, req, deps(queue, config)));
  expect(problem.status).toBe(status);
  expect(queue.queued).toEqual([]);
});

test('a queue that cannot take the message is a 503 the provider retries, never an acknowledgement', async () => {
  const problem = await rejection(receiveWebhook('web', request(body), deps(new RecordingQueue(true))));
  expect(problem).toMatchObject({ status: 503 });
});

test('a size check comes before the signature check, so an unsigned huge body is 413 without hashing it', async () => {
  const raw = 'x'.repeat(300_000);
  const problem = await rejection(receiveWebhook('web', { method: 'POST', query: {}, rawBody: Buffer.from(raw), headers: { 'content-type': 'application/json' } }, deps(new RecordingQueue())));
  expect(problem.status).toBe(413);
});
