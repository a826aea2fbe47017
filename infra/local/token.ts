import { parseArgs } from 'node:util';
import { userGroups } from '../topology';
import { issueDevToken, isUserGroup, signingKey } from './dev-tokens';
import { localDataDir } from './data-dir';

/** `npm run token -- --role agent --sub alice`: a local sign-in token, alone on stdout. */
async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', default: 'agent' },
      sub: { type: 'string', default: 'dev' },
      email: { type: 'string' },
    },
  });
  if (!isUserGroup(values.role)) {
    console.error(`--role must be one of: ${userGroups.join(', ')}`);
    process.exit(2);
  }
  const key = signingKey(localDataDir());
  process.stdout.write(`${await issueDevToken(key, { sub: values.sub, role: values.role, ...(values.email ? { email: values.email } : {}) })}\n`);
}

void main();
