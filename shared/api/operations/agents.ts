import * as z from 'zod';
import { agentId, agentManagers, agentProfileRequest, agentViewSchema, presenceRequest, presenceSetters, rosterReaders, rosterResponse } from '../../routing/agent-api';
import type { Operation } from '../operation';
import { etag, json } from './common';

/** The agents who take tickets: the roster, their profiles and their presence. */

export const agentOperations: readonly Operation[] = [
  {
    method: 'GET',
    path: '/agents',
    operationId: 'listAgents',
    summary: 'Every agent: skills, capacity, presence, team, supervisor, load and free capacity',
    access: { kind: 'jwt', roles: rosterReaders },
    responses: { 200: { description: 'The roster, by agent id.', content: json(rosterResponse) } },
    problems: [],
  },
  {
    method: 'PUT',
    path: '/agents/{id}',
    operationId: 'putAgent',
    summary: "Create an agent or replace their profile",
    description: 'Keeps presence and held tickets. More capacity or skills for an online agent hands them waiting tickets. `If-Match` makes it conditional: `"*"` (must exist) or the version read (412 if stale).',
    access: { kind: 'jwt', roles: agentManagers },
    pathParameters: { id: { schema: agentId, description: 'The agent\'s sign-in id (their token\'s `sub`); `me` is reserved (400).' } },
    headers: [{ name: 'If-Match', description: 'Optional: `*` or the agent\'s `ETag` as read.', schema: z.string() }],
    requestBody: { content: json(agentProfileRequest, { team: 'support', skills: ['language:en', 'category:billing'], capacity: 5 }) },
    responses: {
      200: { description: 'Replaced.', headers: etag, content: json(agentViewSchema) },
      201: { description: 'Created.', headers: { ...etag, Location: 'The agent.' }, content: json(agentViewSchema) },
    },
    problems: ['invalid-request', 'precondition-failed', 'unsupported-media-type'],
  },
  {
    method: 'PUT',
    path: '/agents/me/presence',
    operationId: 'setPresence',
    summary: 'Say whether you are taking tickets',
    description: "For the caller (their token's `sub` is their agent id); coming online hands them waiting tickets. 404 until an admin has added them (PUT /agents/{id}).",
    access: { kind: 'jwt', roles: presenceSetters },
    requestBody: { content: json(presenceRequest, { presence: 'online' }) },
    responses: { 200: { description: 'The caller, as an agent.', headers: etag, content: json(agentViewSchema) } },
    problems: ['invalid-request', 'not-found', 'unsupported-media-type'],
  },
];
