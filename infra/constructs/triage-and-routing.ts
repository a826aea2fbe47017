import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SwitchboardConfig } from '../../shared/config';
import type { FunctionName } from '../topology';
import type { SwitchboardFunction } from './function';
import { TicketWorkflow } from './ticket-workflow';

export interface TriageAndRoutingProps {
  readonly config: SwitchboardConfig;
  readonly functions: Record<FunctionName, SwitchboardFunction>;
  readonly table: dynamodb.ITable;
  readonly bus: events.IEventBus;
}

/**
 * The Amazon Comprehend calls the triage function may make, and no other function may make any.
 * shared/triage/comprehend-analyzer.ts sends only the Batch forms today; drop the single-document
 * ones here if it never will.
 */
export const comprehendActions = ['comprehend:BatchDetectDominantLanguage', 'comprehend:BatchDetectSentiment'] as const;

/**
 * Triage, routing and SLAs: the triage function's Comprehend access (its queue, table and bus come
 * with the Queues), and the ticket workflow — one Standard state machine run per ticket that starts
 * its SLA clocks, assigns it and checks its deadlines — with the dead-letter queue for the events
 * that could not start a run. The routing function is a queue consumer; the agent API publishes
 * agent availability, which routing acts on.
 */
export class TriageAndRouting extends Construct {
  readonly workflow: TicketWorkflow;
  /** Events the StartTicketWorkflow / RestartTicketWorkflow rules could not deliver to the state machine. */
  readonly workflowDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: TriageAndRoutingProps) {
    super(scope, id);
    const { config, functions, table, bus } = props;

    // A policy of its own rather than the role's default one, so the acknowledgement below covers
    // exactly this statement and not the X-Ray one.
    const comprehend = new iam.Policy(this, 'TriageComprehend', {
      roles: [functions.triage.role!],
      statements: [new iam.PolicyStatement({ actions: [...comprehendActions], resources: ['*'] })],
    });
    // The function is not created (and fed its queue) before it may call Comprehend.
    functions.triage.node.addDependency(comprehend);
    Validations.of(comprehend).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Amazon Comprehend detection calls (BatchDetectDominantLanguage, BatchDetectSentiment) support no resource-level permissions, so IAM accepts only Resource "*"; the statement lists those two actions only, on the triage role only, which a stack test checks',
    });

    functions.workflow.bindTable(table);
    functions.workflow.bindEventBus(bus);
    // PUT /agents/{id} and PUT /agents/me/presence publish AgentAvailabilityChanged for routing.
    functions.agents.bindEventBus(bus);

    // The state machine's role is the workflow function's only invoker: the LambdaInvoke tasks grant
    // it lambda:InvokeFunction, and nothing adds a resource policy to the function.
    this.workflow = new TicketWorkflow(this, 'TicketWorkflow', { task: functions.workflow, logRetentionDays: config.logRetentionDays });
    const role = this.workflow.stateMachine.role;
    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(functions.workflow)}.Arn>:*]`,
        reason:
          "Step Functions' LambdaInvoke grant adds the function ARN with :* so versions and aliases of the one workflow function may be invoked too; it reaches no other function",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and Step Functions logging to CloudWatch Logs (logs:CreateLogDelivery and the other log-delivery actions) support no resource-level permissions',
      },
    );
    Validations.of(this.workflow.stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'Logs at ERROR level, without execution data (which holds customer and ticket ids): a Standard workflow keeps every state transition in its execution history for 90 days, so ALL would copy each ticket run into CloudWatch Logs for no new information',
    });

    this.workflowDeadLetterQueue = new sqs.Queue(this, 'WorkflowStartsDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.workflowDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the EventBridge rules that start the ticket workflow (events the state machine did not accept after 185 retries); it is alarmed when not empty',
    });
  }
}

function logicalIdOf(fn: lambda.IFunction): string {
  return Stack.of(fn).getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
}
