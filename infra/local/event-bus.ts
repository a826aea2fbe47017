import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type EventRuleSpec, eventRules, type QueueSpec } from '../topology';

/**
 * The event bus in local mode: answers EventBridge's PutEvents API, so the functions publish
 * through the real SDK client, and delivers each event to the targets of the rules in topology.ts
 * whose pattern matches, as the deployed bus does.
 */

export interface BusEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

/** EventBridge pattern matching for the fields the rules use: each listed field (and detail field) must equal one of its values. */
export function matches(pattern: EventRuleSpec['pattern'], event: Pick<BusEvent, 'source' | 'detail-type' | 'detail'>): boolean {
  const top = (['source', 'detail-type'] as const).every((field) => !pattern[field] || pattern[field]!.includes(event[field]));
  return top && Object.entries(pattern.detail ?? {}).every(([field, values]) => values.includes(event.detail?.[field] as string | boolean));
}

export interface LocalEventBus {
  readonly endpoint: string;
  /** What each rule's target received, by rule id, oldest first (the newest 1000). */
  readonly delivered: Map<string, BusEvent[]>;
  close(): Promise<void>;
}

/** Sends an event to a topology queue, as an EventBridge SQS target does (the event as the message body). */
export type QueueTarget = (queue: QueueSpec['id'], event: BusEvent) => Promise<void>;
/** Starts a ticket workflow run with the event as its input, as a Step Functions target does. */
export type WorkflowTarget = (event: BusEvent) => void;

export async function startEventBus(logDir: string | undefined, toQueue: QueueTarget, toWorkflow: WorkflowTarget = () => undefined): Promise<LocalEventBus> {
  const delivered = new Map<string, BusEvent[]>(eventRules.map((r) => [r.id, []]));
  if (logDir) mkdirSync(logDir, { recursive: true });

  const deliver = async (event: BusEvent) => {
    for (const rule of eventRules.filter((r) => matches(r.pattern, event))) {
      const list = delivered.get(rule.id)!;
      list.push(event);
      if (list.length > 1000) list.shift();
      const target = rule.target;
      if (target.type === 'queue') await toQueue(target.queue, event);
      else if (target.type === 'workflow') toWorkflow(event);
      else if (logDir) appendFileSync(join(logDir, `${target.name}.log`), `${JSON.stringify(event)}\n`);
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return reply(400, { __type: 'UnknownOperationException', message: 'local mode serves PutEvents only' });
      }
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: { Source: string; DetailType: string; Detail: string }[] };
      const events: BusEvent[] = input.Entries.map((entry) => ({
        id: randomUUID(),
        source: entry.Source,
        'detail-type': entry.DetailType,
        time: new Date().toISOString(),
        detail: JSON.parse(entry.Detail),
      }));
      // Accepted once every target has it, so a publisher that got 200 lost nothing.
      Promise.all(events.map(deliver)).then(
        () => reply(200, { FailedEntryCount: 0, Entries: events.map((e) => ({ EventId: e.id })) }),
        () => reply(500, { __type: 'InternalException', message: 'a rule target did not take the event' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    delivered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
