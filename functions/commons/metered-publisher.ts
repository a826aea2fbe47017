import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CsatRecorded, CsatRequested, SlaBreached, SlaWarning, TicketAssigned, TicketEscalated, TicketQueued, TicketTriaged } from '../../events';
import type { DomainEvent } from '../../events/define';
import type { EventPublisher } from '../../shared/ingest/ports';
import { metricNames, metrics } from './powertools';

/** One metric per dimension, so each dashboard widget is one metric name split by a few known values. */
function count(name: string, dimension?: [string, string], value = 1, unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count) {
  if (!dimension) return metrics.addMetric(name, unit, value);
  const single = metrics.singleMetric();
  single.addDimension(dimension[0], dimension[1]);
  single.addMetric(name, unit, value);
}

/**
 * Publishes, then counts what was published: the dashboard's triage, routing and SLA figures come
 * from the very events consumers see, once each, with only bounded dimensions (no ids).
 */
export class MeteredPublisher implements EventPublisher {
  constructor(private readonly inner: EventPublisher) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    await this.inner.publish(events);
    for (const { detailType, detail } of events) {
      const d = detail as Record<string, unknown>;
      switch (detailType) {
        case TicketTriaged.detailType:
          count(metricNames.ticketsTriaged, ['Urgency', String(d.urgency)]);
          count(metricNames.ticketsTriaged, ['Category', String(d.category)]);
          count(metricNames.ticketsTriaged, ['Sentiment', String(d.sentiment ?? 'UNSCORED')]);
          if (d.pending) count(metricNames.triagePending);
          // No earlier urgency: the ticket's first triage.
          if (d.previousUrgency === undefined) count(metricNames.newTickets, ['Category', String(d.category)]);
          break;
        case TicketAssigned.detailType:
          count(metricNames.ticketsAssigned, ['Reason', String(d.reason)]);
          count(metricNames.assignmentLatency, undefined, Number(d.waitedMs), MetricUnit.Milliseconds);
          break;
        case TicketQueued.detailType:
          count(metricNames.ticketsQueued, ['Queue', String(d.queue)]);
          break;
        case SlaWarning.detailType:
          count(metricNames.slaWarnings, ['Clock', String(d.clock)]);
          break;
        case SlaBreached.detailType:
          count(metricNames.slaBreaches, ['Clock', String(d.clock)]);
          break;
        case TicketEscalated.detailType:
          count(metricNames.ticketsEscalated, ['Level', String(d.level)]);
          break;
        case CsatRequested.detailType:
          count(metricNames.csatRequests);
          break;
        case CsatRecorded.detailType:
          // The score as the value: its average is the CSAT, its sample count the answers.
          count(metricNames.csatScore, undefined, Number(d.score), MetricUnit.NoUnit);
          break;
      }
    }
  }
}
