import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { env } from '../infra/topology';

/**
 * A channel's shared secret: `SWITCHBOARD_<CHANNEL>_SECRET` when set (local mode), otherwise the
 * channel's Secrets Manager secret, cached for five minutes so a rotated value is picked up.
 */
export async function channelSecret(channel: string): Promise<string> {
  const local = process.env[`SWITCHBOARD_${channel.toUpperCase().replace(/-/g, '_')}_SECRET`];
  if (local) return local;
  const arns = JSON.parse(process.env[env.channelSecretArns] ?? '{}') as Record<string, string>;
  const arn = arns[channel];
  if (!arn) throw new Error(`no secret is configured for channel ${channel}`);
  const value = await getSecret(arn, { maxAge: 300 });
  if (typeof value !== 'string' || value.length === 0) throw new Error(`the secret for channel ${channel} is empty`);
  return value;
}
