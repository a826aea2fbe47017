import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { inboundMessage } from '../../events/inbound-message';
import type { ChannelContext } from '../../shared/channels/channel';
import { channels } from '../../shared/channels/registry';
import { parseConfig } from '../../shared/config';
import { HttpProblem } from '../../shared/http/problem';
import { SqsMessageQueue } from '../../shared/queue/sqs-message-queue';
import { type ReceiveDeps, receiveWebhook } from '../../shared/webhooks/receive';
import { localSecret, sampleBodies, signedRequest } from '../support/channel-requests';
import { elapsedMs, fmt, markdownTable, median, met } from './stats';

/**
 * Part 4: the time to handle one provider webhook on each channel, `receiveWebhook` (verify, parse,
 * queue-contract check, enqueue through SqsMessageQueue) against fauxqs in this process, as a ratio
 * to a handler that only enqueues the raw body (one SendMessageBatch of one message, same client,
 * same queue). Channel and baseline calls are interleaved round by round, in a rotating order, so
 * machine noise falls on both alike. Requests are signed fresh for every call (outside the timing),
 * and every call is checked: a 2xx answer and exactly one message on the queue, which is drained
 * before the next call, so every call sends to an empty queue. A second pass, interleaved the same
 * way, runs receiveWebhook's steps one at a time to show where each channel's time goes.
 */

const URL_BASE = 'https://abc123.execute-api.us-east-1.amazonaws.com/webhooks';
const BASELINE = 'baseline';

export interface Timing {
  readonly samples: number;
  readonly medianMs: number;
  readonly p95Ms: number;
}

/** Medians of receiveWebhook's steps, taken one by one in the second pass, ms. */
export interface ChannelSteps {
  readonly verifyMs: number;
  readonly parseMs: number;
  readonly contractMs: number;
  /** SqsMessageQueue.enqueue of the parsed message (JSON, channel attribute, SendMessageBatch). */
  readonly enqueueMs: number;
}

export interface ChannelWebhook {
  readonly name: string;
  readonly bodyBytes: number;
  /** Bytes of the normalized message queued (the SQS message body). */
  readonly queuedBytes: number;
  readonly timing: Timing;
  /** Channel median ÷ baseline median. */
  readonly ratio: number;
  readonly steps: ChannelSteps;
}

export interface ChannelWebhookResult {
  readonly runs: number;
  readonly warmUp: number;
  readonly baseline: Timing;
  readonly channels: ChannelWebhook[];
  /** The baseline's median in the second pass, next to the steps, ms. */
  readonly stepsBaselineMs: number;
  /** Calls checked (2xx and one message on the queue), warm-ups and both passes included. */
  readonly checked: number;
}

/** Nearest-rank percentile. */
const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
};

const timing = (values: readonly number[]): Timing => ({ samples: values.length, medianMs: median(values), p95Ms: percentile(values, 95) });

type Samples = Record<string, Record<string, number[]>>;

/**
 * Calls every entrant once a round, in an order rotated by one each round (no entrant always runs
 * first, or always right after the same one), and keeps what the calls measured after the warm-up.
 */
async function interleaved(entrants: readonly string[], warmUp: number, runs: number, call: (entrant: string) => Promise<Record<string, number>>): Promise<Samples> {
  const samples: Samples = Object.fromEntries(entrants.map((e) => [e, {}]));
  for (let round = 0; round < warmUp + runs; round++) {
    for (let k = 0; k < entrants.length; k++) {
      const entrant = entrants[(round + k) % entrants.length];
      const measured = await call(entrant);
      if (round < warmUp) continue;
      for (const [key, ms] of Object.entries(measured)) (samples[entrant][key] ??= []).push(ms);
    }
  }
  return samples;
}

export async function measureChannelWebhooks(runs = 300, warmUp = 30): Promise<ChannelWebhookResult> {
  // fauxqs ships ES modules only.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, logger: false });
  const client = new SQSClient({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  try {
    const queueUrl = (await client.send(new CreateQueueCommand({ QueueName: 'bench-channel-webhooks' }))).QueueUrl!;
    const deps: ReceiveDeps = {
      config: parseConfig({}),
      queue: new SqsMessageQueue(client, queueUrl),
      secretsOf: async (channel, fields) => Object.fromEntries(fields.map((f) => [f, localSecret(channel)])),
      now: () => new Date(),
    };
    const names = Object.keys(channels);
    const missing = names.filter((name) => sampleBodies[name] === undefined);
    if (missing.length > 0) throw new Error(`no sample body for channel(s) ${missing.join(', ')} in test/support/channel-requests.ts`);
    // Signed with the current time for every call (WeChat and web-signed channels check it); not timed.
    const request = (name: string) => signedRequest(name, sampleBodies[name]!, `${URL_BASE}/${name}`, localSecret(name), new Date());

    let checked = 0;
    const queuedBytes: Record<string, number> = {};
    /** Takes what the last call queued off the queue: exactly one message, from `expected`, or the benchmark stops. */
    const drainOne = async (expected: string): Promise<Message> => {
      const out = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
      const messages = out.Messages ?? [];
      if (messages.length > 0) {
        await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      }
      if (messages.length !== 1) throw new Error(`${expected}: expected one message on the queue after the call, found ${messages.length}`);
      const channel = messages[0].MessageAttributes?.channel?.StringValue;
      if (expected !== BASELINE && channel !== expected) throw new Error(`${expected}: the queued message is from channel ${channel ?? '(none)'}`);
      checked++;
      return messages[0];
    };
    const refused = (name: string, error: unknown) => {
      const detail = error instanceof HttpProblem ? `${error.problem.status} ${error.problem.title}: ${error.problem.detail ?? ''}` : String(error);
      return new Error(`${name}: the webhook refused the benchmark request (${detail}); its figures would measure a rejection`);
    };

    // The baseline handler: the raw body as it arrived, one message in one SendMessageBatch. It takes
    // the channels' sample bodies in turn, so it sends the same mix of sizes.
    let baselineCalls = 0;
    const baseline = async (): Promise<Record<string, number>> => {
      const raw = request(names[baselineCalls++ % names.length]).rawBody;
      const start = process.hrtime.bigint();
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: raw.toString('utf8') }] }));
      const ms = elapsedMs(start);
      if (out.Failed?.length || out.Successful?.length !== 1) throw new Error(`baseline: the queue refused the message (${out.Failed?.map((f) => f.Code).join(', ')})`);
      await drainOne(BASELINE);
      return { total: ms };
    };

    // Pass 1, the figures: receiveWebhook whole.
    const webhook = async (name: string): Promise<Record<string, number>> => {
      const req = request(name);
      const start = process.hrtime.bigint();
      const received = await receiveWebhook(name, req, deps).catch((error: unknown) => {
        throw refused(name, error);
      });
      const ms = elapsedMs(start);
      const status = received.response.statusCode;
      if (status >= 300 || received.accepted !== 1) throw new Error(`${name}: answered ${status} with ${received.accepted} message(s) accepted; expected a 2xx and one message`);
      queuedBytes[name] = Buffer.byteLength((await drainOne(name)).Body ?? '');
      return { total: ms };
    };
    const entrants = [BASELINE, ...names];
    const whole = await interleaved(entrants, warmUp, runs, (e) => (e === BASELINE ? baseline() : webhook(e)));

    // Pass 2, where the time goes: the same steps as receiveWebhook, one at a time, same interleaving.
    const steps = async (name: string): Promise<Record<string, number>> => {
      const channel = channels[name];
      const req = request(name);
      const now = deps.now();
      const context: ChannelContext = {
        secrets: await deps.secretsOf(name, channel.secretFields),
        now,
        maxClockSkewSeconds: deps.config.webhook.maxClockSkewSeconds,
        defaultPhoneRegion: deps.config.defaultPhoneRegion,
        settings: (deps.config.channels as Record<string, Record<string, unknown>>)[name],
      };
      try {
        let start = process.hrtime.bigint();
        channel.verify(req, context);
        const verify = elapsedMs(start);
        start = process.hrtime.bigint();
        const parsed = await channel.parse(req, { ...context, receivedAt: now.toISOString() });
        const parse = elapsedMs(start);
        start = process.hrtime.bigint();
        const messages = parsed.messages.map((m) => {
          const result = inboundMessage.safeParse(m);
          if (!result.success) throw new Error(`${name}: the parsed message fails the queue contract`);
          return result.data;
        });
        const contract = elapsedMs(start);
        if (messages.length !== 1) throw new Error(`${name}: parsed ${messages.length} messages; expected one`);
        start = process.hrtime.bigint();
        await deps.queue.enqueue(messages);
        const enqueue = elapsedMs(start);
        await drainOne(name);
        return { verify, parse, contract, enqueue };
      } catch (error) {
        throw error instanceof HttpProblem ? refused(name, error) : error;
      }
    };
    const byStep = await interleaved(entrants, warmUp, runs, (e) => (e === BASELINE ? baseline() : steps(e)));

    const base = timing(whole[BASELINE].total);
    return {
      runs,
      warmUp,
      baseline: base,
      stepsBaselineMs: median(byStep[BASELINE].total),
      checked,
      channels: names.map((name) => {
        const t = timing(whole[name].total);
        const s = byStep[name];
        return {
          name,
          bodyBytes: Buffer.byteLength(sampleBodies[name]!),
          queuedBytes: queuedBytes[name] ?? 0,
          timing: t,
          ratio: t.medianMs / base.medianMs,
          steps: { verifyMs: median(s.verify), parseMs: median(s.parse), contractMs: median(s.contract), enqueueMs: median(s.enqueue) },
        };
      }),
    };
  } finally {
    client.destroy();
    await server.stop();
  }
}

export function printChannelWebhooks(r: ChannelWebhookResult, target: number): void {
  console.log('\n## 4. Channel webhooks: receiveWebhook per channel vs an enqueue-only handler (same fauxqs queue and SQS client, same run, interleaved)\n');
  console.log('(fauxqs, the SQS client and the handlers share this one Node process; requests are signed fresh for every call, outside the timing)');
  console.log(
    `${r.runs} timed calls per channel and for the baseline, after ${r.warmUp} warm-up rounds, one call of each per round in an order rotated every round; ` +
      `${r.checked} calls checked (2xx answer, exactly one message on the queue, drained after every call)`,
  );
  console.log(`baseline: the raw body (the channels' sample bodies in turn) as one message in one SendMessageBatch: median ${fmt(r.baseline.medianMs, 3)} ms, p95 ${fmt(r.baseline.p95Ms, 3)} ms\n`);
  const rows = r.channels.map((c) => [c.name, `${c.bodyBytes} B → ${c.queuedBytes} B`, fmt(c.timing.medianMs, 3), fmt(c.timing.p95Ms, 3), fmt(c.ratio, 3), met(c.ratio <= target)]);
  rows.push(['(baseline: enqueue raw body)', '—', fmt(r.baseline.medianMs, 3), fmt(r.baseline.p95Ms, 3), '1.000', '—']);
  console.log(markdownTable(['Channel', 'Body → queued message', 'Median ms', 'p95 ms', `Ratio of medians (target ≤ ${target})`, 'Status'], rows));

  console.log(
    `\nwhere the time goes: a second pass, same interleaving, running receiveWebhook's steps one at a time (medians, ms; the baseline's median in this pass: ${fmt(r.stepsBaselineMs, 3)} ms).` +
      ` At ≤ ${target}, a channel has ${fmt((target - 1) * r.baseline.medianMs, 3)} ms over the baseline for everything but the send itself.\n`,
  );
  console.log(
    markdownTable(
      ['Channel', 'verify', 'parse', 'queue-contract check', 'enqueue (SqsMessageQueue)', 'enqueue − baseline send', 'verify + parse + check'],
      r.channels.map((c) => {
        const s = c.steps;
        return [c.name, fmt(s.verifyMs, 3), fmt(s.parseMs, 3), fmt(s.contractMs, 3), fmt(s.enqueueMs, 3), fmt(s.enqueueMs - r.stepsBaselineMs, 3), fmt(s.verifyMs + s.parseMs + s.contractMs, 3)];
      }),
    ),
  );
}
