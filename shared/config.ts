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

export const channelNames = ['web', 'sms', 'whatsapp', 'wechat', 'telegram', 'email', 'voice'] as const;
export type ChannelName = (typeof channelNames)[number];

const enabled = { enabled: z.boolean().default(true) };
/** A URL the provider is told to call, when it differs from what the request shows (a custom domain, a proxy). */
const webhookUrl = z.url({ protocol: /^https?$/ }).nullable().default(null);

/** Per-channel settings; each channel's secret holds its credentials (README: Channels). */
const channelsSchema = z
  .object({
    web: z.object(enabled).strict().prefault({}),
    sms: z
      .object({
        ...enabled,
        /** Sender of replies: an E.164 number, `whatsapp:+…` for WhatsApp via Twilio, or a Messaging Service SID (MG…). */
        from: z.string().regex(/^(\+[1-9]\d{6,14}|whatsapp:\+[1-9]\d{6,14}|MG[0-9a-f]{32})$/, 'must be an E.164 number, whatsapp:+<E.164>, or a Messaging Service SID').nullable().default(null),
        /** The exact URL configured in the Twilio console, which Twilio signs; defaults to the URL the request arrived at. */
        webhookUrl,
      })
      .strict()
      .prefault({}),
    whatsapp: z
      .object({
        ...enabled,
        /** The WhatsApp Business phone number id replies are sent from; defaults to the one the customer wrote to. */
        phoneNumberId: z.string().regex(/^\d{1,32}$/).nullable().default(null),
        graphApiVersion: z.string().regex(/^v\d+\.\d+$/).default('v21.0'),
      })
      .strict()
      .prefault({}),
    wechat: z.object(enabled).strict().prefault({}),
    telegram: z.object(enabled).strict().prefault({}),
    email: z
      .object({
        ...enabled,
        /** Sender of replies, an address or domain verified in SES; null sends no email replies. */
        from: z.email().nullable().default(null),
        /** Addresses or domains SES receives for (the receipt rule's recipients); empty creates no receipt rule. */
        recipients: z.array(z.string().min(3).max(254)).max(100).default([]),
      })
      .strict()
      .prefault({}),
    voice: z
      .object({
        ...enabled,
        /** The Amazon Connect instance allowed to invoke the voice function; null leaves the grant to `aws connect associate-lambda-function`. */
        connectInstanceArn: z.string().regex(/^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]{36}$/).nullable().default(null),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

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
    channels: channelsSchema,
    delivery: z
      .object({
        /** Attempts at sending one reply (with backoff between them) before it is dead-lettered and shown as failed. */
        maxAttempts: z.number().int().min(1).max(20).default(5),
      })
      .prefault({}),
    notifications: z
      .object({
        /** Ticket statuses the customer is told about on their channel. */
        on: z.array(z.enum(['open', 'pending', 'solved', 'closed'])).default(['solved']),
        /** What they are told; `{ticketId}` and `{status}` are filled in. */
        templates: z
          .partialRecord(z.enum(['open', 'pending', 'solved', 'closed']), z.string().min(1).max(1000))
          .default({ solved: 'Your request {ticketId} has been solved. Reply to this message if you need anything else.' }),
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

/** A channel's section of the config (`channels.<name>`), if it names a channel and that channel is enabled. */
export function enabledChannelSettings(config: SwitchboardConfig, name: string): ({ enabled: true } & Readonly<Record<string, unknown>>) | undefined {
  const settings = Object.hasOwn(config.channels, name) ? (config.channels as Record<string, { enabled: boolean }>)[name] : undefined;
  return settings?.enabled ? (settings as { enabled: true } & Record<string, unknown>) : undefined;
}

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
