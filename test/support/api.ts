import { issueDevToken } from '../../infra/local/dev-tokens';
import type { LocalSwitchboard } from '../../infra/local/runtime';
import type { UserGroup } from '../../infra/topology';

/**
 * Agents the workspace tests work with: alice takes English billing and delivery tickets, bob is a
 * billing agent who is offline (so nothing is routed to him unasked), lin is the supervisor.
 */
export const workspaceRoster = [
      { agentId: 'alice', name: 'Alice', team: 'support', skills: ['language:en', 'category:delivery', 'category:billing', 'category:general'], capacity: 50, presence: 'online' },
      { agentId: 'bob', name: 'Bob', team: 'support', skills: ['language:en', 'category:billing'], capacity: 50, presence: 'offline' },
      { agentId: 'lin', name: 'Lin', team: 'support', skills: ['queue:escalation'], capacity: 5, presence: 'online' },
] as const;

/** The answer of an API call as tests read it: status, headers, and the body parsed when it is JSON. */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests' own view of a JSON answer
  readonly body: any;
}

/**
 * Signs in the named people (dev tokens, as `npm run token` makes them) and returns a caller of
 * local mode's HTTP API as any of them, or as `nobody` (no token).
 */
export async function apiAs<Who extends string>(local: LocalSwitchboard, people: readonly (readonly [Who, UserGroup])[]) {
  const tokens = new Map<string, string>();
  for (const [sub, role] of people) tokens.set(sub, await issueDevToken(local.signingKey, { sub, role }));
  return async function call(who: Who | 'nobody', method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    const res = await fetch(`${local.url}${path}`, {
      method,
      headers: {
        ...(who === 'nobody' ? {} : { authorization: `Bearer ${tokens.get(who)}` }),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: Object.fromEntries(res.headers), body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text || undefined };
  };
}
