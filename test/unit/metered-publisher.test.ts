import { CsatRecorded, CsatRequested, domainEvent, SlaBreached, TicketAssigned, TicketTriaged } from '../../events';
import type { EventPublisher } from '../../shared/ingest/ports';
import { RecordingPublisher } from '../support/messages';

let MeteredPublisher: new (inner: EventPublisher) => EventPublisher;
let metrics: { publishStoredMetrics(): void };
const before = process.env.POWERTOOLS_METRICS_DISABLED;
afterAll(() => {
  if (before === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = before;
});
beforeAll(async () => {
  // Metrics are on in a deployed function; the modules read this when they load.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  ({ MeteredPublisher } = await import('../../functions/commons/metered-publisher'));
  ({ metrics } = await import('../../functions/commons/powertools'));
});

/** The dashboard's triage, routing and SLA figures are counted from the events, as CloudWatch EMF. */

function emitted(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  return run()
    .then(() => metrics.publishStoredMetrics())
    .then(() => lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>))
    .finally(() => write.mockRestore());
}

const triaged = (extra: Record<string, unknown>) =>
  domainEvent(TicketTriaged, { ...TicketTriaged.example, ...extra } as never);

test('a first triage counts a new ticket in its category; a later one does not', async () => {
  const inner = new RecordingPublisher();
  const publisher = new MeteredPublisher(inner);
  const first = await emitted(() => publisher.publish([triaged({})]));
  const later = await emitted(() => publisher.publish([triaged({ previousUrgency: 'normal' })]));
  expect(inner.published).toHaveLength(2);
  const names = (docs: Record<string, unknown>[]) => docs.flatMap((d) => Object.keys(d).filter((k) => ['NewTickets', 'TicketsTriaged'].includes(k)).map((k) => `${k}:${d.Category ?? d.Urgency ?? d.Sentiment}`));
  expect(names(first).sort()).toEqual(['NewTickets:delivery', 'TicketsTriaged:NEGATIVE', 'TicketsTriaged:critical', 'TicketsTriaged:delivery']);
  expect(names(later).sort()).toEqual(['TicketsTriaged:NEGATIVE', 'TicketsTriaged:critical', 'TicketsTriaged:delivery']);
});

test('assignment latency, and SLA breaches by clock', async () => {
  const docs = await emitted(() => new MeteredPublisher(new RecordingPublisher()).publish([domainEvent(TicketAssigned, TicketAssigned.example), domainEvent(SlaBreached, SlaBreached.example)]));
  expect(docs.find((d) => 'AssignmentLatency' in d)!.AssignmentLatency).toBe(TicketAssigned.example.waitedMs);
  expect(docs.find((d) => 'SlaBreaches' in d)).toMatchObject({ SlaBreaches: 1, Clock: 'firstResponse' });
});

test('satisfaction: each score as its value (the CSAT is their average), and the requests', async () => {
  const docs = await emitted(() =>
    new MeteredPublisher(new RecordingPublisher()).publish([domainEvent(CsatRequested, CsatRequested.example), domainEvent(CsatRecorded, { ...CsatRecorded.example, score: 3 })]),
  );
  expect(docs.find((d) => 'CsatScore' in d)!.CsatScore).toBe(3);
  expect(docs.find((d) => 'CsatRequests' in d)!.CsatRequests).toBe(1);
});
