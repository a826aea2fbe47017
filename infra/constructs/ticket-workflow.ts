import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

export interface TicketWorkflowProps {
  /** The function that runs every task (functions/workflow). */
  readonly task: lambda.IFunction;
  readonly logRetentionDays: number;
}

/** The task states, by name: local mode runs each one's payload through the same handler. */
export const workflowTasks = ['Start', 'Check'] as const;

/**
 * One Standard workflow run per ticket (and per change of its deadlines or needs): start its SLA
 * clocks and assign it, then wait until each deadline and check it, until it is solved or a newer
 * run takes over. JSONPath only, so the same definition runs locally (aws-local-stepfunctions).
 */
export class TicketWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TicketWorkflowProps) {
    super(scope, id);
    const invoke = (name: (typeof workflowTasks)[number], payload: Record<string, unknown>) => {
      const task = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: props.task,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      });
      // Lambda hiccups and the task's own failures (a throttled table) are retried with backoff;
      // after that the run fails, which the WorkflowFailures alarm reports.
      task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.minutes(2), jitterStrategy: sfn.JitterType.FULL });
      return task;
    };
    const run = { 'ticketId.$': '$.ticketId', 'generation.$': '$.generation' };

    const start = invoke('Start', { action: 'start', 'event.$': '$' });
    const check = invoke('Check', { action: 'check', ...run, 'nextCheckAt.$': '$.nextCheckAt' });
    const done = new sfn.Succeed(this, 'Done');
    const wait = new sfn.Wait(this, 'WaitForDeadline', { time: sfn.WaitTime.timestampPath('$.nextCheckAt') });
    const doneAfterCheck = new sfn.Choice(this, 'CheckedDone').when(sfn.Condition.booleanEquals('$.done', true), done).otherwise(wait.next(check));
    check.next(doneAfterCheck);

    const definition = start.next(
      new sfn.Choice(this, 'Started').when(sfn.Condition.booleanEquals('$.done', true), done).otherwise(check),
    );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: "A ticket's assignment and SLA deadlines: start and assign, then wait and check until solved",
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: props.logRetentionDays }),
        level: sfn.LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
  }
}
