import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Created once per function instance and shared by every module of it. Service name and metric
 * namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE. Never log message
 * text, names, phone numbers or emails: log ids.
 *
 * Tracing is Lambda's active X-Ray tracing, set on every function by the stack. The Powertools
 * Tracer is left out on purpose: loading it (with the X-Ray SDK) added 25–30 ms to every cold start,
 * measured by `npm run bench`, for per-call subsegments of the AWS SDK.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'switchboard' });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Switchboard', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'switchboard' });

/** Metric names, as on the dashboard. */
export const metricNames = {
  messagesReceived: 'MessagesReceived',
  ticketsCreated: 'TicketsCreated',
  messagesMerged: 'MessagesMerged',
  ticketsReopened: 'TicketsReopened',
  duplicatesDropped: 'DuplicatesDropped',
  ingestFailures: 'IngestFailures',
  webhooksRejected: 'WebhooksRejected',
  providerEventsIgnored: 'ProviderEventsIgnored',
  repliesSent: 'RepliesSent',
  deliveryFailures: 'DeliveryFailures',
  deliveryRetries: 'DeliveryRetries',
  ticketsTriaged: 'TicketsTriaged',
  /** A ticket's first triage, by category: new tickets, counted once each. */
  newTickets: 'NewTickets',
  triagePending: 'TriagePending',
  comprehendErrors: 'ComprehendErrors',
  comprehendThrottles: 'ComprehendThrottles',
  ticketsAssigned: 'TicketsAssigned',
  assignmentLatency: 'AssignmentLatency',
  ticketsQueued: 'TicketsQueued',
  slaWarnings: 'SlaWarnings',
  slaBreaches: 'SlaBreaches',
  ticketsEscalated: 'TicketsEscalated',
  /** Satisfaction requests sent (or recorded, where the channel cannot carry them). */
  csatRequests: 'CsatRequests',
  /** Each satisfaction score, 1–5: its average is the CSAT; its count, the answers. */
  csatScore: 'CsatScore',
} as const;
