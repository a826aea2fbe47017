import { Template } from 'aws-cdk-lib/assertions';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { deadLetterName, queueName } from '../../infra/local/queues';
import { LOCAL_TASK_ARN, synthesizeWorkflowDefinition } from '../../infra/local/workflow';
import { buildTestApp, cdkJsonConfig } from './build';

/** Local mode and the synthesized stack must be the same system: same routes and authorization,
 * same queues with the same redrive, same event rules. */

const config = cdkJsonConfig();
let template: Template;
let local: LocalSwitchboard;

beforeAll(async () => {
  template = Template.fromStack(buildTestApp(config, { checks: false }).stack);
  local = await startLocal({ config, port: 0 });
}, 120_000);
// Closing waits for work in flight (a workflow task, a poll) to finish.
afterAll(() => local?.close(), 30_000);

const resources = (type: string) => Object.values(template.findResources(type)) as { Properties: Record<string, any> }[];

test('every route of the stack is served locally with the same authorization', async () => {
  const routeKeys = resources('AWS::ApiGatewayV2::Route').map((r) => ({ key: r.Properties.RouteKey as string, auth: r.Properties.AuthorizationType as string }));
  expect(routeKeys.length).toBeGreaterThan(0);
  for (const { key, auth } of routeKeys) {
    const [method, path] = key.split(' ');
    const url = `${local.url}${path.replace('{channel}', 'web').replace('{id}', 'tkt_0000000000000000')}`;
    const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body: '{}' }) });
    const problem = (await res.json()) as { detail?: string };
    expect({ key, routed: !String(problem.detail).startsWith('No route') }).toEqual({ key, routed: true });
    // Without a token a JWT route is refused at the gateway; an open route reaches its function.
    if (auth === 'JWT') expect({ key, status: res.status }).toEqual({ key, status: 401 });
    else expect({ key, auth }).toEqual({ key, auth: 'NONE' });
  }
  const local404 = await fetch(`${local.url}/nowhere`);
  expect(local404.status).toBe(404);
});

test('the same queues, each with a dead-letter queue and the same maxReceiveCount', () => {
  const queues = resources('AWS::SQS::Queue');
  const withRedrive = queues.filter((q) => q.Properties.RedrivePolicy);
  expect(withRedrive).toHaveLength(local.queues.queues.length);
  // Besides each queue and its dead-letter queue, two deployed-only queues: the email function's
  // failure destination (SES invokes it) and the dead-letter queue of the rules that start the ticket
  // workflow (locally the bus starts runs in process, so no start can be refused).
  expect(queues).toHaveLength(local.queues.queues.length * 2 + 2);
  for (const [i, q] of withRedrive.entries()) {
    expect(q.Properties.RedrivePolicy.maxReceiveCount).toBe(local.queues.queues[i].maxReceiveCount);
  }
  expect(local.queues.queues.map((q) => [q.url.split('/').pop(), q.deadLetterUrl.split('/').pop()])).toEqual(
    local.queues.queues.map((q) => [queueName(q.spec), deadLetterName(q.spec)]),
  );
});

test('the same event rules, and the local bus delivers by them', async () => {
  const patterns = resources('AWS::Events::Rule').map((r) => r.Properties.EventPattern);
  expect(patterns).toHaveLength(local.bus.delivered.size);
  const client = new EventBridgeClient({ endpoint: local.bus.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  await client.send(new PutEventsCommand({ Entries: [{ Source: 'switchboard', DetailType: 'TicketCreated', Detail: '{"eventId":"probe"}' }, { Source: 'elsewhere', DetailType: 'X', Detail: '{}' }] }));
  client.destroy();
  for (const pattern of patterns) {
    const matched = [...local.bus.delivered.values()].flat().filter((e) => (pattern.source as string[]).includes(e.source));
    expect(matched.map((e) => e.detail.eventId)).toContain('probe');
  }
  expect([...local.bus.delivered.values()].flat().some((e) => e.source === 'elsewhere')).toBe(false);
});

test('local mode runs the ticket workflow the stack deploys: the same definition, task for task', () => {
  const [machine] = resources('AWS::StepFunctions::StateMachine');
  const [separator, parts] = machine!.Properties.DefinitionString['Fn::Join'] as [string, unknown[]];
  // The deployed definition refers to the workflow function by its ARN; locally it has a fixed one.
  const deployed = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : LOCAL_TASK_ARN)).join(separator));
  expect(deployed).toEqual(synthesizeWorkflowDefinition());
  expect(Object.keys(deployed.States).sort()).toEqual(['Check', 'CheckedDone', 'Done', 'Start', 'Started', 'WaitForDeadline']);
});
