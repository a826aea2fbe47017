import * as z from 'zod';
import type { UserGroup } from '../../infra/topology';
import { etagOf } from '../http/conditional';
import { fieldErrors, HttpProblem, parseJsonRequest, problems } from '../http/problem';
import { type Agent, type AgentProfile, freeCapacityOf, loadOf, type Presence, presences, SKILL_PATTERN } from './agent';
import { byCodeUnit, distinctSorted } from './skills';

/** The agents API's requests and answers: parsing, views and rejections; agents-service.ts does the work. */

/** Everyone who works tickets sees the roster (who is online, who has room). */
export const rosterReaders: readonly UserGroup[] = ['agent', 'supervisor', 'admin'];
/** Profiles (skills, capacity, team) are an admin's to set. */
export const agentManagers: readonly UserGroup[] = ['admin'];
/** Those who take tickets say when they are taking them. */
export const presenceSetters: readonly UserGroup[] = ['agent', 'supervisor'];

const agentIdMessage = 'must be 1 to 128 letters, digits, ".", "_", "@" or "-": the agent\'s sign-in id (the token\'s "sub")';
/** An agent's id: their sign-in `sub`. */
export const agentId = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, agentIdMessage);

export const agentProfileRequest = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100).optional(),
  team: z.string().trim().min(1, 'must not be empty').max(64),
  skills: z.array(z.string().regex(SKILL_PATTERN, 'must be "<kind>:<value>", like "language:zh" or "category:billing"')).max(50),
  capacity: z.number().int('must be a whole number').min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100'),
  supervisorId: agentId.optional(),
});
export type AgentProfileRequest = z.infer<typeof agentProfileRequest>;

export const presenceRequest = z.strictObject({
  presence: z.enum(presences, { error: `must be one of ${presences.join(', ')}` }),
});

/** The agent id of PUT /agents/{id}. "me" is the caller's own path (/agents/me/presence), never an agent's id. */
export function parseAgentId(id: string | undefined): string {
  const result = agentId.refine((v) => v !== 'me', '"me" is reserved for the caller\'s own routes').safeParse(id);
  if (!result.success) throw problems.badRequest('The agent id in the path is not valid.', fieldErrors(result.error.issues, 'id'));
  return result.data;
}

export function parseAgentProfile(agentIdFromPath: string, body: string | undefined): AgentProfile {
  const data = parseJsonRequest(body, agentProfileRequest, '{"team": "support", "skills": ["language:en"], "capacity": 5}', 'The agent profile is not valid.');
  if (data.supervisorId === agentIdFromPath) {
    throw problems.badRequest('The agent profile is not valid.', [{ field: 'supervisorId', message: 'an agent cannot be their own supervisor' }]);
  }
  return {
    agentId: agentIdFromPath,
    ...(data.name !== undefined ? { name: data.name } : {}),
    team: data.team,
    skills: distinctSorted(data.skills),
    capacity: data.capacity,
    ...(data.supervisorId !== undefined ? { supervisorId: data.supervisorId } : {}),
  };
}

export function parsePresence(body: string | undefined): Presence {
  return parseJsonRequest(body, presenceRequest, '{"presence": "online"}', 'The presence is not valid.').presence;
}

export { etagOf, parseIfMatch } from '../http/conditional';

/** 412: the agent changed since the caller read it (or does not exist), so their edit would undo someone else's. */
export function agentChanged(agentIdValue: string, current: Agent | undefined): HttpProblem {
  return current
    ? new HttpProblem(
        412,
        'precondition-failed',
        'The agent has changed',
        `Agent ${agentIdValue} is now at version ${current.version}. Read it again (GET /agents), reapply your change and send If-Match: ${etagOf(current)}.`,
        { currentVersion: current.version },
        { etag: etagOf(current) },
      )
    : new HttpProblem(412, 'precondition-failed', 'The agent does not exist', `There is no agent ${agentIdValue} yet. Send the request without If-Match to create it.`);
}

export const noProfile = (agentIdValue: string): HttpProblem =>
  problems.notFound(`You (${agentIdValue}) have no agent profile yet. An admin must add you with PUT /agents/${agentIdValue} before you can go online.`);

/** An agent as the API shows it: the profile, presence, and load against capacity (not which tickets: GET /tickets?assignee=… lists those). */
export function agentView(agent: Agent) {
  return {
    agentId: agent.agentId,
    ...(agent.name !== undefined ? { name: agent.name } : {}),
    team: agent.team,
    skills: [...agent.skills],
    capacity: agent.capacity,
    load: loadOf(agent),
    freeCapacity: freeCapacityOf(agent),
    presence: agent.presence,
    ...(agent.supervisorId !== undefined ? { supervisorId: agent.supervisorId } : {}),
    ...(agent.lastAssignedAt !== undefined ? { lastAssignedAt: agent.lastAssignedAt } : {}),
    ...(agent.csat ? { csat: agent.csat } : {}),
    version: agent.version,
    updatedAt: agent.updatedAt,
  };
}
export type AgentView = ReturnType<typeof agentView>;

/** An agent as the API answers (agentView): the OpenAPI document's schema, checked against real answers in tests. */
export const agentViewSchema = z.object({
  agentId: z.string(),
  name: z.string().optional(),
  team: z.string(),
  skills: z.array(z.string()),
  capacity: z.number().int(),
  load: z.number().int().describe('Open tickets the agent holds now.'),
  freeCapacity: z.number().int().describe('Tickets the agent could take now, presence aside.'),
  presence: z.enum(presences),
  supervisorId: z.string().optional(),
  lastAssignedAt: z.string().optional(),
  csat: z
    .object({ count: z.number().int(), average: z.number(), scores: z.record(z.enum(['1', '2', '3', '4', '5']), z.number().int()) })
    .optional()
    .describe('Satisfaction scores of the tickets they solved.'),
  version: z.number().int().describe('Moves on every change: the ETag, and what If-Match names.'),
  updatedAt: z.string(),
});
export const rosterResponse = z.object({ agents: z.array(agentViewSchema) });

export const rosterView = (agents: readonly Agent[]): AgentView[] => [...agents].sort((a, b) => byCodeUnit(a.agentId, b.agentId)).map(agentView);
