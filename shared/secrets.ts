import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { env } from '../infra/topology';
import type { ChannelSecrets } from './channels/channel';

/**
 * A channel's credentials, the fields it declares: from `SWITCHBOARD_<CHANNEL>_SECRET` when set
 * (local mode), otherwise from the channel's Secrets Manager secret, cached for five minutes so a
 * rotated value is picked up. The value is a JSON object with those fields; a plain string stands
 * for every field (local mode's `local-<channel>-secret`).
 */
export async function channelSecrets(channel: string, fields: readonly string[]): Promise<ChannelSecrets> {
  const local = process.env[`SWITCHBOARD_${channel.toUpperCase().replace(/-/g, '_')}_SECRET`];
  const raw = local || (await storedSecret(channel));
  return secretFieldsOf(channel, raw, fields);
}

async function storedSecret(channel: string): Promise<string> {
  const arns = JSON.parse(process.env[env.channelSecretArns] ?? '{}') as Record<string, string>;
  const arn = arns[channel];
  if (!arn) throw new Error(`no secret is configured for channel ${channel}`);
  const value = await getSecret(arn, { maxAge: 300 });
  if (typeof value !== 'string' || value.length === 0) throw new Error(`the secret for channel ${channel} is empty`);
  return value;
}

/** The declared fields of a secret value; never echoes the value in an error. */
export function secretFieldsOf(channel: string, raw: string, fields: readonly string[]): ChannelSecrets {
  if (!raw.trimStart().startsWith('{')) return Object.fromEntries(fields.map((f) => [f, raw]));
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`the secret for channel ${channel} starts with "{" but is not valid JSON`);
  }
  const record = parsed as Record<string, unknown>;
  const missing = fields.filter((f) => typeof record[f] !== 'string' || (record[f] as string).length === 0);
  if (missing.length > 0) throw new Error(`the secret for channel ${channel} lacks the field(s) ${missing.join(', ')}`);
  return Object.fromEntries(fields.map((f) => [f, record[f] as string]));
}
