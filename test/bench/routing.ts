import { ComprehendClient } from '@aws-sdk/client-comprehend';
import { ensureTable, localClient, startDynalite } from '../../infra/local/dynamodb';
import { type AgentSeed, parseConfig, type Priority, priorities } from '../../shared/config';
import { type Agent, chooseAgent, requiredSkills } from '../../shared/routing';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbQueueStore } from '../../shared/store/dynamodb-queue-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { keys, ticketIndexKeys } from '../../shared/store/keys';
import { ticketFromSeed, type Ticket } from '../../shared/domain/ticket';
import { ComprehendAnalyzer } from '../../shared/triage/comprehend-analyzer';
import { assignTicket, Roster, type RoutingDeps } from '../../shared/workflow/assignment';
import { FakeComprehend } from '../support/comprehend';
import { RecordingPublisher } from '../support/messages';
import { attachMeter } from './dynamodb-meter';
import { elapsedMs, fmt, median } from './stats';
import { PutCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Routing and triage costs: the assignment decision over 1,000 agents (pure, in-process), the
 * DynamoDB requests one assignment sends through the real stores (dynalite, metered), and the
 * Comprehend requests 100 queued messages cost through the real ComprehendAnalyzer (a local
 * Comprehend stand-in answering in the documented shapes).
 */

const LANGUAGES = ['en', 'zh', 'es'] as const;
const CATEGORIES = ['billing', 'delivery', 'account', 'technical'] as const;

/** A deterministic pseudo-random sequence, so every run measures the same rosters. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function roster(size: number, rnd = random(7)): Agent[] {
  return Array.from({ length: size }, (_, i) => {
    const capacity = 3 + Math.floor(rnd() * 5);
    const skills = [`language:${LANGUAGES[i % 3]}`, ...(rnd() < 0.3 ? ['language:en'] : []), ...CATEGORIES.filter(() => rnd() < 0.6).map((c) => `category:${c}`)];
    const presence = rnd() < 0.7 ? 'online' : rnd() < 0.5 ? 'away' : 'offline';
    return {
      agentId: `agent-${String(i).padStart(4, '0')}`,
      team: `team-${i % 10}`,
      skills: [...new Set(skills)].sort(),
      capacity,
      presence,
      activeTickets: Array.from({ length: Math.floor(rnd() * capacity) }, (_, k) => `tkt_busy_${i}_${k}`),
      version: 1,
      updatedAt: '2026-11-23T09:00:00.000Z',
    } satisfies Agent;
  });
}

export interface RoutingResult {
  readonly agents: number;
  readonly decisionMs: { median: number; p99: number; runs: number };
  readonly assignments: number;
  /** Requests each assignment sends itself; the roster read is counted apart (per instance, every 2 s). */
  readonly requestsPerAssignment: number;
  readonly rosterReads: number;
  readonly byCommand: Record<string, number>;
  readonly comprehend: { messages: number; tickets: number; batchSize: number; calls: number; byOperation: Record<string, number> };
}

export async function measureRouting(options: { agents: number; decisions: number; assignments: number }): Promise<RoutingResult> {
  const config = parseConfig({});
  const agents = roster(options.agents);
  const rnd = random(11);
  const times: number[] = [];
  for (let i = 0; i < options.decisions; i++) {
    const required = requiredSkills(
      { language: LANGUAGES[i % 3], category: CATEGORIES[Math.floor(rnd() * 4)], channel: 'web' },
      { ...config.routing, defaultCategory: config.triage.defaultCategory },
    );
    const start = process.hrtime.bigint();
    chooseAgent(agents, { required, ticketId: `tkt_${i}`, ...(rnd() < 0.3 ? { previousAgentId: agents[Math.floor(rnd() * agents.length)]!.agentId } : {}) });
    times.push(elapsedMs(start));
  }
  times.sort((a, b) => a - b);

  const assignment = await measureAssignments(options.assignments, options.agents);
  const comprehend = await measureComprehend(config.triage.batchSize);
  return {
    agents: options.agents,
    decisionMs: { median: median(times), p99: times[Math.floor(times.length * 0.99)]!, runs: options.decisions },
    ...assignment,
    comprehend,
  };
}

/** Assignments through the real stores, the roster read as the routing function reads it (cached for 2 s). */
async function measureAssignments(count: number, agentCount: number) {
  const dynamo = await startDynalite();
  const client = localClient(dynamo.endpoint);
  try {
    const table = 'bench-routing';
    await ensureTable(client, table);
    const db = documentClient(client);
    const agentStore = new DynamoDbAgentStore(db, table);
    const seeds: AgentSeed[] = roster(agentCount).map((a) => ({ agentId: a.agentId, team: a.team, skills: [...a.skills], capacity: a.capacity + 20, presence: 'online' }));
    await agentStore.seed(seeds, '2026-11-23T09:00:00.000Z');
    const tickets: Ticket[] = [];
    for (let i = 0; i < count; i++) {
      const createdAt = new Date(Date.parse('2026-11-23T09:00:00.000Z') + i * 1000).toISOString();
      const t: Ticket = {
        ...ticketFromSeed({ ticketId: `tkt_bench_${String(i).padStart(6, '0')}`, customerId: `cus_${i}`, channel: 'web', subject: 'bench', createdAt, messageId: `web:m${i}` }),
        language: LANGUAGES[i % 3],
        category: CATEGORIES[i % 4],
        priority: priorities[i % 4] as Priority,
      };
      await db.send(new PutCommand({ TableName: table, Item: { ...keys.ticket(t.ticketId), ...ticketIndexKeys(t), ...t } }));
      tickets.push(t);
    }
    const meter = attachMeter(client);
    const deps: RoutingDeps = {
      tickets: new DynamoDbTicketChanges(db, table),
      agents: agentStore,
      roster: new Roster(agentStore, 2000),
      queue: new DynamoDbQueueStore(db, table),
      publisher: new RecordingPublisher(),
      config: parseConfig({}),
      now: () => new Date(),
    };
    meter.reset();
    let assigned = 0;
    for (const t of tickets) if ((await assignTicket(deps, t)).kind === 'assigned') assigned++;
    const reading = meter.read();
    // The only Query on this path is the roster read.
    const rosterReads = reading.requests.get('Query') ?? 0;
    return {
      assignments: assigned,
      requestsPerAssignment: ([...reading.requests.values()].reduce((a, b) => a + b, 0) - rosterReads) / count,
      rosterReads,
      byCommand: Object.fromEntries([...reading.requests].map(([k, v]) => [k, v])),
    };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

/**
 * 100 queued messages as the triage queue hands them out (batches of triage.batchSize): 60 English,
 * 25 Chinese and 15 Spanish, from 80 tickets (some customers write twice in a row), through the
 * real analyzer against a Comprehend stand-in.
 */
async function measureComprehend(batchSize: number) {
  const texts: Record<(typeof LANGUAGES)[number], string[]> = {
    en: ['My parcel is late and nobody answers the phone.', 'I was charged twice for the same order, please refund one.', 'How do I change the delivery address on my account?', 'The app crashes every time I open the payment page.'],
    zh: ['我的快递一个星期还没到，怎么回事？', '为什么扣了我两次钱？请退款。', '登录的时候一直显示密码错误。'],
    es: ['Mi paquete llega tarde y nadie contesta el teléfono.', 'Me cobraron dos veces por el mismo pedido, quiero un reembolso.'],
  };
  const messages: { ticket: number; text: string }[] = [];
  const mix: (typeof LANGUAGES)[number][] = [...Array(60).fill('en'), ...Array(25).fill('zh'), ...Array(15).fill('es')];
  mix.forEach((language, i) => {
    const pool = texts[language];
    // Every fifth message follows up the previous one's ticket.
    const ticket = i % 5 === 4 ? messages[i - 1]!.ticket : i;
    messages.push({ ticket, text: `${pool[i % pool.length]} (#${i})` });
  });
  const comprehend = new FakeComprehend();
  const endpoint = await comprehend.start();
  try {
    const analyzer = new ComprehendAnalyzer(new ComprehendClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), { defaultLanguage: 'en' });
    let tickets = 0;
    for (let i = 0; i < messages.length; i += batchSize) {
      // One document per ticket in the batch, as triageMessages builds them.
      const byTicket = new Map<number, string[]>();
      for (const m of messages.slice(i, i + batchSize)) byTicket.set(m.ticket, [...(byTicket.get(m.ticket) ?? []), m.text]);
      tickets += byTicket.size;
      await analyzer.analyze([...byTicket].map(([id, t]) => ({ id: String(id), text: t.join('\n') })));
    }
    const byOperation: Record<string, number> = {};
    for (const r of comprehend.received) byOperation[r.target.split('.')[1]!] = (byOperation[r.target.split('.')[1]!] ?? 0) + 1;
    return { messages: messages.length, tickets, batchSize, calls: analyzer.calls, byOperation };
  } finally {
    await comprehend.stop();
  }
}

export function printRouting(r: RoutingResult): void {
  console.log('\n## Routing and triage\n');
  console.log(`Assignment decision over ${r.agents} agents (chooseAgent, ${r.decisionMs.runs} decisions): median ${fmt(r.decisionMs.median, 3)} ms, p99 ${fmt(r.decisionMs.p99, 3)} ms`);
  console.log(
    `DynamoDB per assignment (${r.assignments} assignments over ${r.agents} agents): ${fmt(r.requestsPerAssignment, 2)} requests, plus ${r.rosterReads} roster reads in all (one per function instance every 2 s) — ${Object.entries(r.byCommand).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );
  const c = r.comprehend;
  console.log(`Comprehend per ${c.messages} queued messages (${c.tickets} ticket documents, batches of ${c.batchSize}): ${c.calls} calls — ${Object.entries(c.byOperation).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
