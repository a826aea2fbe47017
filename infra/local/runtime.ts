import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { SwitchboardConfig } from '../../shared/config';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { channels } from '../../shared/channels/registry';
import { voice } from '../../shared/channels/voice';
import { localOutbox, type OutboxEntry } from '../../shared/delivery/outbox';
import { channelSecrets } from '../../shared/secrets';
import { repoRoot } from '../constructs/function';
import { env, type FunctionName, functions, type QueueSpec, routes } from '../topology';
import { signingKey } from './dev-tokens';
import { ensureTable, localClient, startDynalite } from './dynamodb';
import { type LocalEventBus, startEventBus } from './event-bus';
import { createLocalHttpServer, type ExtraRequest, type HttpFunction } from './http';
import { lambdaContext } from './lambda-context';
import { parseJsonBody } from '../../shared/channels/web';
import { problems } from '../../shared/http/problem';
import { type LocalQueues, pollQueue, type SqsConsumer, startQueues } from './queues';
import { type LocalWorkflowOptions, type LocalWorkflows, startWorkflows, synthesizeWorkflowDefinition, type TaskHandler } from './workflow';
import { DynamoDbAgentStore } from '../../shared/store/dynamodb-agent-store';
import { documentClient } from '../../shared/store/dynamodb-client';

/**
 * Switchboard on this machine: the same handlers as the deployed stack, wired by the same topology
 * to stand-ins that speak the AWS APIs (dynalite, fauxqs, a PutEvents bus), through the same SDK
 * clients, pointed there by the SDK's AWS_ENDPOINT_URL_<SERVICE> variables.
 */

export interface LocalOptions {
  readonly config: SwitchboardConfig;
  /** Where tickets and the dev signing key live; `undefined` keeps everything in memory. */
  readonly dataDir?: string;
  readonly fresh?: boolean;
  readonly port?: number;
  /** Shorter than the deployed queue's, so a failed message comes back in seconds. */
  readonly visibilityTimeoutSeconds?: number;
  /** Concurrent batches per queue, like Lambda's pollers. */
  readonly pollers?: number;
  /** The ticket workflow's Wait and retry timings (tests compress them). */
  readonly workflow?: LocalWorkflowOptions;
  /** Queues whose consumers run (default: all); the rest only fill, as if their functions were throttled. */
  readonly consumers?: readonly QueueSpec['id'][];
}

export interface LocalSwitchboard {
  readonly url: string;
  readonly port: number;
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  readonly queues: LocalQueues;
  readonly bus: LocalEventBus;
  readonly workflows: LocalWorkflows;
  readonly signingKey: Uint8Array;
  readonly handlers: Record<FunctionName, unknown>;
  close(): Promise<void>;
}

export const LOCAL_TABLE = 'switchboard-local';

/** An outbox entry as shown: the request as sent, but no credential (a real one may be set locally). */
function withoutCredentials(entry: OutboxEntry): OutboxEntry {
  if (entry.kind !== 'http') return entry;
  const headers = Object.fromEntries(Object.entries(entry.request.headers).map(([k, v]) => [k, k.toLowerCase() === 'authorization' ? `${v.split(' ')[0]} [redacted]` : v]));
  const url = entry.request.url.replace(/\/bot[^/]+\//, '/bot[redacted]/').replace(/(access_token|secret)=[^&]+/g, '$1=[redacted]');
  return { ...entry, request: { ...entry.request, url, headers } };
}

type VoiceFunction = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<Record<string, string>>;

/**
 * Amazon Connect invokes the voice function directly; here a signed POST /webhooks/voice stands in
 * for that invocation (signed like the web channel), and answers what the contact flow would get.
 */
async function invokeVoice(fn: VoiceFunction, request: ExtraRequest, config: SwitchboardConfig) {
  const rawBody = await request.readBody();
  if (rawBody.length > config.webhook.maxBodyBytes) throw problems.tooLarge(config.webhook.maxBodyBytes);
  if (request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== 'application/json') throw problems.unsupportedMediaType('application/json');
  const webhook = { method: 'POST', headers: request.headers, query: {}, rawBody, url: request.url };
  const secrets = await channelSecrets(voice.name, voice.secretFields);
  voice.verify(webhook, { secrets, now: new Date(), maxClockSkewSeconds: config.webhook.maxClockSkewSeconds, defaultPhoneRegion: config.defaultPhoneRegion, settings: config.channels.voice });
  const event = parseJsonBody(webhook);
  return { status: 200, body: await fn(event, lambdaContext('voice')) };
}
export const LOCAL_BUS = 'switchboard';

export async function startLocal(options: LocalOptions): Promise<LocalSwitchboard> {
  const { config, dataDir } = options;
  if (dataDir && options.fresh) {
    rmSync(join(dataDir, 'dynamodb'), { recursive: true, force: true });
    rmSync(join(dataDir, 'events'), { recursive: true, force: true });
  }
  const dynamo = await startDynalite(dataDir ? join(dataDir, 'dynamodb') : undefined);
  const dynamoClient = localClient(dynamo.endpoint);
  await ensureTable(dynamoClient, LOCAL_TABLE);
  dynamoClient.destroy();
  const queues = await startQueues(config, options.visibilityTimeoutSeconds ?? 5);
  const queueUrl = (id: string) => queues.queues.find((q) => q.spec.id === id)!.url;
  // The workflow function is loaded with the others below; runs started before then wait for it.
  let runTask: TaskHandler = async () => {
    throw new Error('the workflow function is not loaded yet');
  };
  const workflows = startWorkflows(synthesizeWorkflowDefinition(), (payload) => runTask(payload), options.workflow);
  const bus = await startEventBus(
    dataDir ? join(dataDir, 'events') : undefined,
    async (queue, event) => {
      await queues.client.send(new SendMessageCommand({ QueueUrl: queueUrl(queue), MessageBody: JSON.stringify(event) }));
    },
    (event) => workflows.start(event),
  );

  // What the stack sets on each function, pointed at the stand-ins; set before the handlers load.
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: queues.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    [env.table]: LOCAL_TABLE,
    [env.eventBus]: LOCAL_BUS,
    [env.config]: JSON.stringify(config),
    POWERTOOLS_SERVICE_NAME: 'switchboard',
    POWERTOOLS_METRICS_NAMESPACE: 'Switchboard',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // Replies go to the outbox at GET /dev/outbox, never to a provider.
    [env.transport]: 'outbox',
    // There is no Comprehend here: the built-in analyzer triages English and Chinese.
    [env.analyzer]: 'offline',
    // There is no S3 here: mail arrives over HTTP; the name is what attachment references would point at.
    MAIL_BUCKET: 'switchboard-local-mail',
  });
  for (const q of queues.queues) process.env[q.spec.urlEnv] = q.url;
  for (const name of Object.keys(channels)) {
    const key = `SWITCHBOARD_${name.toUpperCase()}_SECRET`;
    process.env[key] ??= `local-${name}-secret`;
  }

  const handlers = {} as Record<FunctionName, unknown>;
  for (const name of Object.keys(functions) as FunctionName[]) {
    const module = (await import(join(repoRoot, functions[name].entry))) as { handler: unknown };
    handlers[name] = module.handler;
  }

  const workflowHandler = handlers.workflow as (task: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
  runTask = (payload) => workflowHandler(payload, lambdaContext('workflow'));
  const seedClient = localClient(dynamo.endpoint);
  await new DynamoDbAgentStore(documentClient(seedClient), LOCAL_TABLE).seed(config.routing.sampleAgents, new Date().toISOString());
  seedClient.destroy();

  const consumed = queues.queues.filter((q) => !options.consumers || options.consumers.includes(q.spec.id));
  const pollers = consumed.map((q) => pollQueue(queues.client, q, handlers[q.spec.consumer] as SqsConsumer, q.spec.batchSize(config), options.pollers ?? 2));

  const key = signingKey(dataDir ?? join(repoRoot, '.switchboard'));
  const server: Server = createLocalHttpServer({
    routes,
    handlers: handlers as Record<FunctionName, HttpFunction>,
    signingKey: key,
    extras: async (method, path, request) => {
      if (method === 'POST' && path === '/webhooks/voice' && config.channels.voice.enabled) return invokeVoice(handlers.voice as VoiceFunction, request, config);
      if (method !== 'GET') return undefined;
      if (path === '/health') return { status: 200, body: { status: 'ok' } };
      if (path === '/dev/events') return { status: 200, body: Object.fromEntries(bus.delivered) };
      if (path === '/dev/outbox') return { status: 200, body: { entries: localOutbox.entries.map(withoutCredentials) } };
      return undefined;
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  // Deployed, the stack gives the delivery function the API's URL for satisfaction links; here it is known once listening.
  process.env[env.apiUrl] = `http://127.0.0.1:${port}/`;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tableName: LOCAL_TABLE,
    dynamoEndpoint: dynamo.endpoint,
    queues,
    bus,
    workflows,
    signingKey: key,
    handlers,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Kept-alive client connections would hold close() open until they time out.
      server.closeAllConnections?.();
      await closed;
      await workflows.close();
      await Promise.all(pollers.map((p) => p.stop()));
      await queues.close();
      await bus.close();
      await dynamo.close();
    },
  };
}

