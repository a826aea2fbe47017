import type { Area } from '../openapi';
import { agentOperations } from './agents';
import { csatOperations } from './csat';
import { customerOperations } from './customers';
import { metaOperations } from './meta';
import { ticketWorkOperations } from './ticket-work';
import { ticketOperations } from './tickets';
import { webhookOperations } from './webhooks';

/**
 * The registry of documented routes, one file per area. Every route of infra/topology.ts `routes`
 * has exactly one entry here (test/unit/openapi.test.ts fails naming any that is missing or stale):
 * a new route is one more entry in its area's file.
 */
export const areas: readonly Area[] = [
  { tag: 'Webhooks', description: 'Channel providers deliver customer messages, signed their own way.', file: 'shared/api/operations/webhooks.ts', operations: webhookOperations },
  { tag: 'Tickets', description: 'Reading tickets and answering customers.', file: 'shared/api/operations/tickets.ts', operations: ticketOperations },
  { tag: 'Ticket work', description: 'Working tickets: status and fields, notes, merge and split, sub-tasks, links, macros.', file: 'shared/api/operations/ticket-work.ts', operations: ticketWorkOperations },
  { tag: 'Customers', description: 'One customer across channels: the 360° view, search, profile, identities, merge, erasure and export.', file: 'shared/api/operations/customers.ts', operations: customerOperations },
  { tag: 'Agents', description: 'The agents who take tickets: roster, profiles, presence.', file: 'shared/api/operations/agents.ts', operations: agentOperations },
  { tag: 'Satisfaction', description: "A solved ticket's customer answers by the link they were sent, without signing in.", file: 'shared/api/operations/csat.ts', operations: csatOperations },
  { tag: 'API', description: 'The API describing itself.', file: 'shared/api/operations/meta.ts', operations: metaOperations },
];
