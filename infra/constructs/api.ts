import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { SwitchboardConfig } from '../../shared/config';
import { type FunctionName, functions as functionSpecs, routes, userGroups } from '../topology';
import type { SwitchboardFunction } from './function';

export interface ApiProps {
  readonly config: SwitchboardConfig;
  readonly functions: Record<FunctionName, SwitchboardFunction>;
  readonly table: dynamodb.ITable;
}

const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    sourceIp: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

/**
 * The HTTP API: a route per topology route, Cognito sign-in for agents (a group per role), and
 * access logs on the one stage.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config, functions } = props;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${config.name}-agents`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'MFA is optional (TOTP only) so an admin-created agent can sign in, then enrol an authenticator; enforcing it is the `mfa` setting in this construct',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'The Plus tier is billed per active user; accounts are staff created by an admin (self sign-up is off), so adaptive threat protection is left to operators whose policy requires it',
      },
    );
    // USER_PASSWORD_AUTH is the one flow `aws cognito-idp initiate-auth` can complete from a shell.
    this.userPoolClient = this.userPool.addClient('Client', {
      generateSecret: false,
      authFlows: { userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    for (const group of userGroups) {
      new cognito.CfnUserPoolGroup(this, `${group}Group`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description: `Switchboard ${group}s`,
      });
    }

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: config.name,
      description: `${config.name} channel webhooks and agent API`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs), format: accessLogFormat },
      // Keeps a runaway client or a webhook storm below the account-wide limit other APIs share.
      throttle: { rateLimit: 100, burstLimit: 200 },
    });

    const authorizer = new HttpUserPoolAuthorizer('Agents', this.userPool, { userPoolClients: [this.userPoolClient] });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const spec of routes) {
      if (!integrations.has(spec.function)) {
        integrations.set(spec.function, new HttpLambdaIntegration(`${spec.function}Integration`, functions[spec.function]));
      }
      const [route] = this.httpApi.addRoutes({
        path: spec.path,
        methods: [apigw.HttpMethod[spec.method]],
        integration: integrations.get(spec.function)!,
        authorizer: spec.auth === 'jwt' ? authorizer : new apigw.HttpNoneAuthorizer(),
      });
      if (spec.auth === 'none') {
        if (!spec.publicBecause) throw new Error(`${spec.method} ${spec.path} is open to anyone: say why in its publicBecause (infra/topology.ts)`);
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: spec.publicBecause });
      }
    }

    // Each route function gets the table operations the topology lists for it (the webhook none).
    for (const name of new Set(routes.map((r) => r.function))) {
      if ((functionSpecs[name] as { tableActions?: readonly string[] }).tableActions) functions[name].bindTable(props.table);
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
