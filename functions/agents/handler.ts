import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { env } from '../../infra/topology';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { requiredEnv } from '../../shared/env';
import { type Caller, callerOf, requireGroup } from '../../shared/http/caller';
import { jsonRequestBody, jsonResponse, problems } from '../../shared/http/problem';
import {
  agentManagers,
  agentView,
  etagOf,
  parseAgentId,
  parseAgentProfile,
  parseIfMatch,
  parsePresence,
  presenceSetters,
  rosterReaders,
  rosterView,
} from '../../shared/routing/agent-api';
import { type AgentsDeps, saveAgent, setOwnPresence } from '../../shared/routing/agents-service';
import { documentClient } from '../../shared/store/dynamodb-client';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { httpHandler } from '../commons/handler';
import { logger } from '../commons/powertools';

const deps: AgentsDeps = {
  store: new DynamoDbAgentStore(documentClient(), requiredEnv(env.table)),
  publisher: new EventBridgePublisher(new EventBridgeClient({}), requiredEnv(env.eventBus)),
  now: () => new Date(),
};

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

const routes: Record<string, (event: Event, caller: Caller) => Promise<APIGatewayProxyResultV2>> = {
  /** The roster: who is online, with which skills, and how much room each has. */
  'GET /agents': async (_event, caller) => {
    requireGroup(caller, rosterReaders);
    const agents = rosterView(await deps.store.listAgents());
    logger.info('agents listed', { count: agents.length });
    return jsonResponse(200, { agents });
  },

  /** An admin creates an agent or replaces their profile. */
  'PUT /agents/{id}': async (event, caller) => {
    requireGroup(caller, agentManagers);
    const agentId = parseAgentId(event.pathParameters?.id);
    const profile = parseAgentProfile(agentId, jsonRequestBody(event));
    const ifMatch = parseIfMatch(event.headers?.['if-match']);
    const { agent, created, availability } = await saveAgent(deps, profile, ifMatch);
    logger.info(created ? 'agent created' : 'agent updated', { agentId, version: agent.version, by: caller.sub, ...(availability ? { availability } : {}) });
    return jsonResponse(created ? 201 : 200, agentView(agent), { etag: etagOf(agent), ...(created ? { location: `/agents/${encodeURIComponent(agentId)}` } : {}) });
  },

  /** The caller says whether they are taking tickets. */
  'PUT /agents/me/presence': async (event, caller) => {
    requireGroup(caller, presenceSetters);
    const presence = parsePresence(jsonRequestBody(event));
    const { agent, availability } = await setOwnPresence(deps, caller.sub, presence);
    logger.info('presence set', { agentId: agent.agentId, presence, version: agent.version, ...(availability ? { availability } : {}) });
    return jsonResponse(200, agentView(agent), { etag: etagOf(agent) });
  },
};

/** GET /agents, PUT /agents/{id}, PUT /agents/me/presence: one function, chosen by the route. */
export const handler = httpHandler(async (event: Event) => {
  const route = routes[event.routeKey];
  if (!route) throw problems.notFound(`No route ${event.routeKey}.`);
  return route(event, callerOf(event));
});
