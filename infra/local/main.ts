import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../../shared/config';
import { repoRoot } from '../constructs/function';
import { localDataDir } from './data-dir';
import { startLocal } from './runtime';

/** `npm start`: Switchboard on http://127.0.0.1:3000 (PORT overrides), data under .switchboard/ (SWITCHBOARD_DATA_DIR overrides). */
async function main() {
  const { values } = parseArgs({
    options: {
      fresh: { type: 'boolean', default: false },
      config: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('npm start [-- --fresh] [-- --config FILE]\n  --fresh        start with no tickets\n  --config FILE  a JSON config (or a cdk.json); default: cdk.json, or SWITCHBOARD_CONFIG');
    return;
  }
  const configPath = values.config ?? process.env.SWITCHBOARD_CONFIG ?? join(repoRoot, 'cdk.json');
  const config = loadConfigFile(configPath);
  const port = process.env.PORT ? Number(process.env.PORT) : 3000;
  const dataDir = localDataDir();
  const local = await startLocal({ config, dataDir, fresh: values.fresh, port });
  console.log(banner(local.url, configPath, dataDir));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await local.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function banner(url: string, configPath: string, dataDir: string): string {
  return `
Switchboard is running locally at ${url}   (config: ${configPath}, data: ${dataDir.startsWith(repoRoot) ? `${relative(repoRoot, dataDir)}/` : dataDir})

Send a signed test message on the web channel (secret: local-web-secret):

  BODY='{"messageId":"demo-'"$(date +%s)"'","customer":{"email":"ana@example.com","name":"Ana"},"text":"My parcel is late"}'
  TS=$(date +%s)
  SIG=$(printf '%s' "$TS.$BODY" | openssl dgst -sha256 -hmac local-web-secret | sed 's/^.* //')
  curl -sS ${url}/webhooks/web -H 'content-type: application/json' \\
    -H "x-switchboard-timestamp: $TS" -H "x-switchboard-signature: sha256=$SIG" -d "$BODY"

Then look at the tickets as an agent, and answer one:

  TOKEN=$(npm run -s token -- --role agent --sub alice)
  curl -sS ${url}/tickets -H "Authorization: Bearer $TOKEN"
  curl -sS ${url}/tickets/<ticketId>/replies -H "Authorization: Bearer $TOKEN" \\
    -H 'content-type: application/json' -d '{"text":"A new one is on its way."}'

Each message is triaged (urgency, sentiment, category; an offline analyzer stands in for Comprehend),
and the ticket workflow assigns it to an agent and watches its SLA deadlines. The agents:

  curl -sS ${url}/agents -H "Authorization: Bearer $TOKEN"

For a warning, a breach and an escalation within seconds: npm start -- --config examples/fast-sla.json

Every channel takes its provider's own payloads at ${url}/webhooks/<channel>
(sms, whatsapp, wechat, telegram, email, voice, web), signed with local-<channel>-secret.
Replies are not sent anywhere: what would have gone to the providers is at ${url}/dev/outbox

Events published so far: ${url}/dev/events   Health: ${url}/health   Stop: Ctrl-C
`;
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
