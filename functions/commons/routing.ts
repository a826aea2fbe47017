import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { env } from '../../infra/topology';
import { requiredEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { runtimeConfig } from '../../shared/runtime';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbQueueStore } from '../../shared/store/dynamodb-queue-store';
import { DynamoDbTicketChanges } from '../../shared/store/dynamodb-ticket-changes';
import { Roster, type RoutingDeps } from '../../shared/workflow/assignment';
import { MeteredPublisher } from './metered-publisher';

/** How long a function instance trusts the agent roster it read; claims re-check what matters. */
const ROSTER_TTL_MS = 2000;

/** What the workflow and routing functions assign with, built once per instance. */
export function routingDeps(): RoutingDeps {
  const db = documentClient();
  const table = requiredEnv(env.table);
  const agents = new DynamoDbAgentStore(db, table);
  return {
    tickets: new DynamoDbTicketChanges(db, table),
    agents,
    roster: new Roster(agents, ROSTER_TTL_MS),
    queue: new DynamoDbQueueStore(db, table),
    publisher: new MeteredPublisher(new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus))),
    config: runtimeConfig(),
    now: () => new Date(),
  };
}
