import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { EVENT_SOURCE } from '../../events';
import { batching } from '../../infra/constructs/queues';
import { comprehendActions } from '../../infra/constructs/triage-and-routing';
import { workflowTasks } from '../../infra/constructs/ticket-workflow';
import { categoriesOf, SLA_RATE_MIN_TICKETS } from '../../infra/constructs/observability';
import { env, eventRules, type FunctionName, functions, queues, routes, userGroups, visibilityTimeoutSeconds } from '../../infra/topology';
import type { SwitchboardStack } from '../../infra/switchboard-stack';
import { channels } from '../../shared/channels/registry';
import { ConfigError, channelNames, parseConfig } from '../../shared/config';
import { type IndexDesign, MAX_PROJECTED_ATTRIBUTES, tableDesign } from '../../shared/store/table-design';
import { buildTestApp, cdkJsonConfig } from './build';

// Values unlike the defaults, so a setting the stack ignored would show.
const config = parseConfig({
  ...cdkJsonConfig(),
  ingest: { maxReceiveCount: 7, batchSize: 4 },
  delivery: { maxAttempts: 3 },
  triage: {
    batchSize: 40,
    maxBatchingWindowSeconds: 7,
    maxReceiveCount: 6,
    categories: [
      { name: 'refunds', phrases: ['refund'] },
      { name: 'shipping', phrases: ['parcel'] },
    ],
    defaultCategory: 'other',
  },
  channels: {
    ...cdkJsonConfig().channels,
    wechat: { enabled: false },
    email: { enabled: true, from: 'help@support.example.com', recipients: ['support.example.com'] },
    voice: { enabled: true, connectInstanceArn: 'arn:aws:connect:us-east-1:123456789012:instance/0a1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d' },
  },
  alarms: { email: 'ops@example.com', categoryTicketsPerHour: 120, slaBreachRatePercent: 7.5 },
  eventArchiveRetentionDays: 90,
  logRetentionDays: 14,
});

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let stack: SwitchboardStack;
let template: Template;
let resources: Record<string, Resource>;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (type: string) => {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0];
};
const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnFunction);
const fnId = (name: FunctionName) => logicalId(stack.functions[name]);
const roleId = (name: FunctionName) => logicalId(stack.functions[name].role!);
const actionsOf = (s: Statement) => [s.Action].flat();

/** Every statement of every identity policy attached to the function's role. */
function statementsOf(name: FunctionName): Statement[] {
  const role = resources[roleId(name)];
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  expect(role.Properties.Policies).toBeUndefined();
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId(name)))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}

beforeAll(() => {
  ({ stack } = buildTestApp(config, { checks: false }));
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

describe('tickets store', () => {
  it('has the designed keys and indexes, all strings', () => {
    const [, table] = only('AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: tableDesign.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableDesign.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      (tableDesign.indexes as readonly IndexDesign[]).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: index.nonKeyAttributes
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.nonKeyAttributes] }
          : { ProjectionType: 'ALL' },
      })),
    );
    for (const attribute of table.Properties.AttributeDefinitions) expect(attribute.AttributeType).toBe('S');
  });

  it("stays within DynamoDB's limits on indexes: 20 per table, 100 copied attributes over all of them", () => {
    const [, table] = only('AWS::DynamoDB::Table');
    const indexes = table.Properties.GlobalSecondaryIndexes as { Projection: { NonKeyAttributes?: string[] } }[];
    expect(indexes.length).toBeLessThanOrEqual(20);
    const copied = indexes.reduce((n, i) => n + (i.Projection.NonKeyAttributes?.length ?? 0), 0);
    expect(copied).toBeLessThanOrEqual(MAX_PROJECTED_ATTRIBUTES);
  });

  it('is on demand, recoverable, encrypted, protected and retained', () => {
    const [, table] = only('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('ingest', () => {
  it('gives every queue an encrypted, TLS-only dead-letter queue after maxReceiveCount deliveries', () => {
    const redriven = ofType('AWS::SQS::Queue').filter(([, q]) => q.Properties.RedrivePolicy);
    expect(redriven).toHaveLength(queues.length);
    for (const [queueId, queue] of redriven) {
      const spec = queues.find((q) => queueId.includes(`${q.id}Queue`))!;
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: visibilityTimeoutSeconds(spec),
        RedrivePolicy: { maxReceiveCount: spec.maxReceiveCount(config) },
      });
      const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
      expect(resources[dlqId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            // Queues a rule feeds also let EventBridge send.
            Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: { 'Fn::GetAtt': [id, 'Arn'] } })]),
          },
        });
      }
    }
  });

  it('feeds each queue to its consumer, reporting failed items; ingest in batches, delivery one reply at a time', () => {
    expect(queues.find((q) => q.id === 'ingest')!.batchSize(config)).toBe(4);
    expect(queues.find((q) => q.id === 'delivery')!.batchSize(config)).toBe(1);
    for (const spec of queues) {
      const batchSize = spec.batchSize(config);
      // A window from the spec (triage's, from config), else a second for any batch over one.
      const window = spec.maxBatchingWindowSeconds?.(config) ?? (batchSize > 1 ? 1 : undefined);
      const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties.FunctionName.Ref === fnId(spec.consumer))!;
      expect(mapping.Properties).toEqual({
        FunctionName: { Ref: fnId(spec.consumer) },
        EventSourceArn: expect.anything(),
        BatchSize: batchSize,
        ...(window ? { MaximumBatchingWindowInSeconds: window } : {}),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      for (const producer of spec.producers) expect(resources[fnId(producer)].Properties.Environment.Variables[spec.urlEnv]).toBeDefined();
      const queueId = ofType('AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy?.maxReceiveCount === spec.maxReceiveCount(config))![0];
      expect(queueId).toBeDefined();
    }
    expect(ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(queues.length);
  });

  it('feeds the triage function batches of triage.batchSize, gathered for triage.maxBatchingWindowSeconds (Lambda needs a window for batches over 10)', () => {
    expect(config.triage.batchSize).toBeGreaterThan(10);
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties.FunctionName.Ref === fnId('triage'))!;
    expect(mapping.Properties).toMatchObject({ BatchSize: 40, MaximumBatchingWindowInSeconds: 7 });
    expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][0]).toContain('triageQueue');
    const [, queue] = ofType('AWS::SQS::Queue').find(([id]) => id === mapping.Properties.EventSourceArn['Fn::GetAtt'][0])!;
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(6);
    // Only rules produce into triage and routing: their consumers' grants are to consume.
    for (const name of Object.keys(functions) as FunctionName[]) {
      const sends = statementsOf(name).filter((s) => actionsOf(s).includes('sqs:SendMessage'));
      expect({ name, triageOrRouting: JSON.stringify(sends.map((s) => s.Resource)).match(/(triage|routing)Queue/g) }).toEqual({ name, triageOrRouting: null });
    }
  });

  it('refuses a queue batch over 10 without a batching window at synth, as Lambda would at deploy', () => {
    const routing = queues.find((q) => q.id === 'routing')!;
    expect(() => batching({ ...routing, batchSize: () => 25, maxBatchingWindowSeconds: () => 0 }, config)).toThrow(ConfigError);
    expect(batching({ ...routing, batchSize: () => 25, maxBatchingWindowSeconds: undefined }, config).maxBatchingWindow?.toSeconds()).toBe(1);
  });

  it('keeps one secret per enabled channel, holding its fields, and tells the webhook and delivery functions where they are', () => {
    const enabled = channelNames.filter((c) => config.channels[c].enabled);
    expect(enabled).not.toContain('wechat');
    const secrets = ofType('AWS::SecretsManager::Secret');
    expect(secrets.map(([, s]) => s.Properties.Name)).toEqual(enabled.map((c) => `switchboard/channels/${c}`));
    for (const [i, channel] of enabled.entries()) {
      const generate = secrets[i][1].Properties.GenerateSecretString;
      const [first, ...others] = channels[channel]!.secretFields;
      expect(generate.GenerateStringKey).toBe(first);
      expect(Object.keys(JSON.parse(generate.SecretStringTemplate)).sort()).toEqual([...others].sort());
    }
    for (const name of ['webhook', 'delivery'] as const) {
      // The variable is JSON joined around the secrets' references; stand each reference in as a string.
      const joined = resources[fnId(name)].Properties.Environment.Variables[env.channelSecretArns]['Fn::Join'][1] as (string | { Ref: string })[];
      const arns = JSON.parse(joined.map((part) => (typeof part === 'string' ? part : `arn-of:${part.Ref}`)).join(''));
      expect(arns).toEqual(Object.fromEntries(enabled.map((c, i) => [c, `arn-of:${secrets[i][0]}`])));
    }
  });
});

describe('channels on the AWS side', () => {
  it('SES stores received mail in an encrypted private bucket, then invokes the email function, for the configured recipients', () => {
    const [, ruleSet] = only('AWS::SES::ReceiptRuleSet');
    const [, rule] = only('AWS::SES::ReceiptRule');
    expect(rule.Properties.RuleSetName).toEqual({ Ref: Object.entries(resources).find(([, r]) => r === ruleSet)![0] });
    expect(rule.Properties.Rule).toMatchObject({ Enabled: true, ScanEnabled: true, TlsPolicy: 'Require', Recipients: ['support.example.com'] });
    const [s3Action, lambdaAction] = rule.Properties.Rule.Actions;
    expect(s3Action.S3Action.ObjectKeyPrefix).toBe('inbound/');
    expect(lambdaAction.LambdaAction).toMatchObject({ FunctionArn: { 'Fn::GetAtt': [fnId('email'), 'Arn'] }, InvocationType: 'Event' });
    const [bucketId, bucket] = only('AWS::S3::Bucket');
    expect(s3Action.S3Action.BucketName).toEqual({ Ref: bucketId });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.BucketEncryption).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [fnId('email'), 'Arn'] }, Principal: 'ses.amazonaws.com' });
  });

  it('the email function reads received mail only, and its failed invocations land in an alarmed queue', () => {
    const reads = statementsOf('email').filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(reads.flatMap(actionsOf).every((a) => a.startsWith('s3:Get') || a.startsWith('s3:List'))).toBe(true);
    expect(JSON.stringify(reads.map((s) => s.Resource))).toContain('/inbound/*');
    const [, invokeConfig] = only('AWS::Lambda::EventInvokeConfig');
    expect(invokeConfig.Properties).toMatchObject({ MaximumRetryAttempts: 2 });
    const failureQueue = invokeConfig.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    expect(resources[failureQueue].Type).toBe('AWS::SQS::Queue');
    expect(ofType('AWS::CloudWatch::Alarm').some(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(failureQueue))).toBe(true);
  });

  it('the delivery function may send email from the configured address only', () => {
    const send = statementsOf('delivery').filter((s) => actionsOf(s).includes('ses:SendEmail'));
    expect(send).toHaveLength(1);
    expect(send[0]).toMatchObject({ Condition: { StringEquals: { 'ses:FromAddress': 'help@support.example.com' } } });
    expect(JSON.stringify(send[0].Resource)).toContain('identity/support.example.com');
    for (const name of Object.keys(functions) as FunctionName[]) {
      if (name !== 'delivery') expect(statementsOf(name).flatMap(actionsOf).filter((a) => a.startsWith('ses:'))).toEqual([]);
    }
  });

  it('only the configured Amazon Connect instance may invoke the voice function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId('voice'), 'Arn'] },
      Principal: 'connect.amazonaws.com',
      SourceArn: config.channels.voice.connectInstanceArn,
    });
  });
});

describe('api', () => {
  it('has every topology route, on its function, with JWT auth exactly where the topology asks', () => {
    const [authorizerId, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties.AuthorizerType).toBe('JWT');
    expect(JSON.stringify(authorizer.Properties.JwtConfiguration.Issuer)).toContain('cognito-idp');
    expect(ofType('AWS::ApiGatewayV2::Route')).toHaveLength(routes.length);

    for (const spec of routes) {
      const [, route] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === `${spec.method} ${spec.path}`)!;
      if (spec.auth === 'jwt') {
        expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(route.Properties.AuthorizationType).toBe('NONE');
        expect(route.Properties.AuthorizerId).toBeUndefined();
      }
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
      expect(resources[integrationId].Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [fnId(spec.function), 'Arn'] });
    }
  });

  it('opens the satisfaction link to anyone, each open route saying why; the delivery function knows the API\'s URL for its links', () => {
    const open = routes.filter((r) => r.auth === 'none');
    expect(open.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['POST /csat/{token}', 'GET /csat/{token}']));
    for (const route of open) expect(route.publicBecause?.length ?? 0).toBeGreaterThan(40);
    expect(JSON.stringify(resources[fnId('delivery')].Properties.Environment.Variables[env.apiUrl])).toContain(only('AWS::ApiGatewayV2::Api')[0]);
    expect(statementsOf('csat').flatMap(actionsOf)).toContain('events:PutEvents');
    // Satisfaction links expire: DynamoDB deletes them after their TTL.
    expect(only('AWS::DynamoDB::Table')[1].Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  it('logs access on its stage and throttles it', () => {
    const [, stage] = only('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties.AccessLogSettings.DestinationArn).toBeDefined();
    expect(stage.Properties.AccessLogSettings.Format).toContain('$context.requestId');
    expect(stage.Properties.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
  });

  it('signs in admin-created agents only, into one group per role', () => {
    const [, pool] = only('AWS::Cognito::UserPool');
    expect(pool.Properties.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    const [, client] = only('AWS::Cognito::UserPoolClient');
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(ofType('AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties.GroupName).sort()).toEqual([...userGroups].sort());
  });
});

describe('events', () => {
  it('has the switchboard bus, archiving every Switchboard event', () => {
    const [busId, bus] = only('AWS::Events::EventBus');
    expect(bus.Properties.Name).toBe('switchboard');
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: [EVENT_SOURCE] },
      RetentionDays: config.eventArchiveRetentionDays,
    });
  });

  it('has a rule per topology event rule, into its log group, queue or the ticket workflow', () => {
    expect(ofType('AWS::Events::Rule')).toHaveLength(eventRules.length);
    const [machineId] = only('AWS::StepFunctions::StateMachine');
    for (const spec of eventRules) {
      const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.Description === spec.description)!;
      expect(rule.Properties.EventPattern).toEqual(spec.pattern);
      expect(rule.Properties.Targets).toHaveLength(1);
      const target = spec.target;
      if (target.type === 'workflow') {
        const [ruleTarget] = rule.Properties.Targets;
        // The event itself is the run's input: no Input / InputPath / InputTransformer.
        expect(Object.keys(ruleTarget).sort()).toEqual(['Arn', 'DeadLetterConfig', 'Id', 'RetryPolicy', 'RoleArn']);
        expect(ruleTarget.Arn).toEqual({ Ref: machineId });
        // A start that fails after EventBridge's retries waits in an alarmed dead-letter queue.
        const dlqId = ruleTarget.DeadLetterConfig.Arn['Fn::GetAtt'][0];
        expect(dlqId).toContain('WorkflowStartsDeadLetterQueue');
        expect(resources[dlqId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
        expect(ofType('AWS::CloudWatch::Alarm').some(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(dlqId))).toBe(true);
        expect(ruleTarget.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
        // The rule's role may start this state machine and do nothing else.
        const eventsRoleId = ruleTarget.RoleArn['Fn::GetAtt'][0];
        const eventsPolicies = ofType('AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === eventsRoleId));
        expect(eventsPolicies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement)).toEqual([
          { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId } },
        ]);
        continue;
      }
      if (target.type === 'queue') {
        const queueId = rule.Properties.Targets[0].Arn['Fn::GetAtt'][0];
        expect(queueId).toContain(`${target.queue}Queue`);
        // An event the queue refuses waits in its dead-letter queue.
        expect(rule.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0]).toContain(`${target.queue}DeadLetterQueue`);
        continue;
      }
      const logGroupId = JSON.stringify(rule.Properties.Targets[0].Arn).match(/"Ref":"([^"]+)"\}\]\]\}$/)![1];
      expect(resources[logGroupId].Properties).toMatchObject({
        LogGroupName: `/switchboard/${target.name}`,
        RetentionInDays: config.logRetentionDays,
      });
    }
  });
});

describe('functions', () => {
  it.each(Object.keys(functions) as FunctionName[])('%s has the house defaults and its topology sizing', (name) => {
    const fn = resources[fnId(name)].Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: functions[name].timeoutSeconds,
      MemorySize: functions[name].memoryMb,
      Description: functions[name].description,
    });
    expect(fn.Environment.Variables).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'switchboard',
      POWERTOOLS_METRICS_NAMESPACE: 'Switchboard',
      [env.config]: JSON.stringify(config),
    });
    const logGroupId = fn.LoggingConfig.LogGroup.Ref;
    expect(resources[logGroupId].Properties.RetentionInDays).toBe(config.logRetentionDays);
  });

  it('are all the topology has', () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(Object.keys(functions).length);
  });
});

describe('least privilege', () => {
  const dynamoActionsOf = (name: FunctionName) =>
    statementsOf(name)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'))
      .sort();

  // Exactly the operations each function's code sends (shared/store/*): a new one needs a new grant.
  it.each([
    ['ingest', ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    ['listTickets', ['dynamodb:Query']],
    ['getTicket', ['dynamodb:GetItem', 'dynamodb:Query']],
    ['voice', ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    ['createReply', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['delivery', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['email', []],
    ['webhook', []],
    ['triage', ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['workflow', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['routing', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['agents', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['customers', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['csat', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    ['ticketWork', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
  ] as const)('%s may send exactly %j to the table', (name, expected) => {
    expect(dynamoActionsOf(name)).toEqual(expected);
  });

  it('only functions that query reach the indexes', () => {
    const resourcesOf = (name: FunctionName) => JSON.stringify(statementsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:'))).map((s) => s.Resource));
    expect(resourcesOf('listTickets')).toContain('/index/');
    expect(resourcesOf('ingest')).not.toContain('/index/');
  });

  it('the ingest function writes the table and publishes events', () => {
    const actions = statementsOf('ingest').flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'events:PutEvents']));
  });

  it('only the webhook and delivery functions can read channel secrets', () => {
    const readers = [roleId('webhook'), roleId('delivery')];
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      const readsSecrets = (policy.Properties.PolicyDocument.Statement as Statement[]).some((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      const ofReader = policy.Properties.Roles.some((r: { Ref: string }) => readers.includes(r.Ref));
      expect({ id, readsSecrets }).toEqual({ id, readsSecrets: ofReader });
    }
    expect(ofType('AWS::SecretsManager::ResourcePolicy')).toEqual([]);
  });

  it('uses Resource "*" only for actions with no resource-level permissions: X-Ray, Comprehend for triage, log delivery for the workflow', () => {
    const stateMachineRole = (only('AWS::StepFunctions::StateMachine')[1].Properties.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const allowed = (roles: string[], action: string) =>
      action.startsWith('xray:') ||
      (roles.length === 1 && roles[0] === roleId('triage') && (comprehendActions as readonly string[]).includes(action)) ||
      (roles.length === 1 && roles[0] === stateMachineRole && /^logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)$|^logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/.test(action));
    const wildcard = ofType('AWS::IAM::Policy').flatMap(([id, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')))
        .flatMap((s) => actionsOf(s).map((action) => ({ id, roles: p.Properties.Roles.map((r: { Ref: string }) => r.Ref) as string[], action }))),
    );
    expect(wildcard.filter(({ roles, action }) => !allowed(roles, action))).toEqual([]);
    expect(ofType('AWS::IAM::ManagedPolicy')).toEqual([]);
  });

  it('only the triage function may call Amazon Comprehend, and only the two batch detection calls', () => {
    const callers = ofType('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).some((s) => actionsOf(s).some((a) => a.toLowerCase().startsWith('comprehend:') || a === '*')),
    );
    expect(callers).toHaveLength(1);
    const [, policy] = callers[0];
    expect(policy.Properties.Roles).toEqual([{ Ref: roleId('triage') }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: [...comprehendActions].sort(), Resource: '*' }]);
    for (const [, role] of ofType('AWS::IAM::Role')) expect(JSON.stringify(role.Properties.Policies ?? [])).not.toContain('comprehend:');
    // Not created before it may call Comprehend.
    expect(resources[fnId('triage')].DependsOn).toEqual(expect.arrayContaining([callers[0][0]]));
  });

  it('the workflow function is invoked by the state machine only: no resource policy, no other identity may', () => {
    const [, machine] = only('AWS::StepFunctions::StateMachine');
    const machineRole = machine.Properties.RoleArn['Fn::GetAtt'][0];
    const workflowArn = { 'Fn::GetAtt': [fnId('workflow'), 'Arn'] };
    // No resource-based permission names it (API Gateway, SES, Connect, S3... get one each for theirs).
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(fnId('workflow')));
    expect(permissions).toEqual([]);
    // Every statement that may invoke a function: only the state machine's reaches the workflow
    // function, and none reaches every function.
    const invokers = ofType('AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => actionsOf(s).some((a) => /^(lambda:\*|lambda:Invoke.*|\*)$/.test(a)))
        .map((s) => ({ roles: p.Properties.Roles, resource: s.Resource })),
    );
    expect(invokers.filter(({ resource }) => JSON.stringify(resource).includes('"*"') || resource === '*')).toEqual([]);
    expect(invokers.filter(({ resource }) => JSON.stringify(resource).includes(fnId('workflow')))).toEqual([
      { roles: [{ Ref: machineRole }], resource: [workflowArn, { 'Fn::Join': ['', [workflowArn, ':*']] }] },
    ]);
    // No event source mapping, destination or API route feeds it either.
    expect(ofType('AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties.FunctionName.Ref === fnId('workflow'))).toEqual([]);
    expect(ofType('AWS::Lambda::EventInvokeConfig').filter(([, c]) => JSON.stringify(c.Properties).includes(fnId('workflow')))).toEqual([]);
  });

  it('working tickets and replying with a macro publish events: the ticket work and create-reply functions have the bus', () => {
    for (const name of ['ticketWork', 'createReply'] as const) {
      expect(statementsOf(name).flatMap(actionsOf)).toContain('events:PutEvents');
      expect(resources[fnId(name)].Properties.Environment.Variables[env.eventBus]).toBeDefined();
    }
  });

  it('the workflow function writes the table and publishes events; the agents function publishes agent availability', () => {
    expect(statementsOf('workflow').flatMap(actionsOf)).toContain('events:PutEvents');
    expect(statementsOf('agents').flatMap(actionsOf)).toContain('events:PutEvents');
    expect(resources[fnId('agents')].Properties.Environment.Variables[env.eventBus]).toBeDefined();
    // The customer API announces merges and erasures.
    expect(statementsOf('customers').flatMap(actionsOf)).toContain('events:PutEvents');
    expect(resources[fnId('customers')].Properties.Environment.Variables[env.eventBus]).toBeDefined();
    for (const name of ['workflow', 'routing', 'triage', 'agents'] as const) {
      expect(resources[fnId(name)].Properties.Environment.Variables[env.table]).toBeDefined();
      // Deployed, triage always calls Comprehend: the offline analyzer is for local mode and tests.
      expect(resources[fnId(name)].Properties.Environment.Variables[env.analyzer]).toBeUndefined();
    }
  });
});

describe('observability', () => {
  it('has the Switchboard dashboard with the business metrics', () => {
    const [, dashboard] = only('AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('Switchboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of ['MessagesReceived', 'TicketsCreated', 'MessagesMerged', 'TicketsReopened', 'DuplicatesDropped', 'WebhooksRejected', 'ProviderEventsIgnored', 'RepliesSent', 'DeliveryFailures']) {
      expect(body).toContain(metric);
    }
  });

  it('alarms on a non-empty dead-letter queue, ingest errors and API 5xx, into an encrypted topic', () => {
    const [topicId, topic] = only('AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });

    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    // A dead-letter queue per queue, the email function's failure queue, ingest errors, API 5xx,
    // the workflow starts' dead-letter queue and failed runs, the SLA breach rate, a spike per category.
    const categories = categoriesOf(config);
    expect(alarms).toHaveLength(queues.length + 3 + 2 + 1 + categories.length);
    for (const alarm of alarms) expect(alarm).toMatchObject({ AlarmActions: [{ Ref: topicId }], EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const onSomething = alarms.filter((a) => a.Threshold === 1);
    expect(onSomething).toHaveLength(queues.length + 3 + 2);
    for (const alarm of onSomething) expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    const dlqAlarms = alarms.filter(
      (a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && !/EmailFailures|WorkflowStartsDeadLetterQueue/.test(a.Dimensions[0].Value['Fn::GetAtt'][0]),
    );
    expect(dlqAlarms).toHaveLength(queues.length);
    for (const alarm of dlqAlarms) {
      const dlqId = alarm.Dimensions[0].Value['Fn::GetAtt'][0];
      expect(ofType('AWS::SQS::Queue').some(([, q]) => q.Properties.RedrivePolicy?.deadLetterTargetArn['Fn::GetAtt'][0] === dlqId)).toBe(true);
    }
    // Ingest: a failed invocation (Lambda Errors) or a failed record in a batch that otherwise succeeded (IngestFailures).
    const ingest = alarms.find((a) => a.Metrics?.some((m: { Expression?: string }) => m.Expression?.includes('recordFailures')));
    expect(ingest?.Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'invocationErrors', MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId('ingest') } }] }) }) }),
        expect.objectContaining({ Id: 'recordFailures', MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ Namespace: 'Switchboard', MetricName: 'IngestFailures' }) }) }),
      ]),
    );
    expect(alarms).toContainEqual(expect.objectContaining({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Period: 300 }));
  });

  it('alarms on failed ticket workflow runs and on workflow starts that were dead-lettered', () => {
    const [machineId] = only('AWS::StepFunctions::StateMachine');
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmDescription: expect.stringContaining('redrive-execution'),
      }),
    );
    const dlq = alarms.find((a) => JSON.stringify(a.Dimensions ?? []).includes('WorkflowStartsDeadLetterQueue'));
    expect(dlq).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, AlarmDescription: expect.stringContaining('start-execution') });
  });

  it('has dead-letter advice for every queue', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const spec of queues) {
      const alarm = alarms.find((a) => a.AlarmDescription?.startsWith(`Messages of the ${spec.id} queue failed ${spec.maxReceiveCount(config)} times`));
      expect(alarm?.AlarmDescription).toMatch(/redrive the dead-letter queue/);
    }
  });

  it('alarms when SLA breaches in an hour exceed the configured percent of the new tickets, over at least a floor of tickets', () => {
    const rate = ofType('AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .find((a) => a.Metrics?.some((m: { Id: string }) => m.Id === 'breaches'))!;
    expect(rate).toMatchObject({ Threshold: 7.5, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
    const byId = Object.fromEntries((rate.Metrics as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: any }[]).map((m) => [m.Id, m]));
    const returned = rate.Metrics.filter((m: { ReturnData?: boolean }) => m.ReturnData !== false);
    expect(returned).toHaveLength(1);
    expect(returned[0].Expression).toBe(`100 * breaches / IF(triaged < ${SLA_RATE_MIN_TICKETS}, ${SLA_RATE_MIN_TICKETS}, triaged)`);
    expect(byId.breaches.Expression).toBe('FILL(firstResponseBreaches, 0) + FILL(resolutionBreaches, 0)');
    expect(byId.triaged.Expression).toBe(categoriesOf(config).map((_, i) => `FILL(new${i}, 0)`).join(' + '));
    // Metrics as MeteredPublisher emits them: one dimension besides service, summed over the hour.
    const stat = (id: string) => byId[id].MetricStat;
    for (const clock of ['firstResponse', 'resolution']) {
      expect(stat(`${clock}Breaches`)).toEqual({
        Metric: { Namespace: 'Switchboard', MetricName: 'SlaBreaches', Dimensions: [{ Name: 'Clock', Value: clock }, { Name: 'service', Value: 'switchboard' }] },
        Period: 3600,
        Stat: 'Sum',
      });
    }
    for (const [i, category] of categoriesOf(config).entries()) {
      expect(stat(`new${i}`)).toEqual({
        Metric: { Namespace: 'Switchboard', MetricName: 'NewTickets', Dimensions: [{ Name: 'Category', Value: category }, { Name: 'service', Value: 'switchboard' }] },
        Period: 3600,
        Stat: 'Sum',
      });
    }
    // SEARCH is refused in alarms.
    expect(JSON.stringify(rate.Metrics)).not.toContain('SEARCH');
  });

  it('alarms on a ticket spike in each configured category, at the configured tickets per hour', () => {
    expect(categoriesOf(config)).toEqual(['refunds', 'shipping', 'other']);
    const spikes = ofType('AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.MetricName === 'NewTickets');
    expect(spikes.map((a) => a.Dimensions)).toEqual(
      categoriesOf(config).map((category) => [{ Name: 'Category', Value: category }, { Name: 'service', Value: 'switchboard' }]),
    );
    for (const alarm of spikes) {
      expect(alarm).toMatchObject({ Namespace: 'Switchboard', Statistic: 'Sum', Period: 3600, Threshold: 120, ComparisonOperator: 'GreaterThanThreshold' });
    }
  });

  it('shows triage, routing, SLA, Comprehend and workflow figures on the dashboard', () => {
    const [machineId] = only('AWS::StepFunctions::StateMachine');
    const body = JSON.stringify(only('AWS::CloudWatch::Dashboard')[1].Properties.DashboardBody);
    for (const metric of ['TicketsTriaged', 'AssignmentLatency', 'TicketsAssigned', 'TicketsQueued', 'SlaWarnings', 'SlaBreaches', 'TicketsEscalated', 'ComprehendErrors', 'ComprehendThrottles', 'TriagePending', 'ExecutionsStarted', 'ExecutionsFailed']) {
      expect(body).toContain(metric);
    }
    for (const dimension of ['Urgency', 'Category', 'Sentiment']) expect(body).toContain(`\\"${dimension}\\"`);
    expect(body).toContain('p50');
    expect(body).toContain('p90');
    expect(body).toContain(machineId);
    for (const category of categoriesOf(config)) expect(body).toContain(`\\"${category}\\"`);
  });
});

describe('ticket workflow', () => {
  /** The definition as a string, with each CloudFormation reference standing in as `ref:<logical id>`. */
  const definition = () => {
    const [, machine] = only('AWS::StepFunctions::StateMachine');
    const [separator, parts] = machine.Properties.DefinitionString['Fn::Join'] as [string, unknown[]];
    const text = parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const ref = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        return `ref:${ref.Ref ?? ref['Fn::GetAtt']!.join('.')}`;
      })
      .join(separator);
    return JSON.parse(text) as { QueryLanguage?: string; StartAt: string; States: Record<string, Record<string, any>> };
  };

  it('is one Standard state machine, traced and logging errors, in JSONPath (local mode runs the same definition)', () => {
    const [, machine] = only('AWS::StepFunctions::StateMachine');
    expect(machine.Properties).toMatchObject({ StateMachineType: 'STANDARD', TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false } });
    const { QueryLanguage, States } = definition();
    expect(QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const state of Object.values(States)) {
      expect(state.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      expect(JSON.stringify(state)).not.toMatch(/\{%|Arguments|Output"/);
    }
  });

  it('runs Start and Check on the workflow function, with a Wait until $.nextCheckAt before each later Check', () => {
    const { StartAt, States } = definition();
    expect(StartAt).toBe('Start');
    const tasks = Object.entries(States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual([...workflowTasks].sort());
    for (const [name, task] of tasks) {
      // payloadResponseOnly: the function ARN itself, the task's output is what the function returns.
      expect({ name, resource: task.Resource }).toEqual({ name, resource: `ref:${fnId('workflow')}.Arn` });
      expect(task.Parameters.action).toBe(name.toLowerCase());
      expect(task.Retry).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    }
    expect(States.Start.Parameters['event.$']).toBe('$');
    expect(States.Check.Parameters['nextCheckAt.$']).toBe('$.nextCheckAt');
    const waits = Object.entries(States).filter(([, s]) => s.Type === 'Wait');
    expect(waits).toHaveLength(1);
    const [waitName, wait] = waits[0];
    expect(wait).toEqual({ Type: 'Wait', TimestampPath: '$.nextCheckAt', Next: 'Check' });
    // Check → (done? → Succeed) else Wait → Check.
    const afterCheck = States[States.Check.Next];
    expect(afterCheck.Type).toBe('Choice');
    expect(afterCheck.Default).toBe(waitName);
    expect(States[afterCheck.Choices[0].Next].Type).toBe('Succeed');
  });
});

it('outputs exactly what the README refers to', () => {
  expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['ApiUrl', 'DashboardUrl', 'EmailReceiptRuleSet', 'TicketWorkflowArn', 'UserPoolClientId', 'UserPoolId', 'WebhookUrl']);
  expect(template.findOutputs('TicketWorkflowArn').TicketWorkflowArn.Value).toEqual({ Ref: only('AWS::StepFunctions::StateMachine')[0] });
});
