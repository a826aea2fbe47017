import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { TicketWorkflow, workflowTasks } from '../constructs/ticket-workflow';

/**
 * The ticket workflow in local mode: the state machine definition the CDK construct synthesizes,
 * run by aws-local-stepfunctions, with each task state's payload handed to the workflow function's
 * handler in this process, as Lambda would be invoked.
 */

/** aws-local-stepfunctions expects Node 22's Promise.withResolvers. */
if (!(Promise as { withResolvers?: unknown }).withResolvers) {
  Object.assign(Promise, {
    withResolvers<T>() {
      let resolve!: (value: T) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export const LOCAL_TASK_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:switchboard-workflow';

/** Resolves what CloudFormation would in a definition string: Fn::Join of literal parts. */
export function resolveDefinition(definition: unknown): Record<string, unknown> {
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(resolve).join(join[0]);
    throw new Error(`the workflow definition refers to a deploy-time value: ${JSON.stringify(value)}`);
  };
  return JSON.parse(resolve(definition)) as Record<string, unknown>;
}

/** The definition the construct synthesizes, with the task function's ARN set to `taskArn`. */
export function synthesizeWorkflowDefinition(taskArn = LOCAL_TASK_ARN): Record<string, unknown> {
  const stack = new Stack(new App(), 'LocalWorkflow', { env: { account: '000000000000', region: 'us-east-1' } });
  new TicketWorkflow(stack, 'Workflow', { task: lambda.Function.fromFunctionArn(stack, 'Task', taskArn), logRetentionDays: 1 });
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  return resolveDefinition(Object.values(machines)[0]!.Properties.DefinitionString);
}

export type TaskHandler = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflows {
  /** Starts a run with the event as its input, as the EventBridge target does; it runs in the background. */
  start(input: unknown): void;
  /** Runs started and not yet ended. */
  readonly running: number;
  /** Runs that failed, with why (newest 100). */
  readonly failures: readonly string[];
  close(): Promise<void>;
}

export interface LocalWorkflowOptions {
  /** Milliseconds every Wait lasts instead of its timestamp (tests compress time with 0). */
  readonly waitMs?: number;
  /** Milliseconds between task retries instead of the definition's backoff. */
  readonly retryMs?: number;
}

export function startWorkflows(definition: Record<string, unknown>, handler: TaskHandler, options: LocalWorkflowOptions = {}): LocalWorkflows {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const runs = new Set<{ abort: () => void; result: Promise<unknown> }>();
  const failures: string[] = [];
  const states = (definition.States ?? {}) as Record<string, { Type: string }>;
  const waits = Object.keys(states).filter((name) => states[name]!.Type === 'Wait');
  // Tasks in flight: an aborted run does not stop its task's handler, so closing waits for them.
  const tasks = new Set<Promise<unknown>>();
  const track = (input: unknown) => {
    const task = handler(input);
    tasks.add(task);
    void task.catch(() => undefined).finally(() => tasks.delete(task));
    return task as Promise<never>;
  };
  const overrides = {
    taskResourceLocalHandlers: Object.fromEntries(workflowTasks.map((name) => [name, track])),
    ...(options.waitMs !== undefined ? { waitTimeOverrides: Object.fromEntries(waits.map((name) => [name, options.waitMs!])) } : {}),
    ...(options.retryMs !== undefined ? { retryIntervalOverrides: Object.fromEntries(workflowTasks.map((name) => [name, options.retryMs!])) } : {}),
  };
  return {
    start(input) {
      const run = machine.run(input as never, { overrides, noThrowOnAbort: true });
      runs.add(run);
      run.result
        .catch((error: Error) => {
          failures.push(`${error.name}: ${error.message}`);
          if (failures.length > 100) failures.shift();
        })
        .finally(() => runs.delete(run));
    },
    get running() {
      return runs.size;
    },
    failures,
    close: async () => {
      for (const run of runs) run.abort();
      await Promise.allSettled([...runs].map((r) => r.result));
      await Promise.allSettled([...tasks]);
    },
  };
}
