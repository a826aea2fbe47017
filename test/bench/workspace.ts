import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynalite } from '../../infra/local/dynamodb';
import { durationToMs, type Priority, priorities } from '../../shared/config';
import { type Ticket, ticketFromSeed } from '../../shared/domain/ticket';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbNoteStore } from '../../shared/store/dynamodb-notes';
import { keys, ticketIndexKeys } from '../../shared/store/keys';
import { DynamoDbTicketQueries } from '../../shared/store/ticket-queries';
import { parseListRequest } from '../../shared/tickets/list-request';
import { noteIdFor } from '../../shared/tickets/notes';
import { parseTimelineRequest } from '../../shared/tickets/timeline';
import { inbound, RecordingPublisher } from '../support/messages';
import { attachMeter } from './dynamodb-meter';
import { elapsedMs, fmt, median, pool } from './stats';

/**
 * The agent workspace's reads: GET /tickets/{id} of a ticket with 500 timeline entries, and
 * filtered GET /tickets pages over 10,000 tickets — each the handler's read path in-process (query
 * parsing, the DynamoDB reads through the real store against dynalite, the JSON answer), timed and
 * metered call by call. Lambda and API Gateway add their own (fixed) overheads on top.
 */

export interface WorkspaceResult {
  readonly detail: { readonly entries: number; readonly firstPage: number; readonly p50: number; readonly p99: number; readonly requests: number; readonly calls: number };
  readonly lists: readonly { readonly query: string; readonly p50: number; readonly p99: number; readonly requests: number; readonly returned: number }[];
  readonly tickets: number;
}

const STATUSES: Ticket['status'][] = ['open', 'open', 'open', 'open', 'new', 'pending', 'pending', 'on-hold', 'solved', 'solved', 'closed'];
const CATEGORIES = ['billing', 'delivery', 'account', 'technical', 'general'];
const TEAMS = ['support', 'logistics', 'billing', 'vip'];
const TAGS = [['refund'], [], ['late', 'courier'], ['vip'], [], ['refund', 'chargeback']];

/** The list filters measured: what agents' and supervisors' views ask for most. */
export const LIST_QUERIES: Record<string, string>[] = [
  { assignee: 'agent-7', status: 'open', sort: 'priority' },
  { assignee: 'none', status: 'open' },
  { status: 'open', priority: 'high' },
  { category: 'billing', status: 'open' },
  { team: 'logistics', tag: 'late' },
  { status: 'pending', sort: 'updated' },
  { sla: 'breached' },
  { sla: 'due-soon', dueWithin: '120' },
];

export async function measureWorkspace(options: { tickets: number; entries: number; calls: number }): Promise<WorkspaceResult> {
  const dynamo = await startDynalite();
  const client = localClient(dynamo.endpoint);
  try {
    const table = 'bench-workspace';
    await ensureTable(client, table);
    const db = documentClient(client);
    const now = Date.now();

    // One long ticket: customer messages through ingest (as they arrive), internal notes between them.
    const intake = { store: new DynamoDbIntakeStore(db, table), publisher: new RecordingPublisher(), mergeWindowMs: durationToMs('PT24H') };
    const customer = { handles: [{ kind: 'email' as const, value: 'long.thread@example.com' }] };
    const start = now - options.entries * 60_000;
    const { ticketId } = await ingestMessage(intake, inbound({ at: new Date(start).toISOString(), customer, text: 'My order has not arrived' }));
    const notes = new DynamoDbNoteStore(db, table);
    for (let i = 1; i < options.entries - 1; i++) {
      const at = new Date(start + i * 60_000).toISOString();
      if (i % 5 < 2) await ingestMessage(intake, inbound({ at, customer, text: `Follow-up ${i}: still waiting, order 5521.` }));
      else await notes.putNote({ noteId: noteIdFor(ticketId, 'alice', `n${i}`), ticketId, kind: 'note', author: { type: 'agent', id: 'alice' }, body: `Checked with the courier (${i}).`, mentions: [], createdAt: at });
    }

    // Many tickets, written with their list-index keys exactly as the stores derive them.
    const items = Array.from({ length: options.tickets }, (_, i) => {
      const createdAt = new Date(now - (options.tickets - i) * 30_000).toISOString();
      const status = STATUSES[i % STATUSES.length];
      const assigned = i % 3 !== 0;
      const t: Ticket = {
        ...ticketFromSeed({ ticketId: `tkt_${(0x100000 + i).toString(16).padStart(16, '0')}`, customerId: `cus_${(i % 2000).toString(16).padStart(16, '0')}`, channel: ['web', 'sms', 'email', 'wechat'][i % 4], subject: `Ticket ${i}`, createdAt, messageId: `web:b${i}` }),
        status,
        updatedAt: new Date(Date.parse(createdAt) + (i % 97) * 60_000).toISOString(),
        priority: priorities[i % 4] as Priority,
        urgency: priorities[(i >> 2) % 4] as Priority,
        category: CATEGORIES[i % 5],
        tags: TAGS[(i >> 1) % 6],
        ...(assigned ? { assigneeId: `agent-${i % 50}`, team: TEAMS[i % 4] } : {}),
        sla: { generation: 1, startedAt: createdAt, pausedMs: 0, warnings: {}, breaches: {}, escalationLevel: 0, resolutionDueAt: new Date(now + ((i % 48) - 12) * 3_600_000).toISOString() },
      };
      return { ...keys.ticket(t.ticketId), ...ticketIndexKeys(t), ...t };
    });
    const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, b) => items.slice(b * 25, b * 25 + 25));
    await pool(batches, 8, async (batch) => {
      let pending: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
        pending = (out.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined) ?? [];
      }
    });

    const queries = new DynamoDbTicketQueries(db, table);
    const meter = attachMeter(client);

    const detailTimes: number[] = [];
    let firstPage = 0;
    let total = 0;
    meter.reset();
    for (let i = 0; i < options.calls; i++) {
      const began = process.hrtime.bigint();
      const detail = await queries.ticketDetail(ticketId, parseTimelineRequest({}));
      JSON.stringify(detail);
      detailTimes.push(elapsedMs(began));
      firstPage = detail!.timeline.length;
    }
    const detailRequests = [...meter.read().requests.values()].reduce((a, b) => a + b, 0) / options.calls;
    // The whole timeline, page after page, to check its size.
    let cursor: string | undefined;
    do {
      const page = await queries.ticketDetail(ticketId, parseTimelineRequest({ limit: '200', ...(cursor ? { cursor } : {}) }));
      total += page!.timeline.length;
      cursor = page!.nextCursor;
    } while (cursor);

    const lists = [];
    for (const query of LIST_QUERIES) {
      const times: number[] = [];
      let returned = 0;
      meter.reset();
      for (let i = 0; i < options.calls; i++) {
        const began = process.hrtime.bigint();
        const page = await queries.listTickets(parseListRequest(query, 'agent-7'));
        JSON.stringify(page);
        times.push(elapsedMs(began));
        returned = page.tickets.length;
      }
      const requests = [...meter.read().requests.values()].reduce((a, b) => a + b, 0) / options.calls;
      lists.push({ query: new URLSearchParams(query).toString(), p50: median(times), p99: percentile(times, 0.99), requests, returned });
    }
    return { detail: { entries: total, firstPage, p50: median(detailTimes), p99: percentile(detailTimes, 0.99), requests: detailRequests, calls: options.calls }, lists, tickets: options.tickets };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export function printWorkspace(r: WorkspaceResult): void {
  console.log('\n## Agent workspace reads\n');
  const d = r.detail;
  console.log(`GET /tickets/{id}, a ticket with ${d.entries} timeline entries (first page: ${d.firstPage}), ${d.calls} calls: p50 ${fmt(d.p50, 2)} ms, p99 ${fmt(d.p99, 2)} ms, ${fmt(d.requests, 2)} DynamoDB requests per call`);
  console.log(`GET /tickets over ${r.tickets} tickets (page of 25):`);
  for (const l of r.lists) console.log(`  ?${l.query}: p50 ${fmt(l.p50, 2)} ms, p99 ${fmt(l.p99, 2)} ms, ${fmt(l.requests, 2)} requests per page, ${l.returned} tickets`);
}
