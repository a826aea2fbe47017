/**
 * What Switchboard is made of, declared once: functions, HTTP routes, queues and event rules. The
 * CDK stack builds AWS resources from it and local mode wires the same handlers from it, and a
 * test checks that the synthesized template and local mode agree with it.
 */

/** DynamoDB operations a function may send, granted on the table (and its indexes when it queries). */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem';

interface FunctionSpec {
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Exactly the table operations the function's code sends: its IAM grant, nothing more. */
  readonly tableActions?: readonly TableAction[];
}

export const functions = {
  webhook: {
    entry: 'functions/webhook/handler.ts',
    description: 'Verifies channel webhooks, normalizes them and queues the messages for ingest',
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  ingest: {
    entry: 'functions/ingest/handler.ts',
    description: 'Places queued messages on tickets and publishes ticket events',
    timeoutSeconds: 30,
    memoryMb: 512,
    tableActions: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'],
  },
  listTickets: {
    entry: 'functions/list-tickets/handler.ts',
    description: 'GET /tickets',
    timeoutSeconds: 10,
    memoryMb: 512,
    tableActions: ['Query'],
  },
  getTicket: {
    entry: 'functions/get-ticket/handler.ts',
    description: 'GET /tickets/{id}',
    timeoutSeconds: 10,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query'],
  },
} as const satisfies Record<string, FunctionSpec>;
export type FunctionName = keyof typeof functions;

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway syntax: `{name}` for a path parameter. */
  readonly path: string;
  readonly function: FunctionName;
  /** `jwt`: a Cognito access or id token in `Authorization: Bearer`. `none`: the channel signs instead. */
  readonly auth: 'none' | 'jwt';
}

export const routes: readonly RouteSpec[] = [
  { method: 'POST', path: '/webhooks/{channel}', function: 'webhook', auth: 'none' },
  { method: 'GET', path: '/tickets', function: 'listTickets', auth: 'jwt' },
  { method: 'GET', path: '/tickets/{id}', function: 'getTicket', auth: 'jwt' },
];

export interface QueueSpec {
  readonly id: string;
  readonly producer: FunctionName;
  readonly consumer: FunctionName;
  /** Environment variable that carries the queue URL to the producer. */
  readonly urlEnv: string;
}

export const queues: readonly QueueSpec[] = [
  { id: 'ingest', producer: 'webhook', consumer: 'ingest', urlEnv: 'INGEST_QUEUE_URL' },
];

/** A queue's visibility timeout: six times its consumer's timeout, as AWS advises for Lambda sources. */
export const visibilityTimeoutSeconds = (q: QueueSpec) => functions[q.consumer].timeoutSeconds * 6;

export interface EventRuleSpec {
  readonly id: string;
  readonly description: string;
  /** An EventBridge event pattern; local mode matches it with the same semantics for the fields used. */
  readonly pattern: { readonly source?: readonly string[]; readonly 'detail-type'?: readonly string[] };
  readonly target: { readonly type: 'log-group'; readonly name: string };
}

export const eventRules: readonly EventRuleSpec[] = [
  {
    id: 'EventLog',
    description: 'Every Switchboard event into a log group, for ops to search and follow',
    pattern: { source: ['switchboard'] },
    target: { type: 'log-group', name: 'events' },
  },
];

/** Cognito groups; a token's `cognito:groups` claim names the caller's roles. */
export const userGroups = ['agent', 'supervisor', 'admin'] as const;
export type UserGroup = (typeof userGroups)[number];

/** Names of the environment variables the functions read; set by the stack and by local mode. */
export const env = {
  table: 'TABLE_NAME',
  eventBus: 'EVENT_BUS_NAME',
  /** The validated config as JSON, so functions read the very object the stack was built from. */
  config: 'SWITCHBOARD_CONFIG',
  /** JSON map channel → Secrets Manager secret ARN (deployed); locally SWITCHBOARD_<CHANNEL>_SECRET wins. */
  channelSecretArns: 'SWITCHBOARD_CHANNEL_SECRET_ARNS',
} as const;
