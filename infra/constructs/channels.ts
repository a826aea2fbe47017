import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { channels as channelModules } from '../../shared/channels/registry';
import { type ChannelName, channelNames, type SwitchboardConfig } from '../../shared/config';
import { env, type FunctionName } from '../topology';
import type { SwitchboardFunction } from './function';

export interface ChannelsProps {
  readonly config: SwitchboardConfig;
  readonly functions: Record<FunctionName, SwitchboardFunction>;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
}

/** Where SES stores received mail in the bucket; the email function reads only below it. */
export const MAIL_PREFIX = 'inbound/';

/**
 * What the providers need on the AWS side: each enabled channel's secret (read by the webhook and
 * delivery functions), SES inbound (a bucket for raw mail, a receipt rule storing into it and
 * invoking the email function) and SES sending, and Amazon Connect's permission to invoke the
 * voice function.
 */
export class Channels extends Construct {
  readonly secrets: Partial<Record<ChannelName, secretsmanager.Secret>> = {};
  readonly mailBucket?: s3.Bucket;
  readonly receiptRuleSet?: ses.ReceiptRuleSet;
  /** Email events the email function failed on after Lambda's retries; alarmed. */
  readonly emailFailures?: sqs.Queue;

  constructor(scope: Construct, id: string, props: ChannelsProps) {
    super(scope, id);
    const { config, functions } = props;
    const enabled = channelNames.filter((c) => config.channels[c].enabled);

    const secretArns: Record<string, string> = {};
    for (const channel of enabled) {
      const [generated, ...others] = channelModules[channel]!.secretFields;
      const secret = new secretsmanager.Secret(this, `${channel}Secret`, {
        secretName: `switchboard/channels/${channel}`,
        description: `Credentials of the ${channel} channel (${channelModules[channel]!.secretFields.join(', ')}): replace the placeholders with the values the provider issues (README: Channels).`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify(Object.fromEntries(others.map((f) => [f, 'REPLACE_ME']))),
          generateStringKey: generated,
          passwordLength: 48,
          excludePunctuation: true,
        },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The values are issued by the channel provider and shared with it; rotating them is a provider-side action, which a Secrets Manager rotation Lambda cannot perform',
      });
      for (const fn of [functions.webhook, functions.delivery]) secret.grantRead(fn);
      secretArns[channel] = secret.secretArn;
      this.secrets[channel] = secret;
    }
    for (const fn of [functions.webhook, functions.delivery]) fn.addJsonEnvironment(env.channelSecretArns, secretArns);

    if (config.channels.email.enabled) {
      this.mailBucket = this.inboundMail(props);
      this.emailFailures = this.emailFunctionFailures(functions.email);
      if (config.channels.email.recipients.length > 0) this.receiptRuleSet = this.receiptRules(props, this.mailBucket);
      if (config.channels.email.from) this.grantSending(functions.delivery, config.channels.email.from);
    }

    if (config.channels.voice.enabled) {
      functions.voice.bindTable(props.table);
      functions.voice.bindEventBus(props.bus);
      const instanceArn = config.channels.voice.connectInstanceArn;
      if (instanceArn) {
        functions.voice.addPermission('ConnectInvoke', {
          principal: new iam.ServicePrincipal('connect.amazonaws.com'),
          sourceArn: instanceArn,
          sourceAccount: Stack.of(this).account,
        });
      }
    }
  }

  private inboundMail({ functions }: ChannelsProps): s3.Bucket {
    const bucket = new s3.Bucket(this, 'MailBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      // Attachments are referenced by object key from tickets: mail is kept like the tickets are.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only SES writes here (the bucket policy admits SES for this account only) and only the email function reads; server access logs would need a second bucket per deployment, and CloudTrail data events cover audits where policy demands them',
    });
    functions.email.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${MAIL_PREFIX}*`)] }));
    Validations.of(functions.email.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${MAIL_PREFIX}*]`,
      reason: 'SES names each object by its own message id, known only when mail arrives; the grant is GetObject below the inbound prefix of this one bucket',
    });
    functions.email.addEnvironment('MAIL_BUCKET', bucket.bucketName);
    functions.email.addEnvironment('MAIL_PREFIX', MAIL_PREFIX);
    return bucket;
  }

  private emailFunctionFailures(fn: SwitchboardFunction): sqs.Queue {
    const failures = new sqs.Queue(this, 'EmailFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of the email function\'s asynchronous invocations; it is alarmed when not empty',
    });
    fn.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(failures) });
    return failures;
  }

  private receiptRules({ config, functions }: ChannelsProps, bucket: s3.Bucket): ses.ReceiptRuleSet {
    const ruleSet = new ses.ReceiptRuleSet(this, 'ReceiptRuleSet', { receiptRuleSetName: `${config.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-inbound` });
    ruleSet.addRule('ToTickets', {
      recipients: [...config.channels.email.recipients],
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      actions: [
        new sesActions.S3({ bucket, objectKeyPrefix: MAIL_PREFIX }),
        new sesActions.Lambda({ function: functions.email, invocationType: sesActions.LambdaInvocationType.EVENT }),
      ],
    });
    return ruleSet;
  }

  /** SES v2 SendEmail from the configured address, whether its address or its domain is the verified identity. */
  private grantSending(fn: SwitchboardFunction, from: string): void {
    const stack = Stack.of(this);
    const identity = (name: string) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [identity(from), identity(from.split('@')[1]!)],
        conditions: { StringEquals: { 'ses:FromAddress': from } },
      }),
    );
  }
}
