import fc from 'fast-check';
import { inboundMessage, type InboundMessage } from '../../../events/inbound-message';
import type { WebhookRequest } from '../../../shared/channels/channel';
import { channels } from '../../../shared/channels/registry';
import { parseConfig } from '../../../shared/config';
import { HttpProblem } from '../../../shared/http/problem';
import type { MessageQueue } from '../../../shared/queue/sqs-message-queue';
import { receiveWebhook } from '../../../shared/webhooks/receive';
import { contentTypes, localSecret, sampleBodies, signedRequest } from '../../support/channel-requests';

/**
 * Every channel, fed thousands of random and mutated payloads: an unsigned request never queues
 * anything and is refused with a 4xx; a signed one is accepted or refused with a 4xx, never a 5xx,
 * and whatever it queues is a valid canonical message.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const bodyUnsigned = ['wechat', 'telegram'];
const URL_BASE = 'https://abc123.execute-api.us-east-1.amazonaws.com/webhooks';

class RecordingQueue implements MessageQueue {
  readonly queued: InboundMessage[] = [];
  async enqueue(messages: readonly InboundMessage[]) {
    this.queued.push(...messages);
  }
}

const config = parseConfig({});
const deps = (queue: MessageQueue) => ({
  config,
  queue,
  secretsOf: async (channel: string, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, localSecret(channel)])),
  now: () => new Date(),
});

/** The outcome as a status: 2xx from the acknowledgement, 4xx/5xx from a problem; anything else thrown is a bug. */
async function statusOf(channel: string, request: WebhookRequest, queue: MessageQueue): Promise<number> {
  try {
    return (await receiveWebhook(channel, request, deps(queue))).response.statusCode;
  } catch (error) {
    if (error instanceof HttpProblem) return error.problem.status;
    throw error;
  }
}

/** Byte-level mutations of a valid payload: cut, splice in noise, duplicate a slice. */
const mutatedText = (base: string) =>
  fc.oneof(
    fc.tuple(fc.nat(base.length), fc.nat(base.length)).map(([a, b]) => base.slice(0, Math.min(a, b)) + base.slice(Math.max(a, b))),
    fc.tuple(fc.nat(base.length), fc.string({ unit: 'binary', maxLength: 40 })).map(([at, noise]) => base.slice(0, at) + noise + base.slice(at)),
    fc.tuple(fc.nat(base.length), fc.nat(200)).map(([at, n]) => base.slice(0, at) + base.slice(at, at + n).repeat(3) + base.slice(at)),
  );

/** A JSON payload with one value somewhere replaced by anything JSON can hold. */
function mutatedJson(base: string) {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
  };
  walk(JSON.parse(base), []);
  return fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue()).map(([path, replacement]) => {
    const copy = JSON.parse(base);
    let node = copy;
    for (const key of path.slice(0, -1)) node = node[key];
    node[path[path.length - 1]!] = replacement;
    return JSON.stringify(copy);
  });
}

/** A form payload with some parameter's value replaced, or a parameter added. */
const mutatedForm = (base: string) =>
  fc.tuple(fc.constantFrom(...[...new URLSearchParams(base).keys()], 'NumMedia', 'MediaUrl0', 'From', 'Extra'), fc.string({ unit: 'binary', maxLength: 300 })).map(([key, value]) => {
    const params = new URLSearchParams(base);
    params.set(key, value);
    return params.toString();
  });

function payloads(channel: string) {
  const base = sampleBodies[channel]!;
  const structured = contentTypes[channel] === 'application/json' ? [mutatedJson(base)] : channel === 'sms' ? [mutatedForm(base)] : [];
  return fc.oneof(fc.constant(base), mutatedText(base), fc.string({ unit: 'binary', maxLength: 2000 }), ...structured);
}

describe.each(Object.keys(channels))('%s webhook under fuzzing', (channel) => {
  const url = `${URL_BASE}/${channel}`;

  test('an unsigned or wrongly signed request is a 4xx and queues nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        payloads(channel),
        fc.constantFrom('none', 'other-secret', 'other-body'),
        async (body, how) => {
          const queue = new RecordingQueue();
          const request =
            how === 'none'
              ? { method: 'POST', url, query: {}, rawBody: Buffer.from(body), headers: { 'content-type': contentTypes[channel] } }
              : how === 'other-secret'
                ? signedRequest(channel, body, url, 'not-the-secret')
                : { ...signedRequest(channel, `${body} `, url), rawBody: Buffer.from(body) };
          const status = await statusOf(channel, request, queue);
          // WeChat signs the query string and Telegram sends a shared token: neither covers the body, so another body under a valid signature is genuine to them.
          if (how === 'other-body' && bodyUnsigned.includes(channel)) return status < 500;
          return status >= 400 && status < 500 && queue.queued.length === 0;
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('a signed request, however mangled its payload, is never a 5xx, and queues only valid messages', async () => {
    await fc.assert(
      fc.asyncProperty(payloads(channel), async (body) => {
        const queue = new RecordingQueue();
        const status = await statusOf(channel, signedRequest(channel, body, url), queue);
        return status < 500 && (status >= 300 || queue.queued.every((m) => inboundMessage.safeParse(m).success)) && (status < 300 || queue.queued.length === 0);
      }),
      { numRuns: RUNS },
    );
  });

  test('the documented payload, signed, is accepted', async () => {
    const queue = new RecordingQueue();
    expect(await statusOf(channel, signedRequest(channel, sampleBodies[channel]!, url), queue)).toBeLessThan(300);
    expect(queue.queued.length).toBe(1);
  });
});
