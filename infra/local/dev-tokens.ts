import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { type UserGroup, userGroups } from '../topology';

/**
 * Local sign-in: tokens with the claims a Cognito user-pool token carries (`sub`, `email`,
 * `cognito:groups`), signed with a key kept under the local data folder, so `npm run token` and
 * `npm start` agree without any setup.
 */

const ISSUER = 'switchboard-local';

export function signingKey(dataDir: string): Uint8Array {
  const file = join(dataDir, 'dev-signing-key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export async function issueDevToken(key: Uint8Array, who: { sub: string; role: UserGroup; email?: string }, ttl = '12h'): Promise<string> {
  return new SignJWT({ email: who.email ?? `${who.sub}@example.com`, 'cognito:groups': [who.role], token_use: 'id' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(who.sub)
    .setIssuer(ISSUER)
    .setAudience(ISSUER)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(key);
}

/** The claims API Gateway's JWT authorizer would pass on, or undefined if the token is not valid. */
export async function verifyDevToken(key: Uint8Array, token: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: ISSUER, algorithms: ['HS256'] });
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function isUserGroup(value: string): value is UserGroup {
  return (userGroups as readonly string[]).includes(value);
}
