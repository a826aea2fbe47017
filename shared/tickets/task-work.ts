import type { Change, Ticket } from '../domain/ticket';
import type { SwitchboardConfig } from '../config';
import type { Caller } from '../http/caller';
import type { EventPublisher } from '../ingest/ports';
import type { AgentStore } from '../routing';
import type { NoteStore } from '../store/dynamodb-notes';
import type { TaskStore } from '../store/dynamodb-task-store';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import { isSupervisor, maySee, noSuchTicket, visibleTo } from './access';
import { changeTicket } from './change-ticket';
import {
  checkTaskListAccess,
  encodeTaskCursor,
  isOwnTaskChange,
  mayWorkTask,
  planTaskCreate,
  planTaskUpdate,
  type SubTask,
  type TaskContext,
  type TaskCreateRequest,
  taskEvents,
  taskIdFor,
  type TaskListResponse,
  type TaskPatch,
  parseTaskListRequest,
} from './tasks';

export interface TaskDeps {
  readonly tickets: TicketChanges;
  readonly tasks: TaskStore;
  readonly agents: Pick<AgentStore, 'getAgent' | 'listAgents'>;
  /** Agents holding a task see its ticket: they are added as notes' mentions are. */
  readonly collaborators: Pick<NoteStore, 'addCollaborators'>;
  readonly publisher: EventPublisher;
  readonly config: SwitchboardConfig;
  readonly now: () => Date;
}

/** Who a request names, looked up: whether the agent exists, whether anyone is on the team. */
async function contextFor(deps: TaskDeps, request: { assigneeId?: string; team?: string }, callerTeam?: string): Promise<TaskContext> {
  const [assignee, team] = await Promise.all([
    request.assigneeId !== undefined ? deps.agents.getAgent(request.assigneeId).then((a) => ({ agentId: request.assigneeId!, exists: a !== undefined })) : undefined,
    request.team !== undefined ? deps.agents.listAgents().then((all) => ({ name: request.team!, exists: all.some((a) => a.team === request.team) })) : undefined,
  ]);
  return { ...(assignee ? { assignee } : {}), ...(team ? { team } : {}), ...(callerTeam !== undefined ? { callerTeam } : {}) };
}

const teamOf = async (deps: TaskDeps, caller: Caller): Promise<string | undefined> => (await deps.agents.getAgent(caller.sub))?.team;

/**
 * POST /tickets/{id}/tasks. The ticket's copy is written first (a versioned change: it decides the
 * limit and orders concurrent changes), then the rest follows from it, each step idempotent: the
 * assignee becomes a collaborator, the task's own item is written, the events published. A
 * retry with the same Idempotency-Key finds the task on the ticket and finishes those steps.
 */
export async function addTask(deps: TaskDeps, input: { ticketId: string; caller: Caller; request: TaskCreateRequest; idempotencyKey?: string }): Promise<SubTask> {
  const { ticketId, caller, request } = input;
  const ticket = visibleTo(await deps.tickets.getTicket(ticketId), ticketId, caller, deps.config);
  const context = await contextFor(deps, request);
  const taskId = taskIdFor(ticketId, caller.sub, input.idempotencyKey);
  const at = deps.now().toISOString();
  const { ticket: after, change } = await changeTicket(deps.tickets, ticketId, (current) => planTaskCreate(current, caller, request, context, at, taskId), ticket);
  return settle(deps, after, taskId, change ?? (isOwnTaskChange(after, taskId, caller) ? after.lastChange : undefined));
}

/**
 * PATCH /tickets/{id}/tasks/{taskId}: as addTask. If-Match, when sent, names the task's version
 * (its ETag). A caller who may not see the ticket but may work the task (its assignee, their team)
 * finds it; anyone else gets the 404 of a ticket that does not exist.
 */
export async function updateTask(deps: TaskDeps, input: { ticketId: string; taskId: string; caller: Caller; patch: TaskPatch; ifMatch?: number }): Promise<SubTask> {
  const { ticketId, taskId, caller, patch } = input;
  const ticket = await deps.tickets.getTicket(ticketId);
  if (!ticket) throw noSuchTicket(ticketId);
  const task = ticket.tasks?.find((t) => t.taskId === taskId);
  const callerTeam = !isSupervisor(caller) && task?.team !== undefined ? await teamOf(deps, caller) : undefined;
  if (!maySee(ticket, caller, deps.config) && !(task && mayWorkTask(ticket, task, caller, callerTeam))) throw noSuchTicket(ticketId);
  const context = await contextFor(deps, patch, callerTeam);
  const at = deps.now().toISOString();
  const { ticket: after, change } = await changeTicket(deps.tickets, ticketId, (current) => planTaskUpdate(current, caller, taskId, patch, context, at, input.ifMatch), ticket);
  return settle(deps, after, taskId, change ?? (isOwnTaskChange(after, taskId, caller) ? after.lastChange : undefined));
}

/** What follows a task's change on the ticket; each step harmless to repeat. */
async function settle(deps: TaskDeps, ticket: Ticket, taskId: string, change: Change | undefined): Promise<SubTask> {
  const task = ticket.tasks!.find((t) => t.taskId === taskId)!;
  if (task.assigneeId !== undefined && task.assigneeId !== ticket.assigneeId && !(ticket.collaborators ?? []).includes(task.assigneeId)) {
    await deps.collaborators.addCollaborators(ticket, [task.assigneeId]);
  }
  await deps.tasks.putTask(task);
  if (change) await deps.publisher.publish(taskEvents(ticket, change));
  return task;
}

/** GET /tasks: the caller's (or, for supervisors, anyone's) tasks, or their team's, in one status, oldest first. */
export async function listTasks(deps: Pick<TaskDeps, 'tasks' | 'agents'>, caller: Caller, query: Readonly<Record<string, string | undefined>> | undefined): Promise<TaskListResponse> {
  const request = parseTaskListRequest(query, caller);
  const callerTeam = request.owner.team !== undefined && !isSupervisor(caller) ? (await deps.agents.getAgent(caller.sub))?.team : undefined;
  checkTaskListAccess(request.owner, caller, callerTeam);
  const page = await deps.tasks.listTasks(request);
  return { tasks: page.tasks, ...(page.lastKey ? { nextCursor: encodeTaskCursor(page.lastKey) } : {}) };
}
