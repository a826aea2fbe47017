import { existsSync } from 'node:fs';
import { cpus, platform, arch, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../infra/constructs/function';
import { startLocal } from '../../infra/local/runtime';
import { type FunctionName, functions } from '../../infra/topology';
import { parseConfig } from '../../shared/config';
import { type BundleResult, measureBundles, printBundles } from './bundles';
import { type ChannelWebhookResult, measureChannelWebhooks, printChannelWebhooks } from './channels';
import { type CostResult, measureDynamoDbCost, printDynamoDbCost } from './dynamodb-cost';
import { fmt, markdownTable, met } from './stats';
import { measureRouting, printRouting, type RoutingResult } from './routing';
import { measureThroughput, printThroughput, type ThroughputResult } from './throughput';
import { measureWorkspace, printWorkspace, type WorkspaceResult } from './workspace';

/**
 * `npm run bench`: what a message costs in DynamoDB, how fast the local stack ingests compared with
 * raw DynamoDB writes, how big and how slow to load each function bundle is, and what each channel's
 * webhook costs over a handler that only enqueues. Prints figures and whether each target is met; it
 * asserts nothing. Tunables (environment): BENCH_MESSAGES (600), BENCH_POLLERS (2),
 * BENCH_COST_MESSAGES (50), BENCH_INIT_RUNS (9), BENCH_CHANNEL_RUNS (300), BENCH_DECISIONS (2000),
 * BENCH_ASSIGNMENTS (300), BENCH_TICKETS (10000), BENCH_READS (100).
 */

// Quiet handlers in local mode; set before startLocal loads them.
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// Powertools writes through the global console (which quietLocalModeNoise filters) only in dev mode;
// with the log level at ERROR and metrics disabled, dev mode changes nothing else here.
process.env.POWERTOOLS_DEV = 'true';
// The AWS SDK warns once per process that Node 20 support ends in 2027; known, and noise here.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!/NodeVersionSupportWarning|AWS SDK for JavaScript/.test(`${w.name} ${w.message}`)) console.error(`${w.name}: ${w.message}`);
});

/**
 * Local mode prints two harmless warnings per request, which would bury the figures: the SQS client
 * cannot parse fauxqs's queue URL host (`sqs.us-east-1.127.0.0.1`, read as a bad IPv4 address) and
 * falls back to its configured endpoint, and Powertools Metrics notes that nothing was published
 * (metrics are disabled here). Both are counted and reported instead of printed.
 */
function quietLocalModeNoise() {
  const counts = { queueUrl: 0, emptyMetrics: 0 };
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const first = args[0] as { code?: string; message?: string } | string | undefined;
    const text = typeof first === 'string' ? first : `${first?.code ?? ''} ${first?.message ?? ''}`;
    if (/ERR_INVALID_URL|QueueUrl=/.test(text)) counts.queueUrl++;
    else if (/No application metrics to publish/.test(text)) counts.emptyMetrics++;
    else warn(...args);
  };
  return {
    counts,
    restore: () => {
      console.warn = warn;
    },
  };
}

const TARGETS = {
  mergedRequests: 4,
  duplicateWrites: 1,
  throughputRatio: 0.35,
  initRatio: 1.5,
  channelWebhookRatio: 1.3,
  assignmentRequests: 3,
  comprehendCallsPer100: 6,
  detailRequests: 3,
  listRequests: 2,
};

const numberEnv = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

async function main() {
  const startedAt = new Date();
  const missing = (Object.keys(functions) as FunctionName[]).filter((name) => !existsSync(join(repoRoot, functions[name].entry)));
  if (missing.length > 0) {
    console.error(`Local mode loads every function in infra/topology.ts; missing: ${missing.map((n) => functions[n].entry).join(', ')}`);
    process.exit(1);
  }

  console.log('# Switchboard benchmark\n');
  console.log(`${machine()}, ${startedAt.toISOString()}`);

  const cost = await measureDynamoDbCost(numberEnv('BENCH_COST_MESSAGES', 50));
  printDynamoDbCost(cost);

  const config = parseConfig({});
  const pollers = numberEnv('BENCH_POLLERS', 2);
  const noise = quietLocalModeNoise();
  // Ingest alone: deployed, triage, routing and the workflow run in functions of their own; here they
  // would share this one process with ingest and slow it by work that is not ingest's.
  const local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 30, pollers, consumers: ['ingest'] });
  let throughput: ThroughputResult;
  try {
    throughput = await measureThroughput(local, {
      messages: numberEnv('BENCH_MESSAGES', 600),
      followUpShare: 1 / 3,
      concurrency: pollers * config.ingest.batchSize,
      pollers,
      batchSize: config.ingest.batchSize,
      rawPuts: 3000,
    });
  } finally {
    await local.close();
    noise.restore();
  }
  printThroughput(throughput);
  console.log(
    `(local-mode warnings suppressed during part 2: ${noise.counts.queueUrl} SQS client "Invalid URL" warnings for fauxqs's queue URL, ${noise.counts.emptyMetrics} Powertools "no metrics to publish" notices)`,
  );

  const bundles = await measureBundles(numberEnv('BENCH_INIT_RUNS', 9));
  printBundles(bundles);

  const webhooks = await measureChannelWebhooks(numberEnv('BENCH_CHANNEL_RUNS', 300));
  printChannelWebhooks(webhooks, TARGETS.channelWebhookRatio);

  const routing = await measureRouting({ agents: 1000, decisions: numberEnv('BENCH_DECISIONS', 2000), assignments: numberEnv('BENCH_ASSIGNMENTS', 300) });
  printRouting(routing);

  const workspace = await measureWorkspace({ tickets: numberEnv('BENCH_TICKETS', 10_000), entries: 500, calls: numberEnv('BENCH_READS', 100) });
  printWorkspace(workspace);

  console.log(summary(startedAt, cost, throughput, bundles, webhooks, routing, workspace));
  console.log(`\n(benchmark took ${fmt((Date.now() - startedAt.getTime()) / 1000, 0)} s)`);
}

function machine(): string {
  const cpu = cpus();
  return `node ${process.version}, ${platform()}/${arch()}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM`;
}

function summary(at: Date, cost: CostResult, t: ThroughputResult, b: BundleResult, w: ChannelWebhookResult, r: RoutingResult, ws: WorkspaceResult): string {
  const rows: string[][] = [];
  const notMet: string[] = [];
  const target = (ok: boolean, what: string) => {
    if (!ok) notMet.push(what);
    return met(ok);
  };

  for (const c of cost.cases) {
    const value = `${fmt(c.requests, 1)} requests (${fmt(c.reads, 1)} reads, ${fmt(c.writes, 1)} writes); ${fmt(c.rcu, 1)} RCU, ${fmt(c.wcu, 1)} WCU (+ est. ${fmt(c.indexWcu, 1)} GSI WCU)`;
    if (c.name === 'merged') rows.push([`DynamoDB per message: ${c.label}`, value, `≤ ${TARGETS.mergedRequests} requests`, target(c.requests <= TARGETS.mergedRequests, 'merged message requests')]);
    else if (c.name === 'duplicate') rows.push([`DynamoDB per message: ${c.label}`, value, `≤ ${TARGETS.duplicateWrites} write`, target(c.writes <= TARGETS.duplicateWrites, 'duplicate writes')]);
    else rows.push([`DynamoDB per message: ${c.label}`, value, '—', '—']);
  }
  const o = t.options;
  rows.push([`Raw PutItem, ~1 KB, ${o.concurrency} in flight`, `${fmt(t.rawMean, 0)} items/s`, '—', '—']);
  rows.push([
    `Ingest through local stack (${o.messages} msgs: ${Object.entries(t.stack.placements).map(([k, v]) => `${v} ${k}`).join(', ')})`,
    `${fmt(t.stack.messagesPerSecond, 1)} msgs/s`,
    '—',
    '—',
  ]);
  rows.push(['Ingest throughput ÷ raw PutItem throughput', fmt(t.ratio, 3), `≥ ${TARGETS.throughputRatio}`, target(t.ratio >= TARGETS.throughputRatio, 'ingest/PutItem throughput ratio')]);
  rows.push(['ingestMessage alone (no HTTP/SQS/bus) ÷ raw PutItem', `${fmt(t.direct.messagesPerSecond, 1)} msgs/s → ${fmt(t.directRatio, 3)}`, '—', '—']);
  for (const f of b.functions) {
    // The ratio is over the function's own AWS SDK clients; one that uses none has no baseline to be a ratio of.
    if (f.sdkPackages.length === 0) {
      rows.push([`${f.name}: bundle, cold init (no AWS SDK client)`, `${fmt(f.fn.bytes / 1024, 0)} KB; ${fmt(f.fn.initMs, 1)} ms`, '—', '—']);
      continue;
    }
    rows.push([
      `${f.name}: bundle, cold init (baseline: ${f.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join(' + ')})`,
      `${fmt(f.fn.bytes / 1024, 0)} KB (baseline ${fmt(f.baseline.bytes / 1024, 0)} KB); ${fmt(f.fn.initMs, 1)} ms (baseline ${fmt(f.baseline.initMs, 1)} ms) → init ratio ${fmt(f.initRatio)}`,
      `init ratio ≤ ${TARGETS.initRatio}`,
      target(f.initRatio <= TARGETS.initRatio, `${f.name} init ratio`),
    ]);
  }
  for (const name of b.missing) rows.push([`${name}: bundle, cold init`, 'entry missing; not measured', `init ratio ≤ ${TARGETS.initRatio}`, 'not measured']);
  for (const c of w.channels) {
    rows.push([
      `${c.name} webhook (receiveWebhook, median of ${w.runs}) ÷ enqueue-only handler`,
      `${fmt(c.timing.medianMs, 3)} ms (baseline ${fmt(w.baseline.medianMs, 3)} ms) → ratio ${fmt(c.ratio, 3)}`,
      `≤ ${TARGETS.channelWebhookRatio}`,
      target(c.ratio <= TARGETS.channelWebhookRatio, `${c.name} webhook ratio`),
    ]);
  }

  rows.push([`Assignment decision, ${r.agents} agents`, `median ${fmt(r.decisionMs.median, 3)} ms, p99 ${fmt(r.decisionMs.p99, 3)} ms`, '—', '—']);
  rows.push([
    'DynamoDB requests per assignment',
    `${fmt(r.requestsPerAssignment, 2)} (${Object.entries(r.byCommand).filter(([k]) => k !== 'Query').map(([k, v]) => `${k} ${v}`).join(', ')} over ${r.assignments}), plus the roster read: ${r.rosterReads} in all, one per instance every 2 s`,
    `≤ ${TARGETS.assignmentRequests}`,
    target(r.requestsPerAssignment <= TARGETS.assignmentRequests, 'DynamoDB requests per assignment'),
  ]);
  const per100 = (r.comprehend.calls * 100) / r.comprehend.messages;
  rows.push([
    'Comprehend calls per 100 queued messages',
    `${fmt(per100, 1)} (${r.comprehend.tickets} ticket documents, batches of ${r.comprehend.batchSize})`,
    `≤ ${TARGETS.comprehendCallsPer100}`,
    target(per100 <= TARGETS.comprehendCallsPer100, 'Comprehend calls per 100 messages'),
  ]);

  const d = ws.detail;
  rows.push([
    `GET /tickets/{id}, ${d.entries} timeline entries, first page of ${d.firstPage} (handler read path, in-process)`,
    `p50 ${fmt(d.p50, 1)} ms, p99 ${fmt(d.p99, 1)} ms; ${fmt(d.requests, 2)} DynamoDB requests`,
    `≤ ${TARGETS.detailRequests} requests`,
    target(d.requests <= TARGETS.detailRequests, 'ticket detail requests'),
  ]);
  for (const l of ws.lists) {
    rows.push([
      `GET /tickets?${l.query} over ${ws.tickets} tickets (page of 25: ${l.returned})`,
      `p50 ${fmt(l.p50, 1)} ms, p99 ${fmt(l.p99, 1)} ms; ${fmt(l.requests, 2)} DynamoDB requests`,
      `≤ ${TARGETS.listRequests} requests`,
      target(l.requests <= TARGETS.listRequests, `list requests (${l.query})`),
    ]);
  }

  return [
    '\n## Summary\n',
    `Measured ${at.toISOString().replace('T', ' ').slice(0, 16)} UTC on ${machine()} with \`npm run bench\`.\n`,
    markdownTable(['Figure', 'Value', 'Target', 'Status'], rows),
    '',
    notMet.length === 0 ? 'All targets met.' : `Targets not met: ${notMet.join('; ')}.`,
  ].join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
