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

/** Priorities, lowest first; a ticket's urgency from triage becomes its priority. */
export const priorities = ['low', 'normal', 'high', 'critical'] as const;
export type Priority = (typeof priorities)[number];
const priority = z.enum(priorities);

/** Words or phrases, matched case-insensitively: whole words for Latin script, substrings for Chinese. */
const phrases = z.array(z.string().trim().min(1).max(100)).min(1).max(200);
const dayHours = z.array(z.tuple([z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/)])).max(4);
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const triageSchema = z
  .object({
    /** `comprehend` deployed; local mode and tests always use the offline analyzer. */
    analyzer: z.enum(['comprehend', 'offline']).default('comprehend'),
    /** Language assumed when a text is too short to detect (ISO 639-1). */
    defaultLanguage: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/).default('en'),
    /**
     * Messages the triage function takes at once, gathered for up to the batching window: fuller
     * batches mean fewer Comprehend calls (25 documents of one language per call), at the cost of
     * up to the window's wait before a quiet period's message is triaged.
     */
    batchSize: z.number().int().min(1).max(100).default(100),
    maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(2),
    maxReceiveCount: z.number().int().min(1).max(50).default(5),
    /** Negative-sentiment scores from which a message is high or critical on its own; positive from which it is low. */
    sentiment: z
      .object({
        high: z.number().min(0).max(1).default(0.6),
        critical: z.number().min(0).max(1).default(0.9),
        low: z.number().min(0).max(1).default(0.8),
      })
      .strict()
      .prefault({}),
    /** Channels where customers write in public (social media): a negative message there is tagged risk:public and raised one level. */
    publicChannels: z.array(z.string().min(1)).default([]),
    /** Urgency levels added by the customer's tier, e.g. { "vip": 1 }. */
    tiers: z.record(z.string().min(1).max(40), z.number().int().min(0).max(3)).default({ vip: 1 }),
    /** This many customer messages on a ticket within `within` raises its urgency one level. */
    repeatContacts: z.object({ count: z.number().int().min(2).max(100).default(3), within: isoDuration.default('PT24H') }).strict().prefault({}),
    /** Phrases that set a minimum urgency, e.g. lawyer / 投诉. */
    keywords: z
      .array(z.object({ phrases, urgency: priority }).strict())
      .default([
        { phrases: ['lawyer', 'legal action', 'sue', 'chargeback', 'regulator', '律师', '起诉', '投诉', '曝光', '12315', '消协'], urgency: 'critical' },
        { phrases: ['urgent', 'asap', 'immediately', 'emergency', '紧急', '马上', '立刻', '尽快'], urgency: 'high' },
      ]),
    /** The first category whose phrases match most names the ticket's category. */
    categories: z
      .array(z.object({ name: z.string().regex(/^[a-z0-9-]{1,40}$/), phrases }).strict())
      .default([
        { name: 'billing', phrases: ['refund', 'invoice', 'charged', 'payment', 'bill', 'price', '退款', '发票', '扣费', '付款', '账单', '收费'] },
        { name: 'delivery', phrases: ['parcel', 'package', 'delivery', 'shipping', 'tracking', 'courier', 'late', '快递', '包裹', '物流', '发货', '配送', '没收到'] },
        { name: 'account', phrases: ['password', 'login', 'log in', 'account', 'sign in', '密码', '登录', '账号', '账户'] },
        { name: 'technical', phrases: ['error', 'crash', 'bug', 'not working', 'broken', '报错', '闪退', '故障', '坏了', '无法使用'] },
      ]),
    /** The category of a ticket no rule matches. */
    defaultCategory: z.string().regex(/^[a-z0-9-]{1,40}$/).default('general'),
  })
  .strict()
  .refine((t) => t.batchSize <= 10 || t.maxBatchingWindowSeconds >= 1, {
    path: ['maxBatchingWindowSeconds'],
    message: 'must be at least 1 when batchSize is over 10 (Lambda gathers larger batches only within a window)',
  })
  .prefault({});

const agentSeed = z
  .object({
    agentId: z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/),
    name: z.string().min(1).max(100).optional(),
    team: z.string().min(1).max(64).default('support'),
    skills: z.array(z.string().regex(/^[a-z]+:[A-Za-z0-9_-]+$/)).max(50).default([]),
    capacity: z.number().int().min(0).max(100).default(5),
    presence: z.enum(['online', 'away', 'offline']).default('offline'),
    supervisorId: z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/).optional(),
  })
  .strict();

const routingSchema = z
  .object({
    /** What a ticket requires of its agent: `language:<code>`, `category:<name>` (not for the default category), `channel:<name>`. */
    requireSkills: z.array(z.enum(['language', 'category', 'channel'])).default(['language', 'category']),
    /** The skill that takes tickets escalated to the escalation queue. */
    escalationSkill: z.string().regex(/^[a-z]+:[A-Za-z0-9_-]+$/).default('queue:escalation'),
    /** Agents local mode starts with (deployed, agents are managed with PUT /agents/{id}). */
    sampleAgents: z.array(agentSeed).max(50).default([]),
  })
  .strict()
  .prefault({});

const businessCalendar = z
  .object({
    type: z.literal('business'),
    /** IANA time zone, e.g. Asia/Shanghai. */
    timezone: z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Berlin'),
    hours: z.partialRecord(z.enum(weekdays), dayHours).default({ mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] }),
    /** Whole days off, YYYY-MM-DD in the calendar's time zone. */
    holidays: z.array(z.iso.date()).max(366).default([]),
  })
  .strict()
  .refine((c) => Object.values(c.hours).every((day) => day.every(([from, to]) => from < to)), {
    path: ['hours'],
    message: 'each interval must end after it starts; split a shift over midnight into two days',
  })
  .refine((c) => Object.values(c.hours).some((day) => day.length > 0), { path: ['hours'], message: 'needs working hours on at least one day' });

const slaPolicy = z
  .object({
    priority,
    /** Applies only to this customer tier / channel when given; the most specific matching policy wins. */
    tier: z.string().min(1).max(40).optional(),
    channel: z.string().min(1).optional(),
    firstResponse: isoDuration,
    resolution: isoDuration,
  })
  .strict();

const escalationAction = z.enum(['notify-supervisor', 'raise-priority', 'escalation-queue']);
const customFieldName = z.string().regex(/^[a-z][A-Za-z0-9_]{0,39}$/, 'must be a camelCase name of up to 40 letters, digits and "_"');
const customField = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), label: z.string().min(1).max(80).optional(), maxLength: z.number().int().min(1).max(2000).default(200) }).strict(),
  z.object({ type: z.literal('number'), label: z.string().min(1).max(80).optional(), min: z.number().optional(), max: z.number().optional() }).strict(),
  z.object({ type: z.literal('boolean'), label: z.string().min(1).max(80).optional() }).strict(),
  z.object({ type: z.literal('choice'), label: z.string().min(1).max(80).optional(), values: z.array(z.string().min(1).max(80)).min(1).max(100) }).strict(),
]);

/** What a macro's text may name; any other `{…}` in it is a config error (a typo would reach the customer). */
export const macroPlaceholders = ['customerName', 'ticketId', 'agentName'] as const;
const macroLanguage = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/);
/** A text per language; `en` is required, the fallback for tickets in any other language. */
const localized = (max: number) =>
  z
    .record(z.string(), z.string().trim().min(1).max(max))
    .superRefine((texts, ctx) => {
      for (const language of Object.keys(texts)) {
        if (!macroLanguage.safeParse(language).success) ctx.addIssue({ code: 'custom', path: [language], message: 'must be a language code such as en, zh or zh-TW' });
      }
    })
    .refine((texts) => Object.hasOwn(texts, 'en'), 'needs an en text, used for tickets in languages it has none for');
const macroTag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^\s,]{1,64}$/u, 'must be 1 to 64 characters without spaces or commas');
const macro = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1 to 64 lower-case letters, digits and dashes'),
    title: localized(120),
    /** The reply; `{customerName}`, `{ticketId}` and `{agentName}` are filled in. */
    text: localized(3000).superRefine((texts, ctx) => {
      for (const [language, text] of Object.entries(texts)) {
        for (const [, name] of text.matchAll(/\{([^{}]*)\}/g)) {
          if (!(macroPlaceholders as readonly string[]).includes(name)) {
            ctx.addIssue({ code: 'custom', path: [language], message: `{${name}} is not a placeholder; use ${macroPlaceholders.map((p) => `{${p}}`).join(', ')}` });
          }
        }
      }
    }),
    /** Applied to the ticket with the reply, as PATCH /tickets/{id} would (the lifecycle decides the status). */
    set: z
      .object({
        status: z.enum(['open', 'pending', 'on-hold', 'solved', 'closed']).optional(),
        addTags: z.array(macroTag).max(20).optional(),
        removeTags: z.array(macroTag).max(20).optional(),
      })
      .strict()
      .refine((s) => !(s.addTags ?? []).some((t) => (s.removeTags ?? []).includes(t)), 'a tag cannot be both added and removed')
      .optional(),
  })
  .strict();
export type Macro = z.infer<typeof macro>;

const workspaceSchema = z
  .object({
    /**
     * Which tickets an agent sees: `all` — every ticket, as most help desks start; `assigned` —
     * theirs, the unassigned ones (to pick from) and those they collaborate on (mentioned, or
     * holding a sub-task), any other being a 404. Supervisors and admins see every ticket either way.
     */
    agentsSee: z.enum(['assigned', 'all']).default('all'),
    /** A solved ticket the customer has not reopened closes after this long. */
    closeSolvedAfter: isoDuration.default('P4D'),
    /** Fields of the business's own an agent may set on a ticket (PATCH /tickets/{id} customFields). */
    customFields: z.record(customFieldName, customField).default({}),
    /** Canned replies agents answer with (POST /tickets/{id}/replies {"macroId"}); GET /macros lists them. */
    macros: z
      .array(macro)
      .max(200)
      .refine((list) => new Set(list.map((m) => m.id)).size === list.length, 'macro ids must be unique')
      .default([]),
  })
  .strict()
  .prefault({});
export type CustomFieldDefinition = z.infer<typeof customField>;


const slaSchema = z
  .object({
    policies: z.array(slaPolicy).min(1).max(100).default([
      { priority: 'critical', firstResponse: 'PT15M', resolution: 'PT4H' },
      { priority: 'high', firstResponse: 'PT2H', resolution: 'PT24H' },
      { priority: 'normal', firstResponse: 'PT24H', resolution: 'P3D' },
      { priority: 'low', firstResponse: 'P2D', resolution: 'P7D' },
    ])
      .refine((list) => list.some((p) => !p.tier && !p.channel), 'needs at least one policy without a tier or channel, for the tickets no other policy matches'),
    /** A warning is published when this share of a target has passed. */
    warningAt: z.number().gt(0).lt(1).default(0.75),
    calendar: z.discriminatedUnion('type', [z.object({ type: z.literal('calendar') }).strict(), businessCalendar]).default({ type: 'calendar' }),
    /** Escalation levels, in order; each applies `after` the first breach (calendar time). */
    escalation: z
      .array(z.object({ after: z.union([z.literal('PT0S'), isoDuration]), actions: z.array(escalationAction).min(1) }).strict())
      .max(10)
      .default([
        { after: 'PT0S', actions: ['notify-supervisor', 'raise-priority'] },
        { after: 'PT1H', actions: ['escalation-queue'] },
      ]),
  })
  .strict()
  .prefault({});

/** Customer satisfaction: the request sent when a ticket is solved, and its link. */
const csatSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** How long the request's link (and a reply with just a score) is accepted. */
    tokenLifetime: isoDuration.default('P7D'),
    /** Where the link points: `<linkBaseUrl>/csat/<token>`. Null: the API's own URL (deployed, the stack passes it in). */
    linkBaseUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
    /** The request's text by the ticket's language (exact, then its base language, then `en`); `{link}` and `{ticketId}` are filled in. */
    templates: z
      .record(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as en or zh-TW'), z.string().min(1).max(1000))
      .refine((t) => Object.keys(t).length > 0, 'needs at least one template')
      .default({
        en: 'How did we do with request {ticketId}? Reply with a number from 1 (poor) to 5 (great), or rate us here: {link}',
        zh: '您对本次服务（工单 {ticketId}）满意吗？请回复 1（很不满意）到 5（非常满意）之间的数字，或点击链接评分：{link}',
      }),
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
        on: z.array(z.enum(['open', 'pending', 'on-hold', 'solved', 'closed'])).default(['solved']),
        /** What they are told; `{ticketId}` and `{status}` are filled in. */
        templates: z
          .partialRecord(z.enum(['open', 'pending', 'on-hold', 'solved', 'closed']), z.string().min(1).max(1000))
          .default({ solved: 'Your request {ticketId} has been solved. Reply to this message if you need anything else.' }),
      })
      .prefault({}),
    csat: csatSchema,
    ingest: z
      .object({
        /** Deliveries of one queued message before it is moved to the dead-letter queue. */
        maxReceiveCount: z.number().int().min(1).max(50).default(5),
        batchSize: z.number().int().min(1).max(10).default(10),
      })
      .prefault({}),
    triage: triageSchema,
    routing: routingSchema,
    sla: slaSchema,
    workspace: workspaceSchema,
    alarms: z
      .object({
        /** Where alarm notifications are e-mailed; null leaves the SNS topic without subscribers. */
        email: z.email().nullable().default(null),
        /** More new tickets than this in one category within an hour raise the backlog-spike alarm. */
        categoryTicketsPerHour: z.number().int().min(1).max(100_000).default(50),
        /** SLA breaches as a percent of the hour's new tickets that raises the breach-rate alarm. */
        slaBreachRatePercent: z.number().min(0).max(100).default(10),
      })
      .prefault({}),
    eventArchiveRetentionDays: z.number().int().min(0).max(3650).default(30),
    logRetentionDays: z.number().int().min(1).max(3653).default(30),
  })
  .strict();

export type SwitchboardConfig = z.infer<typeof configSchema>;
export type TriageConfig = SwitchboardConfig['triage'];
export type RoutingConfig = SwitchboardConfig['routing'];
export type SlaConfig = SwitchboardConfig['sla'];
export type CsatConfig = SwitchboardConfig['csat'];
export type AgentSeed = z.infer<typeof agentSeed>;
export type BusinessCalendar = z.infer<typeof businessCalendar>;
export type EscalationAction = z.infer<typeof escalationAction>;

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
