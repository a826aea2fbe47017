import type { AgentSeed } from '../config';
import type { Agent, AgentChange, AgentProfile, Presence } from './agent';

/** What routing and the agents API need from storage. */
export interface AgentStore {
  /** The whole roster (an index read: a change of the last moment may be missing). */
  listAgents(): Promise<Agent[]>;
  getAgent(agentId: string): Promise<Agent | undefined>;
  /**
   * Creates the agent (offline, holding nothing) or replaces its profile, keeping its presence and
   * tickets. With `expectedVersion`, only if the agent exists at that version: undefined otherwise.
   */
  upsertAgent(profile: AgentProfile, at: string, expectedVersion?: number): Promise<AgentChange | undefined>;
  /** Undefined when there is no such agent. */
  setPresence(agentId: string, presence: Presence, at: string): Promise<AgentChange | undefined>;
  /**
   * Gives the ticket to the agent if they can take it now (online, the skills, room for it), in one
   * conditional write, so concurrent claims never overfill an agent. Claiming a ticket the agent
   * already holds succeeds again. The agent after the claim, or undefined if they cannot take it.
   */
  claim(agentId: string, ticketId: string, required: readonly string[], at: string): Promise<Agent | undefined>;
  /**
   * Gives the ticket to the agent whatever their presence, skills or load: a supervisor's (or the
   * agent's own) decision. Idempotent. Undefined when there is no such agent.
   */
  hold(agentId: string, ticketId: string, at: string): Promise<Agent | undefined>;
  /** Frees the ticket's place; idempotent. The agent after it, or undefined when there is no such agent. */
  release(agentId: string, ticketId: string, at: string): Promise<Agent | undefined>;
  /** Creates the agents that do not exist yet (local mode's sample roster); returns those it created. */
  seed(agents: readonly AgentSeed[], at: string): Promise<Agent[]>;
}
