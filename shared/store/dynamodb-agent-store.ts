import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentSeed } from '../config';
import { agentCsatOf, withoutAgentCsat } from '../csat/csat';
import type { Agent, AgentChange, AgentProfile, Presence } from '../routing/agent';
import type { AgentStore } from '../routing/ports';
import { distinctSorted } from '../routing/skills';
import { queryAll, unlessConditionFails } from './dynamodb-client';
import { keys, stripStorage } from './keys';

/**
 * Agents, one item each (`AGENT#<id>` / `AGENT`), all children of `AGENTS` on the byParent index so
 * the roster is one Query. `activeTickets` is a String Set: adding or removing one ticket is then a
 * single idempotent ADD or DELETE, which a list cannot do by value. DynamoDB stores no empty set,
 * so an agent holding nothing has no attribute.
 */

/** Every attribute an expression names: several (name, capacity, …) are reserved words. */
const names = {
  '#agentId': 'agentId',
  '#name': 'name',
  '#team': 'team',
  '#skills': 'skills',
  '#capacity': 'capacity',
  '#presence': 'presence',
  '#supervisorId': 'supervisorId',
  '#activeTickets': 'activeTickets',
  '#lastAssignedAt': 'lastAssignedAt',
  '#version': 'version',
  '#updatedAt': 'updatedAt',
  '#parentKey': 'parentKey',
  '#childKey': 'childKey',
} as const;
type Name = keyof typeof names;
/** Only the names an expression uses: DynamoDB rejects unused ones. */
/** Taking a ticket: into the agent's set, and the agent's last assignment. */
const TAKE = 'ADD #activeTickets :ticketSet SET #lastAssignedAt = :at, #updatedAt = :at, #version = #version + :one';

const namesIn = (...expressions: string[]) => Object.fromEntries((Object.keys(names) as Name[]).filter((n) => expressions.some((e) => new RegExp(`${n}\\b`).test(e))).map((n) => [n, names[n]]));

export class DynamoDbAgentStore implements AgentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async listAgents(): Promise<Agent[]> {
    const items = await queryAll(this.db, { TableName: this.table, IndexName: 'byParent', KeyConditionExpression: 'parentKey = :parent', ExpressionAttributeValues: { ':parent': keys.agentsParent } });
    return items.map(toAgent);
  }

  async getAgent(agentId: string): Promise<Agent | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.agent(agentId), ConsistentRead: true }));
    return out.Item && toAgent(out.Item);
  }

  async upsertAgent(profile: AgentProfile, at: string, expectedVersion?: number): Promise<AgentChange | undefined> {
    const skills = distinctSorted(profile.skills);
    const optional = { '#name': profile.name, '#supervisorId': profile.supervisorId } as const;
    const sets = [
      '#parentKey = :parent',
      '#childKey = :child',
      '#agentId = :agentId',
      '#team = :team',
      '#skills = :skills',
      '#capacity = :capacity',
      '#presence = if_not_exists(#presence, :offline)',
      '#version = if_not_exists(#version, :zero) + :one',
      '#updatedAt = :at',
      ...(profile.name !== undefined ? ['#name = :name'] : []),
      ...(profile.supervisorId !== undefined ? ['#supervisorId = :supervisorId'] : []),
    ];
    // A PUT replaces the profile: a field left out is cleared.
    const removes = (Object.keys(optional) as (keyof typeof optional)[]).filter((n) => optional[n] === undefined);
    const update = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
    const condition = expectedVersion === undefined ? undefined : '#version = :expected';
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.agent(profile.agentId),
          UpdateExpression: update,
          ...(condition ? { ConditionExpression: condition } : {}),
          ExpressionAttributeNames: namesIn(update, condition ?? ''),
          ExpressionAttributeValues: {
            ':parent': keys.agentsParent,
            ':child': keys.agentChild(profile.agentId),
            ':agentId': profile.agentId,
            ':team': profile.team,
            ':skills': skills,
            ':capacity': profile.capacity,
            ':offline': 'offline',
            ':zero': 0,
            ':one': 1,
            ':at': at,
            ...(profile.name !== undefined ? { ':name': profile.name } : {}),
            ...(profile.supervisorId !== undefined ? { ':supervisorId': profile.supervisorId } : {}),
            ...(expectedVersion !== undefined ? { ':expected': expectedVersion } : {}),
          },
          // The old item: with it, the new one follows exactly from this write, so both come from one request.
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!out) return undefined;
    const before = out.Attributes && toAgent(out.Attributes);
    const after: Agent = {
      agentId: profile.agentId,
      ...(profile.name !== undefined ? { name: profile.name } : {}),
      team: profile.team,
      skills,
      capacity: profile.capacity,
      presence: before?.presence ?? 'offline',
      ...(profile.supervisorId !== undefined ? { supervisorId: profile.supervisorId } : {}),
      activeTickets: before?.activeTickets ?? [],
      ...(before?.lastAssignedAt !== undefined ? { lastAssignedAt: before.lastAssignedAt } : {}),
      version: (before?.version ?? 0) + 1,
      updatedAt: at,
    };
    return { ...(before ? { before } : {}), after };
  }

  async setPresence(agentId: string, presence: Presence, at: string): Promise<AgentChange | undefined> {
    const update = 'SET #presence = :presence, #updatedAt = :at, #version = #version + :one';
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.agent(agentId),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: namesIn(update),
          ExpressionAttributeValues: { ':presence': presence, ':at': at, ':one': 1 },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!out?.Attributes) return undefined;
    const before = toAgent(out.Attributes);
    return { before, after: { ...before, presence, updatedAt: at, version: before.version + 1 } };
  }

  async claim(agentId: string, ticketId: string, required: readonly string[], at: string): Promise<Agent | undefined> {
    const skills = distinctSorted(required);
    // The whole of isEligible as one condition (plus "already holds it", for retries): checked and
    // applied atomically, so however many claims race, an agent never holds more than its capacity.
    const condition = [
      'attribute_exists(pk)',
      '#presence = :online',
      ...skills.map((_, i) => `contains(#skills, :skill${i})`),
      '(contains(#activeTickets, :ticket) OR (attribute_not_exists(#activeTickets) AND #capacity > :zero) OR size(#activeTickets) < #capacity)',
    ].join(' AND ');
    return this.updateTickets(agentId, ticketId, at, TAKE, condition, { ':online': 'online', ':zero': 0, ...Object.fromEntries(skills.map((s, i) => [`:skill${i}`, s])) });
  }

  hold(agentId: string, ticketId: string, at: string): Promise<Agent | undefined> {
    return this.updateTickets(agentId, ticketId, at, TAKE, 'attribute_exists(pk)');
  }

  async release(agentId: string, ticketId: string, at: string): Promise<Agent | undefined> {
    // Only when it holds the ticket: a repeated release changes nothing, not even the version,
    // so an event derived from the result (agent:<id>:v<n>) is the same on a retry.
    const released = await this.updateTickets(agentId, ticketId, at, 'DELETE #activeTickets :ticketSet SET #updatedAt = :at, #version = #version + :one', 'attribute_exists(pk) AND contains(#activeTickets, :ticket)');
    return released ?? this.getAgent(agentId);
  }

  /** One conditional update of the agent's set of tickets; undefined when its condition does not hold. */
  private async updateTickets(agentId: string, ticketId: string, at: string, update: string, condition: string, values: Record<string, unknown> = {}): Promise<Agent | undefined> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.agent(agentId),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: namesIn(update, condition),
          ExpressionAttributeValues: {
            ':ticketSet': new Set([ticketId]),
            ':at': at,
            ':one': 1,
            ...(condition.includes(':ticket') ? { ':ticket': ticketId } : {}),
            ...values,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out?.Attributes && toAgent(out.Attributes);
  }

  async seed(agents: readonly AgentSeed[], at: string): Promise<Agent[]> {
    const created: Agent[] = [];
    for (const seed of agents) {
      const agent: Agent = {
        agentId: seed.agentId,
        ...(seed.name !== undefined ? { name: seed.name } : {}),
        team: seed.team,
        skills: distinctSorted(seed.skills),
        capacity: seed.capacity,
        presence: seed.presence,
        ...(seed.supervisorId !== undefined ? { supervisorId: seed.supervisorId } : {}),
        activeTickets: [],
        version: 1,
        updatedAt: at,
      };
      const { activeTickets: _none, ...stored } = agent;
      const put = await unlessConditionFails(
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.agent(agent.agentId), parentKey: keys.agentsParent, childKey: keys.agentChild(agent.agentId), ...stored },
            // An agent already there keeps its profile, presence and tickets: seeding never resets.
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (put) created.push(agent);
    }
    return created;
  }
}

/** The stored item as an Agent: storage keys dropped, the ticket set as a sorted array, satisfaction counters summed up. */
function toAgent(item: Record<string, unknown>): Agent {
  const { activeTickets, ...rest } = stripStorage<Omit<Agent, 'activeTickets'> & { activeTickets?: Iterable<string> }>(withoutAgentCsat(item));
  const csat = agentCsatOf(item);
  return { ...rest, activeTickets: distinctSorted(activeTickets ?? []), ...(csat ? { csat } : {}) };
}
