import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { UserGroup } from '../../infra/topology';
import { problems } from './problem';

export interface Caller {
  readonly sub: string;
  readonly email?: string;
  readonly groups: readonly UserGroup[];
}

/**
 * The signed-in caller, from the claims API Gateway's JWT authorizer verified (local mode verifies
 * dev tokens the same way and passes the same claims).
 */
export function callerOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims ?? {};
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  if (!sub) throw problems.unauthorized('Sign in and send the token as "Authorization: Bearer <token>".');
  return { sub, ...(typeof claims.email === 'string' ? { email: claims.email } : {}), groups: groupsOf(claims['cognito:groups']) };
}

/** API Gateway passes array claims as "[a b]" strings; local mode may pass real arrays. */
function groupsOf(value: unknown): UserGroup[] {
  const list = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.replace(/^\[|\]$/g, '').split(/[\s,]+/) : [];
  return list.filter((g): g is UserGroup => g === 'agent' || g === 'supervisor' || g === 'admin');
}

export function requireGroup(caller: Caller, allowed: readonly UserGroup[]): void {
  if (!caller.groups.some((g) => allowed.includes(g))) {
    throw problems.forbidden(`This needs one of the groups: ${allowed.join(', ')}.`);
  }
}
