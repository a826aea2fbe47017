import { readFileSync } from 'node:fs';
import { parse as parseDuration } from 'tinyduration';
import * as z from 'zod';

/**
 * The one configuration of a Switchboard deployment. The CDK app and local mode both read it from
 * the `switchboard` key of cdk.json's context (or from a JSON file given with --config /
 * SWITCHBOARD_CONFIG), and both validate it with this schema.
 */

const isoDuration = z.string().refine((value) => {
  try {
    return durationToMs(value) > 0;
  } catch {
    return false;
  }
}, 'must be a positive ISO-8601 duration such as PT24H or P1D (no years or months)');

export const channelNames = ['web'] as const;
export type ChannelName = (typeof channelNames)[number];

export const configSchema = z
  .object({
    /** Used in resource descriptions and the dashboard title. */
    name: z.string().min(1).max(64).default('Switchboard'),
    /** A message after a solved ticket within this window reopens it; later ones start a new ticket. */
    mergeWindow: isoDuration.default('PT24H'),
    /** Region assumed for phone numbers written without a country code (ISO 3166-1 alpha-2). */
    defaultPhoneRegion: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US').default('US'),
    webhook: z
      .object({
        maxBodyBytes: z.number().int().min(1024).max(262_144).default(131_072),
        maxClockSkewSeconds: z.number().int().min(30).max(3600).default(300),
      })
      .prefault({}),
    channels: z
      .object({
        web: z.object({ enabled: z.boolean().default(true) }).prefault({}),
      })
      .prefault({}),
    ingest: z
      .object({
        /** Deliveries of one queued message before it is moved to the dead-letter queue. */
        maxReceiveCount: z.number().int().min(1).max(50).default(5),
        batchSize: z.number().int().min(1).max(10).default(10),
      })
      .prefault({}),
    alarms: z
      .object({
        /** Where alarm notifications are e-mailed; null leaves the SNS topic without subscribers. */
        email: z.email().nullable().default(null),
      })
      .prefault({}),
    eventArchiveRetentionDays: z.number().int().min(0).max(3650).default(30),
    logRetentionDays: z.number().int().min(1).max(3653).default(30),
  })
  .strict();

export type SwitchboardConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function parseConfig(input: unknown, source = 'config'): SwitchboardConfig {
  const result = configSchema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid Switchboard ${source}:\n${issues}`);
  }
  return result.data;
}

/** Reads the config from a JSON file: either a plain config object or a cdk.json with it in context. */
export function loadConfigFile(path: string): SwitchboardConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read Switchboard config ${path}: ${(error as Error).message}`);
  }
  const fromContext = (json as { context?: { switchboard?: unknown } })?.context?.switchboard;
  return parseConfig(fromContext ?? json, path);
}

/** Milliseconds in an ISO-8601 duration made of weeks, days, hours, minutes and seconds. */
export function durationToMs(iso: string): number {
  const d = parseDuration(iso);
  if (d.years || d.months) throw new Error('years and months have no fixed length');
  const seconds = (d.weeks ?? 0) * 604_800 + (d.days ?? 0) * 86_400 + (d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0);
  return Math.round(seconds * 1000) * (d.negative ? -1 : 1);
}
