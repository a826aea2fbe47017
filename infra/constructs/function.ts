import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { SwitchboardConfig } from '../../shared/config';
import { tableDesign } from '../../shared/store/table-design';
import { env, type FunctionName, functions, type QueueSpec, type TableAction } from '../topology';

export const repoRoot = path.join(__dirname, '..', '..');

export interface SwitchboardFunctionProps {
  readonly name: FunctionName;
  readonly config: SwitchboardConfig;
  /** Absolute path of the handler; defaults to the topology's entry. Tests point it at a stub. */
  readonly entry?: string;
}

/**
 * A Lambda function with Switchboard's defaults, sized and described by the topology. Wire a
 * resource to it with one `bind*` call, which sets the environment variable and grants exactly
 * what that use needs.
 */
export class SwitchboardFunction extends NodejsFunction {
  readonly switchboardName: FunctionName;

  constructor(scope: Construct, id: string, props: SwitchboardFunctionProps) {
    const spec = functions[props.name];
    // Siblings rather than children: both must exist before super(). The role is ours so it carries
    // no AWS managed policy; the function writes only to its own log group.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.config.logRetentionDays });
    const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: props.entry ?? path.join(repoRoot, spec.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      timeout: Duration.seconds(spec.timeoutSeconds),
      memorySize: spec.memoryMb,
      description: spec.description,
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'switchboard',
        POWERTOOLS_METRICS_NAMESPACE: 'Switchboard',
        [env.config]: JSON.stringify(props.config),
      },
      // Everything is bundled, the AWS SDK v3 clients too: the function runs the SDK version the
      // tests ran, not whatever the runtime ships, and each function carries only the clients it imports.
      bundling: { format: OutputFormat.CJS, target: 'node22', minify: true, sourceMap: true, externalModules: [] },
    });

    this.switchboardName = props.name;

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is deliberate: the toolchain and tests run on Node 20/22 and are not yet checked on Node 24; move to nodejs24.x once they are',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; a stack test checks no other statement of a function role uses Resource * but the triage function\'s Comprehend calls, acknowledged on their own policy',
    });
  }

  /** Sets TABLE_NAME and grants the table operations the topology lists for this function, on the indexes too if it queries. */
  bindTable(table: dynamodb.ITable): void {
    const actions: readonly TableAction[] = (functions[this.switchboardName] as { tableActions?: readonly TableAction[] }).tableActions ?? [];
    if (actions.length === 0) throw new Error(`${this.switchboardName} lists no tableActions in infra/topology.ts`);
    this.addEnvironment(env.table, table.tableName);
    // Index ARNs are listed from the design instead of CDK's `index/*`, so the grant holds no wildcard.
    const indexArns = actions.includes('Query') ? tableDesign.indexes.map((index) => `${table.tableArn}/index/${index.name}`) : [];
    this.addToRolePolicy(new iam.PolicyStatement({ actions: actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn, ...indexArns] }));
  }

  /** For a queue's producer: sets the queue URL in the spec's variable and grants sending only. */
  bindQueue(queue: sqs.IQueue, spec: QueueSpec): void {
    this.addEnvironment(spec.urlEnv, queue.queueUrl);
    queue.grantSendMessages(this);
  }

  bindEventBus(bus: events.IEventBus): void {
    this.addEnvironment(env.eventBus, bus.eventBusName);
    bus.grantPutEventsTo(this);
  }

  /** JSON in an environment variable, with any CloudFormation references in it resolved at deploy. */
  addJsonEnvironment(name: string, value: unknown): void {
    this.addEnvironment(name, Stack.of(this).toJsonString(value));
  }
}
