import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { InboundMessage } from '../../events/inbound-message';
import { localClient } from '../../infra/local/dynamodb';
import type { BusEvent } from '../../infra/local/event-bus';
import type { LocalSwitchboard } from '../../infra/local/runtime';
import { signWebRequest } from '../../shared/channels/signatures';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { documentClient } from '../../shared/store/dynamodb-client';
import { inbound } from '../support/messages';
import { meteredIngest } from './dynamodb-meter';
import { elapsedMs, fmt, pool } from './stats';

/**
 * Part 2: messages per second through the whole local stack (HTTP → webhook function → SQS
 * (fauxqs) → ingest function → DynamoDB (dynalite) → bus), as a ratio to raw PutItem/s against the
 * same dynalite in the same run, at the same concurrency. Also ingestMessage alone against that
 * dynalite (no HTTP, no queue, no bus), to show where the time goes.
 */

const WEB_SECRET = 'local-web-secret';

export interface ThroughputOptions {
  /** Messages in the measured run. */
  readonly messages: number;
  /** Share of them that are follow-ups from customers who already wrote (merges). */
  readonly followUpShare: number;
  /** In-flight ingest handlers: local mode's pollers × the queue batch size. */
  readonly concurrency: number;
  readonly pollers: number;
  readonly batchSize: number;
  /** PutItem calls per raw measurement. */
  readonly rawPuts: number;
}

export interface ThroughputResult {
  readonly options: ThroughputOptions;
  readonly rawItemBytes: number;
  readonly rawPutsPerSecond: [number, number];
  readonly rawMean: number;
  readonly planned: { created: number; merged: number };
  readonly stack: {
    readonly seconds: number;
    readonly acceptedSeconds: number;
    readonly messagesPerSecond: number;
    readonly placements: Record<string, number>;
    readonly rejected: number;
    readonly stored: number;
    readonly completed: number;
  };
  readonly direct: {
    readonly seconds: number;
    readonly messagesPerSecond: number;
    readonly placements: Record<string, number>;
    readonly requestsPerMessage: number;
  };
  readonly ratio: number;
  readonly directRatio: number;
}

let runSeq = 0;

/** About 1 KB as DynamoDB sizes items (attribute names + values). */
function rawItem(run: number, i: number) {
  const pk = `BENCH#raw-${run}-${i}`;
  const base = { pk, sk: 'BENCH', at: new Date().toISOString() };
  const used = Object.entries(base).reduce((s, [k, v]) => s + k.length + v.length, 0) + 'payload'.length;
  return { ...base, payload: 'x'.repeat(1024 - used) };
}

async function rawPutItemRate(local: LocalSwitchboard, count: number, concurrency: number): Promise<number> {
  const client = localClient(local.dynamoEndpoint);
  const doc = documentClient(client);
  const run = ++runSeq;
  const put = async (_: unknown, i: number) => {
    await doc.send(new PutCommand({ TableName: local.tableName, Item: rawItem(run, i) }));
  };
  try {
    await pool(Array.from({ length: 100 }), concurrency, (x, i) => put(x, count + i)); // warm-up, not timed
    const start = process.hrtime.bigint();
    await pool(Array.from({ length: count }), concurrency, put);
    return count / (elapsedMs(start) / 1000);
  } finally {
    client.destroy();
  }
}

interface Planned {
  readonly providerMessageId: string;
  readonly email: string;
  readonly name: string;
  readonly text: string;
}

/** `count` messages: first contacts from distinct customers, then follow-ups from the first of them. */
function plan(prefix: string, count: number, followUpShare: number): { messages: Planned[]; created: number; merged: number } {
  const merged = Math.round(count * followUpShare);
  const created = count - merged;
  const messages: Planned[] = [];
  for (let i = 0; i < created; i++) {
    messages.push({ providerMessageId: `${prefix}-first-${i}`, email: `${prefix}-c${i}@bench.example`, name: `Customer ${i}`, text: `Order ${10_000 + i} arrived damaged, the box was open` });
  }
  for (let i = 0; i < merged; i++) {
    const c = i % created;
    messages.push({ providerMessageId: `${prefix}-follow-${i}`, email: `${prefix}-c${c}@bench.example`, name: `Customer ${c}`, text: 'Adding a photo of the damage; can you send a replacement?' });
  }
  return { messages, created, merged };
}

async function postWeb(url: string, m: Planned): Promise<number> {
  const raw = JSON.stringify({ messageId: m.providerMessageId, customer: { email: m.email, name: m.name }, text: m.text });
  const res = await fetch(`${url}/webhooks/web`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebRequest(WEB_SECRET, raw) }, body: raw });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Watches the local bus for MessageReceived events (published after the message is stored). The
 * bus keeps only the newest 1000 events per rule, so this counts them as they are delivered by
 * wrapping that rule's list, rather than reading it afterwards.
 */
function watchReceived(local: LocalSwitchboard) {
  const list = local.bus.delivered.get('EventLog')!;
  const waiting = new Map<string, () => void>();
  const placements: Record<string, number> = {};
  const originalPush = list.push;
  list.push = function push(this: BusEvent[], ...events: BusEvent[]) {
    for (const event of events) {
      if (event['detail-type'] !== 'MessageReceived') continue;
      const done = waiting.get(event.detail.messageId as string);
      if (!done) continue;
      waiting.delete(event.detail.messageId as string);
      const placement = String(event.detail.placement);
      placements[placement] = (placements[placement] ?? 0) + 1;
      done();
    }
    return originalPush.apply(this, events);
  };
  return {
    placements,
    expect(providerMessageIds: readonly string[]): Promise<void>[] {
      return providerMessageIds.map((id) => new Promise<void>((resolve) => waiting.set(`web:${id}`, resolve)));
    },
    pending: () => waiting.size,
    stop() {
      list.push = originalPush;
    },
  };
}

async function countStored(local: LocalSwitchboard, providerMessageIds: readonly string[]): Promise<number> {
  const client = localClient(local.dynamoEndpoint);
  const doc = documentClient(client);
  let stored = 0;
  try {
    for (let i = 0; i < providerMessageIds.length; i += 100) {
      let keys: Record<string, unknown>[] = providerMessageIds.slice(i, i + 100).map((id) => ({ pk: `MESSAGE#web:${id}`, sk: 'MESSAGE' }));
      while (keys.length > 0) {
        const out = await doc.send(new BatchGetCommand({ RequestItems: { [local.tableName]: { Keys: keys, ProjectionExpression: 'pk' } } }));
        stored += out.Responses?.[local.tableName]?.length ?? 0;
        keys = (out.UnprocessedKeys?.[local.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
  } finally {
    client.destroy();
  }
  return stored;
}

async function throughStack(local: LocalSwitchboard, options: ThroughputOptions) {
  const watcher = watchReceived(local);
  try {
    // Warm-up: handlers loaded, SDK clients connected, JIT warm. Not timed.
    const warm = plan('warm', 40, 0.25).messages;
    const warmDone = Promise.all(watcher.expect(warm.map((m) => m.providerMessageId)));
    await pool(warm, options.concurrency, async (m) => void (await postWeb(local.url, m)));
    await withTimeout(warmDone, 60_000, 'warm-up messages');
    for (const key of Object.keys(watcher.placements)) delete watcher.placements[key];

    const { messages } = plan(`run${Date.now().toString(36)}`, options.messages, options.followUpShare);
    const ids = messages.map((m) => m.providerMessageId);
    const all = Promise.all(watcher.expect(ids));
    let rejected = 0;
    const start = process.hrtime.bigint();
    await pool(messages, options.concurrency, async (m) => {
      if ((await postWeb(local.url, m)) !== 202) rejected++;
    });
    const acceptedSeconds = elapsedMs(start) / 1000;
    const finished = await withTimeout(all, 180_000, 'measured messages').then(
      () => true,
      () => false,
    );
    const seconds = elapsedMs(start) / 1000;
    const completed = ids.length - watcher.pending();
    const stored = await countStored(local, ids);
    if (!finished) console.log(`  !! only ${completed}/${ids.length} messages were published within the time limit`);
    return { seconds, acceptedSeconds, messagesPerSecond: completed / seconds, placements: { ...watcher.placements }, rejected, stored, completed };
  } finally {
    watcher.stop();
  }
}

async function direct(local: LocalSwitchboard, options: ThroughputOptions) {
  const client = localClient(local.dynamoEndpoint);
  const table = 'bench-direct';
  const { meter, deps } = await meteredIngest(client, table);
  const toInbound = (m: Planned): InboundMessage =>
    inbound({ providerMessageId: m.providerMessageId, customer: { handles: [{ kind: 'email', value: m.email }], displayName: m.name }, text: m.text, at: new Date().toISOString() });
  const placements: Record<string, number> = {};
  const run = async (messages: Planned[]) =>
    pool(messages, options.concurrency, async (m) => {
      const { outcome } = await ingestMessage(deps, toInbound(m), false);
      placements[outcome] = (placements[outcome] ?? 0) + 1;
    });
  try {
    await run(plan('direct-warm', 40, 0.25).messages);
    for (const key of Object.keys(placements)) delete placements[key];
    meter.reset();
    const { messages } = plan('direct', options.messages, options.followUpShare);
    const start = process.hrtime.bigint();
    await run(messages);
    const seconds = elapsedMs(start) / 1000;
    const requests = [...meter.read().requests.values()].reduce((s, v) => s + v, 0);
    return { seconds, messagesPerSecond: messages.length / seconds, placements, requestsPerMessage: requests / messages.length };
  } finally {
    client.destroy();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function measureThroughput(local: LocalSwitchboard, options: ThroughputOptions): Promise<ThroughputResult> {
  const before = await rawPutItemRate(local, options.rawPuts, options.concurrency);
  const stack = await throughStack(local, options);
  const directRun = await direct(local, options);
  const after = await rawPutItemRate(local, options.rawPuts, options.concurrency);
  const rawMean = (before + after) / 2;
  const merged = Math.round(options.messages * options.followUpShare);
  return {
    options,
    rawItemBytes: 1024,
    rawPutsPerSecond: [before, after],
    rawMean,
    planned: { created: options.messages - merged, merged },
    stack,
    direct: directRun,
    ratio: stack.messagesPerSecond / rawMean,
    directRatio: directRun.messagesPerSecond / rawMean,
  };
}

const mix = (p: Record<string, number>) =>
  Object.entries(p)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

export function printThroughput(r: ThroughputResult): void {
  const o = r.options;
  console.log(`\n## 2. Ingest throughput vs raw PutItem (same dynalite, same run, concurrency ${o.concurrency} = ${o.pollers} pollers × batch size ${o.batchSize})\n`);
  console.log('(dynalite, fauxqs, the local HTTP server and bus, the handlers and the senders all share this one Node process)');
  console.log(`raw PutItem (~${r.rawItemBytes} B items, ${o.rawPuts} puts, ${o.concurrency} in flight, document client): ${fmt(r.rawPutsPerSecond[0], 0)}/s before, ${fmt(r.rawPutsPerSecond[1], 0)}/s after → mean ${fmt(r.rawMean, 0)}/s`);
  console.log(`message mix: ${o.messages} messages = ${r.planned.created} first contacts from distinct customers + ${r.planned.merged} follow-ups from the same customers (sent after all first contacts)`);
  const s = r.stack;
  console.log(`local stack (HTTP → webhook → fauxqs → ingest → dynalite → bus; ${o.concurrency} concurrent senders):`);
  console.log(`  all ${o.messages} accepted (202) after ${fmt(s.acceptedSeconds)} s (${fmt(o.messages / s.acceptedSeconds, 0)} msg/s into the queue); rejected: ${s.rejected}`);
  console.log(`  ${s.completed}/${o.messages} stored and published after ${fmt(s.seconds)} s → ${fmt(s.messagesPerSecond, 1)} msg/s; placements: ${mix(s.placements)}; message items in DynamoDB: ${s.stored}`);
  console.log(`  ratio to raw PutItem/s: ${fmt(r.ratio, 3)}`);
  const d = r.direct;
  console.log(`ingestMessage alone (no HTTP, queue or bus; ${o.concurrency} in flight, RecordingPublisher, own table on the same dynalite):`);
  console.log(`  ${o.messages} in ${fmt(d.seconds)} s → ${fmt(d.messagesPerSecond, 1)} msg/s (ratio to raw ${fmt(r.directRatio, 3)}); placements: ${mix(d.placements)}; ${fmt(d.requestsPerMessage)} DynamoDB requests/msg`);
  console.log(
    `where the time goes (per message, at this concurrency): raw PutItem ${fmt(1000 / r.rawMean, 2)} ms; ingestMessage ${fmt(1000 / d.messagesPerSecond, 2)} ms` +
      ` (≈ ${fmt(d.requestsPerMessage, 1)} requests × ${fmt(1000 / r.rawMean, 2)} ms = ${fmt((d.requestsPerMessage * 1000) / r.rawMean, 2)} ms if each request cost a PutItem);` +
      ` full stack ${fmt(1000 / s.messagesPerSecond, 2)} ms (HTTP + webhook + SQS send/receive/delete + PutEvents + Powertools: ${fmt(1000 / s.messagesPerSecond - 1000 / d.messagesPerSecond, 2)} ms)`,
  );
  console.log(`  ceiling for the ratio if DynamoDB were the only cost: 1 / ${fmt(d.requestsPerMessage, 2)} requests per message = ${fmt(1 / d.requestsPerMessage, 3)}`);
}
