import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { EVENT_SOURCE } from '../../events';
import { env, eventRules, type FunctionName, functions, queues, routes, userGroups, visibilityTimeoutSeconds } from '../../infra/topology';
import type { SwitchboardStack } from '../../infra/switchboard-stack';
import { channelNames, parseConfig } from '../../shared/config';
import { type IndexDesign, tableDesign } from '../../shared/store/table-design';
import { buildTestApp, cdkJsonConfig } from './build';

// Values unlike the defaults, so a setting the stack ignored would show.
const config = parseConfig({
  ...cdkJsonConfig(),
  ingest: { maxReceiveCount: 7, batchSize: 4 },
  alarms: { email: 'ops@example.com' },
  eventArchiveRetentionDays: 90,
  logRetentionDays: 14,
});

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
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
        RedrivePolicy: { maxReceiveCount: config.ingest.maxReceiveCount },
      });
      const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
      expect(resources[dlqId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: { 'Fn::GetAtt': [id, 'Arn'] } }],
          },
        });
      }
    }
  });

  it('feeds each queue to its consumer in batches, reporting failed items', () => {
    for (const spec of queues) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId(spec.consumer) },
        BatchSize: config.ingest.batchSize,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const producer = resources[fnId(spec.producer)].Properties;
      expect(producer.Environment.Variables[spec.urlEnv]).toBeDefined();
    }
    expect(ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(queues.length);
  });

  it('keeps one secret per enabled channel, and tells the webhook function where they are', () => {
    const enabled = channelNames.filter((c) => config.channels[c].enabled);
    const secrets = ofType('AWS::SecretsManager::Secret');
    expect(secrets.map(([, s]) => s.Properties.Name)).toEqual(enabled.map((c) => `switchboard/channels/${c}`));
    // The variable is JSON joined around the secrets' references; stand each reference in as a string.
    const joined = resources[fnId('webhook')].Properties.Environment.Variables[env.channelSecretArns]['Fn::Join'][1] as (string | { Ref: string })[];
    const arns = JSON.parse(joined.map((part) => (typeof part === 'string' ? part : `arn-of:${part.Ref}`)).join(''));
    expect(arns).toEqual(Object.fromEntries(enabled.map((c, i) => [c, `arn-of:${secrets[i][0]}`])));
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

  it('has a rule per topology event rule, into its log group', () => {
    expect(ofType('AWS::Events::Rule')).toHaveLength(eventRules.length);
    for (const spec of eventRules) {
      const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.Description === spec.description)!;
      expect(rule.Properties.EventPattern).toEqual(spec.pattern);
      const logGroupId = JSON.stringify(rule.Properties.Targets[0].Arn).match(/"Ref":"([^"]+)"\}\]\]\}$/)![1];
      expect(resources[logGroupId].Properties).toMatchObject({
        LogGroupName: `/switchboard/${spec.target.name}`,
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
  ] as const)('%s may send exactly %j to the table', (name, expected) => {
    expect(dynamoActionsOf(name)).toEqual(expected);
  });

  it('only functions that query reach the indexes', () => {
    const resourcesOf = (name: FunctionName) => JSON.stringify(statementsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:'))).map((s) => s.Resource));
    expect(resourcesOf('listTickets')).toContain('/index/');
    expect(resourcesOf('ingest')).not.toContain('/index/');
  });

  it('the webhook function has no DynamoDB permission at all', () => {
    expect(statementsOf('webhook').flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('the ingest function writes the table and publishes events', () => {
    const actions = statementsOf('ingest').flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'events:PutEvents']));
  });

  it('only the webhook function can read channel secrets', () => {
    const webhookPolicies = ofType('AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId('webhook')));
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      const readsSecrets = (policy.Properties.PolicyDocument.Statement as Statement[]).some((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      expect({ id, readsSecrets }).toEqual({ id, readsSecrets: webhookPolicies.some(([wid]) => wid === id) });
    }
    expect(ofType('AWS::SecretsManager::ResourcePolicy')).toEqual([]);
  });

  it('uses Resource "*" only for X-Ray, which has no resource-level permissions', () => {
    const wildcard = ofType('AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
    expect(wildcard.flatMap(actionsOf).filter((a) => !a.startsWith('xray:'))).toEqual([]);
  });
});

describe('observability', () => {
  it('has the Switchboard dashboard with the business metrics', () => {
    const [, dashboard] = only('AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('Switchboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of ['MessagesReceived', 'TicketsCreated', 'MessagesMerged', 'TicketsReopened', 'DuplicatesDropped', 'WebhooksRejected']) {
      expect(body).toContain(metric);
    }
  });

  it('alarms on a non-empty dead-letter queue, ingest errors and API 5xx, into an encrypted topic', () => {
    const [topicId, topic] = only('AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });

    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms).toHaveLength(queues.length + 2);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: topicId }] });
    }
    const dlqAlarms = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
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
});

it('outputs exactly what the README refers to', () => {
  expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['ApiUrl', 'DashboardUrl', 'UserPoolClientId', 'UserPoolId', 'WebhookUrl']);
});
