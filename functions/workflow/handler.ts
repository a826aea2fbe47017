import type { Context } from 'aws-lambda';
import { runTask, type WorkflowTask } from '../../shared/workflow/tasks';
import { withPowertools } from '../commons/handler';
import { logger } from '../commons/powertools';
import { routingDeps } from '../commons/routing';

const deps = routingDeps();

/** A task of the ticket workflow; Step Functions alone may invoke it. Errors go back to its Retry. */
export const handler = withPowertools(async (task: WorkflowTask, _context: Context) => {
  const state = await runTask(deps, task);
  logger.info('workflow task', { action: task.action, ticketId: state.ticketId, generation: state.generation, done: state.done, nextCheckAt: state.nextCheckAt });
  return state;
});
