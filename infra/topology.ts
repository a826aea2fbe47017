import type { SwitchboardConfig } from '../shared/config';

/**
 * What Switchboard is made of, declared once: functions, HTTP routes, queues and event rules. The
 * CDK stack builds AWS resources from it and local mode wires the same handlers from it, and a
 * test checks that the synthesized template and local mode agree with it.
 */

/** DynamoDB operations a function may send, granted on the table (and its indexes when it queries). */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

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
  email: {
    entry: 'functions/email/handler.ts',
    description: 'Reads mail SES received into S3, normalizes it and queues it for ingest',
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  voice: {
    entry: 'functions/voice/handler.ts',
    description: 'Amazon Connect contact flows: places the call on the caller\'s ticket and answers with it',
    // Connect waits at most 8 s for a contact-flow function.
    timeoutSeconds: 8,
    memoryMb: 512,
    tableActions: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'],
  },
  createReply: {
    entry: 'functions/create-reply/handler.ts',
    description: 'POST /tickets/{id}/replies: records an agent reply and queues it for delivery',
    timeoutSeconds: 10,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
  },
  delivery: {
    entry: 'functions/delivery/handler.ts',
    description: 'Sends replies and notifications on the customer\'s channel, with retries',
    timeoutSeconds: 30,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
  },
  triage: {
    entry: 'functions/triage/handler.ts',
    description: 'Tags tickets with language, sentiment, urgency and category (Amazon Comprehend) as customer messages arrive',
    timeoutSeconds: 30,
    memoryMb: 512,
    tableActions: ['BatchGetItem', 'GetItem', 'Query', 'PutItem', 'UpdateItem'],
  },
  workflow: {
    entry: 'functions/workflow/handler.ts',
    description: "The ticket workflow's tasks: start its SLA clocks, assign it, check its deadlines and escalate",
    timeoutSeconds: 30,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
  routing: {
    entry: 'functions/routing/handler.ts',
    description: 'Frees agents when their tickets are done and gives queued tickets to agents who can take them',
    timeoutSeconds: 30,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
  csat: {
    entry: 'functions/csat/handler.ts',
    description: 'POST /csat/{token}: a customer\'s satisfaction score by the link in their request; GET shows the form',
    timeoutSeconds: 10,
    memoryMb: 512,
    tableActions: ['GetItem', 'PutItem', 'UpdateItem'],
  },
  ticketWork: {
    entry: 'functions/ticket-work/handler.ts',
    description: 'Agents working tickets: PATCH /tickets/{id} (status, fields, assignee), notes, sub-tasks, links, macros, merging and splitting tickets',
    timeoutSeconds: 10,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
  customers: {
    entry: 'functions/customers/handler.ts',
    description: 'The customer API: 360° view, search, profile and identities, merge, erasure and export',
    // An erasure or a merge walks every ticket of the customer.
    timeoutSeconds: 30,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
  agents: {
    entry: 'functions/agents/handler.ts',
    description: 'GET /agents, PUT /agents/{id}, PUT /agents/me/presence',
    timeoutSeconds: 10,
    memoryMb: 512,
    tableActions: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
  },
  openapi: {
    entry: 'functions/openapi/handler.ts',
    description: 'GET /openapi.json: the OpenAPI 3.1 document of the API, built at cold start from the handlers\' schemas',
    timeoutSeconds: 5,
    memoryMb: 256,
  },
} as const satisfies Record<string, FunctionSpec>;
export type FunctionName = keyof typeof functions;

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway syntax: `{name}` for a path parameter. */
  readonly path: string;
  readonly function: FunctionName;
  /** `jwt`: a Cognito access or id token in `Authorization: Bearer`. `none`: open to anyone; say why in `publicBecause`. */
  readonly auth: 'none' | 'jwt';
  /** For `auth: 'none'`: what stands in for sign-in, the acknowledgement of cdk-nag's AwsSolutions-APIG4 (required). */
  readonly publicBecause?: string;
}

const signedByChannel = 'Channel providers cannot present a Cognito token; the webhook function verifies each request with the channel signature and secret before anything is queued';
const csatLinkCredential =
  'Customers are not signed in; the link\'s token is the credential: 256 random bits, stored only as a SHA-256 hash, valid for csat.tokenLifetime and for one ticket\'s score, which is recorded once'

export const routes: readonly RouteSpec[] = [
  { method: 'POST', path: '/webhooks/{channel}', function: 'webhook', auth: 'none', publicBecause: signedByChannel },
  // Providers that verify the URL first (WhatsApp, WeChat) send a GET.
  { method: 'GET', path: '/webhooks/{channel}', function: 'webhook', auth: 'none', publicBecause: signedByChannel },
  // The satisfaction link: the customer's browser opens it (GET, a form) or their app posts to it.
  { method: 'POST', path: '/csat/{token}', function: 'csat', auth: 'none', publicBecause: csatLinkCredential },
  { method: 'GET', path: '/csat/{token}', function: 'csat', auth: 'none', publicBecause: csatLinkCredential },
  { method: 'GET', path: '/tickets', function: 'listTickets', auth: 'jwt' },
  { method: 'GET', path: '/tickets/{id}', function: 'getTicket', auth: 'jwt' },
  { method: 'POST', path: '/tickets/{id}/replies', function: 'createReply', auth: 'jwt' },
  { method: 'PATCH', path: '/tickets/{id}', function: 'ticketWork', auth: 'jwt' },
  { method: 'POST', path: '/tickets/{id}/notes', function: 'ticketWork', auth: 'jwt' },
  { method: 'POST', path: '/tickets/{id}/merge', function: 'ticketWork', auth: 'jwt' },
  { method: 'POST', path: '/tickets/{id}/split', function: 'ticketWork', auth: 'jwt' },
  { method: 'POST', path: '/tickets/{id}/tasks', function: 'ticketWork', auth: 'jwt' },
  { method: 'PATCH', path: '/tickets/{id}/tasks/{taskId}', function: 'ticketWork', auth: 'jwt' },
  { method: 'GET', path: '/tasks', function: 'ticketWork', auth: 'jwt' },
  { method: 'POST', path: '/tickets/{id}/links', function: 'ticketWork', auth: 'jwt' },
  { method: 'DELETE', path: '/tickets/{id}/links/{otherTicketId}', function: 'ticketWork', auth: 'jwt' },
  { method: 'GET', path: '/macros', function: 'ticketWork', auth: 'jwt' },
  { method: 'GET', path: '/customers', function: 'customers', auth: 'jwt' },
  { method: 'GET', path: '/customers/{id}', function: 'customers', auth: 'jwt' },
  { method: 'PATCH', path: '/customers/{id}', function: 'customers', auth: 'jwt' },
  { method: 'DELETE', path: '/customers/{id}', function: 'customers', auth: 'jwt' },
  { method: 'POST', path: '/customers/{id}/identities', function: 'customers', auth: 'jwt' },
  { method: 'DELETE', path: '/customers/{id}/identities/{handle}', function: 'customers', auth: 'jwt' },
  { method: 'POST', path: '/customers/{id}/merge', function: 'customers', auth: 'jwt' },
  { method: 'GET', path: '/customers/{id}/export', function: 'customers', auth: 'jwt' },
  { method: 'GET', path: '/agents', function: 'agents', auth: 'jwt' },
  { method: 'PUT', path: '/agents/{id}', function: 'agents', auth: 'jwt' },
  { method: 'PUT', path: '/agents/me/presence', function: 'agents', auth: 'jwt' },
  // The API's own description: what any client needs before it can sign in or sign a webhook.
  {
    method: 'GET',
    path: '/openapi.json',
    function: 'openapi',
    auth: 'none',
    publicBecause:
      'The OpenAPI document is the public contract: routes and request and response schemas, built into the function, no data and no secret; the function reads nothing and the stage throttle bounds it',
  },
];

export interface QueueSpec {
  readonly id: 'ingest' | 'delivery' | 'triage' | 'routing';
  readonly producers: readonly FunctionName[];
  readonly consumer: FunctionName;
  /** Environment variable that carries the queue URL to the producers. */
  readonly urlEnv: string;
  /** Deliveries of one message before it moves to the dead-letter queue. */
  readonly maxReceiveCount: (config: SwitchboardConfig) => number;
  readonly batchSize: (config: SwitchboardConfig) => number;
  /** How long Lambda gathers a batch before invoking; needed for batches over 10. */
  readonly maxBatchingWindowSeconds?: (config: SwitchboardConfig) => number;
}

export const queues: readonly QueueSpec[] = [
  {
    id: 'ingest',
    producers: ['webhook', 'email', 'voice'],
    consumer: 'ingest',
    urlEnv: 'INGEST_QUEUE_URL',
    maxReceiveCount: (c) => c.ingest.maxReceiveCount,
    batchSize: (c) => c.ingest.batchSize,
  },
  {
    id: 'delivery',
    producers: ['createReply'],
    consumer: 'delivery',
    urlEnv: 'DELIVERY_QUEUE_URL',
    maxReceiveCount: (c) => c.delivery.maxAttempts,
    // One reply per invocation: a slow provider delays no one else's reply, and backoff is per reply.
    batchSize: () => 1,
  },
  {
    id: 'triage',
    producers: [],
    consumer: 'triage',
    urlEnv: 'TRIAGE_QUEUE_URL',
    maxReceiveCount: (c) => c.triage.maxReceiveCount,
    // Larger batches mean fuller Comprehend batch calls (25 documents of one language each).
    batchSize: (c) => c.triage.batchSize,
    maxBatchingWindowSeconds: (c) => c.triage.maxBatchingWindowSeconds,
  },
  {
    id: 'routing',
    producers: [],
    consumer: 'routing',
    urlEnv: 'ROUTING_QUEUE_URL',
    maxReceiveCount: () => 5,
    batchSize: () => 10,
  },
];

export const queueSpec = (id: QueueSpec['id']): QueueSpec => queues.find((q) => q.id === id)!;

/** A queue's visibility timeout: six times its consumer's timeout, as AWS advises for Lambda sources. */
export const visibilityTimeoutSeconds = (q: QueueSpec) => functions[q.consumer].timeoutSeconds * 6;

export interface EventRuleSpec {
  readonly id: string;
  readonly description: string;
  /**
   * An EventBridge event pattern; local mode matches it with the same semantics for the fields used:
   * each listed field (and each listed top-level detail field) must equal one of its values.
   */
  readonly pattern: {
    readonly source?: readonly string[];
    readonly 'detail-type'?: readonly string[];
    readonly detail?: Readonly<Record<string, readonly (string | boolean)[]>>;
  };
  readonly target:
    | { readonly type: 'log-group'; readonly name: string }
    | { readonly type: 'queue'; readonly queue: QueueSpec['id'] }
    /** The ticket workflow (Step Functions), started with the event as its input. */
    | { readonly type: 'workflow' };
}

export const eventRules: readonly EventRuleSpec[] = [
  {
    id: 'EventLog',
    description: 'Every Switchboard event into a log group, for ops to search and follow',
    pattern: { source: ['switchboard'] },
    target: { type: 'log-group', name: 'events' },
  },
  {
    id: 'NotifyCustomer',
    description: 'Ticket status changes the customer is told about, to the delivery queue',
    pattern: { source: ['switchboard'], 'detail-type': ['TicketStatusChanged'] },
    target: { type: 'queue', queue: 'delivery' },
  },
  {
    id: 'TriageMessages',
    description: 'Every stored customer message, to the triage queue',
    pattern: { source: ['switchboard'], 'detail-type': ['MessageReceived'] },
    target: { type: 'queue', queue: 'triage' },
  },
  {
    id: 'StartTicketWorkflow',
    description: 'A ticket whose priority, language or category was set or moved (by triage or by hand), or given back unassigned: a new run of its workflow takes over its assignment and deadlines',
    pattern: { source: ['switchboard'], 'detail-type': ['TicketTriaged', 'TicketUpdated'], detail: { routingChanged: [true] } },
    target: { type: 'workflow' },
  },
  {
    id: 'RestartTicketWorkflow',
    description: 'A ticket reopened or changing status (pending stops the resolution clock, solved ends it): a new run of its workflow takes over',
    pattern: { source: ['switchboard'], 'detail-type': ['TicketReopened', 'TicketStatusChanged'] },
    target: { type: 'workflow' },
  },
  {
    id: 'FreeAgents',
    description: 'Agents who may take more tickets, and tickets finished (their agents are freed), to the routing queue',
    pattern: { source: ['switchboard'], 'detail-type': ['AgentAvailabilityChanged', 'TicketStatusChanged'] },
    target: { type: 'queue', queue: 'routing' },
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
  /** `outbox` sends nothing and records provider requests instead (local mode, tests). */
  transport: 'SWITCHBOARD_TRANSPORT',
  /** `offline` triages with the built-in analyzer instead of Amazon Comprehend (local mode, tests). */
  analyzer: 'SWITCHBOARD_ANALYZER',
  /** The API's own base URL, for links into it (the satisfaction link); set on the delivery function. */
  apiUrl: 'SWITCHBOARD_API_URL',
} as const;
