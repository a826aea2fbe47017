import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { domainEvent, type DomainEvent, SubTaskAssigned, SubTaskCreated, SubTaskUpdated } from '../../events';
import { taskFields } from '../../events/ticket-work';
import type { Change, Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { fieldErrors, parseJsonRequest, problems } from '../http/problem';
import { isSupervisor, mayWork } from './access';
import type { PlannedChange } from './change-ticket';

/**
 * Sub-tasks: a ticket's pieces of work for another agent or a team (cross-department
 * collaboration), each with its own status. The ticket holds them (`tasks`, `taskProgress`), and
 * every change to one is a versioned `ticket.task` change with its audit entry. Each task also has
 * an item of its own on its owner's partition, so GET /tasks finds an agent's or a team's work by
 * a key (shared/store/dynamodb-task-store.ts). Decisions only.
 */

export const taskStatuses = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const MAX_TASKS_PER_TICKET = 50;
export const MAX_TASK_TITLE = 200;

export interface SubTask {
  readonly taskId: string;
  readonly ticketId: string;
  readonly title: string;
  readonly status: TaskStatus;
  /** Who does it: an agent, or a team (whose members may take it). Exactly one of the two. */
  readonly assigneeId?: string;
  readonly team?: string;
  readonly dueAt?: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Moves on every change of the task: its ETag, and the If-Match a PATCH may send. */
  readonly version: number;
}

export interface TaskProgress {
  readonly done: number;
  /** The tasks not cancelled. */
  readonly total: number;
}

/**
 * A task's lifecycle: open until done or cancelled; either can be reopened.
 *
 *     open ──▶ done
 *       │ ◀──────┘
 *       └──▶ cancelled ──▶ open
 */
const taskEdges: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  open: ['done', 'cancelled'],
  done: ['open'],
  cancelled: ['open'],
};

export const mayMoveTask = (from: TaskStatus, to: TaskStatus): boolean => taskEdges[from].includes(to);

export function progressOf(tasks: readonly Pick<SubTask, 'status'>[]): TaskProgress {
  return { done: tasks.filter((t) => t.status === 'done').length, total: tasks.filter((t) => t.status !== 'cancelled').length };
}

const agentId = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must be an agent id (their sign-in "sub"); GET /agents lists them');
const team = z.string().trim().min(1, 'must not be empty').max(64);
const title = z.string().trim().min(1, 'must not be empty').max(MAX_TASK_TITLE, `must be at most ${MAX_TASK_TITLE} characters`);
const dueAt = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 date and time, like 2026-11-25T17:00:00Z' })
  .transform((d) => new Date(d).toISOString());

export const taskCreateRequest = z
  .strictObject({
    title,
    /** The agent who does it, or else… */
    assigneeId: agentId.optional(),
    /** …the team whose members may take it. */
    team: team.optional(),
    dueAt: dueAt.optional(),
  })
  .refine((r) => (r.assigneeId === undefined) !== (r.team === undefined), { path: ['assigneeId'], message: 'name who does it: assigneeId (an agent) or team, exactly one' });
export type TaskCreateRequest = z.infer<typeof taskCreateRequest>;

export const taskPatchRequest = z
  .strictObject({
    status: z.enum(taskStatuses, { error: `must be one of ${taskStatuses.join(', ')}` }).optional(),
    title: title.optional(),
    /** Gives the task to this agent (no longer to a team). */
    assigneeId: agentId.optional(),
    /** Gives the task to this team (no longer to an agent). */
    team: team.optional(),
    /** null removes the due date. */
    dueAt: dueAt.nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { path: [], message: `name at least one of ${taskFields.join(', ')}` })
  .refine((p) => p.assigneeId === undefined || p.team === undefined, { path: ['assigneeId'], message: 'a task is an agent\'s or a team\'s: send assigneeId or team, not both' });
export type TaskPatch = z.infer<typeof taskPatchRequest>;

export const parseTaskCreate = (body: string | undefined): TaskCreateRequest =>
  parseJsonRequest(body, taskCreateRequest, '{"title": "Refund the second charge", "team": "billing"}', 'The sub-task is not valid.');

export const parseTaskPatch = (body: string | undefined): TaskPatch => parseJsonRequest(body, taskPatchRequest, '{"status": "done"}', 'The sub-task change is not valid.');

/** `task_` and 16 hex digits; a malformed one is a task that does not exist (404). */
export const taskIdPattern = /^task_[0-9a-f]{16}$/;

export function parseTaskId(id: string | undefined, ticketId: string): string {
  if (id === undefined || !taskIdPattern.test(id)) throw noSuchTask(ticketId, id ?? '');
  return id;
}

const noSuchTask = (ticketId: string, taskId: string) => problems.notFound(`Ticket ${ticketId} has no sub-task ${taskId}; GET /tickets/${ticketId} lists its tasks.`);

/** A task's id: from the request's Idempotency-Key when given (a retry makes the same task), else random. */
export const taskIdFor = (ticketId: string, callerId: string, idempotencyKey?: string): string =>
  `task_${createHash('sha256')
    .update(idempotencyKey ? `task\n${ticketId}\n${callerId}\n${idempotencyKey}` : randomUUID())
    .digest('hex')
    .slice(0, 16)}`;

/** What the handler found out about the agents and teams a request names, and the caller's own team. */
export interface TaskContext {
  readonly assignee?: { readonly agentId: string; readonly exists: boolean };
  readonly team?: { readonly name: string; readonly exists: boolean };
  /** The caller's team in their agent profile (they may work their team's tasks). */
  readonly callerTeam?: string;
}

/** Who may change a task: those who may work its ticket, its assignee, and members of its team. */
export function mayWorkTask(ticket: Pick<Ticket, 'assigneeId' | 'collaborators'>, task: Pick<SubTask, 'assigneeId' | 'team'>, caller: Caller, callerTeam?: string): boolean {
  if (mayWork(ticket, caller)) return true;
  if (!caller.groups.includes('agent') && !isSupervisor(caller)) return false;
  return task.assigneeId === caller.sub || (task.team !== undefined && task.team === callerTeam);
}

/** The owner a request gives a task, checked against who exists: 400 naming the field otherwise. */
function checkOwner(request: { assigneeId?: string; team?: string }, context: TaskContext): void {
  if (request.assigneeId !== undefined && !(context.assignee?.agentId === request.assigneeId && context.assignee.exists)) {
    throw problems.badRequest('The sub-task is not valid.', [{ field: 'assigneeId', message: `there is no agent ${request.assigneeId}; GET /agents lists them` }]);
  }
  if (request.team !== undefined && !(context.team?.name === request.team && context.team.exists)) {
    throw problems.badRequest('The sub-task is not valid.', [{ field: 'team', message: `no agent is on team "${request.team}"; GET /agents lists the agents and their teams` }]);
  }
}

export interface PlannedTask extends PlannedChange {
  readonly task: SubTask;
}

/** The ticket-side fields after a task is added or changed: the list in its order, and the progress. */
function withTask(ticket: Ticket, task: SubTask): { tasks: SubTask[]; taskProgress: TaskProgress } {
  const current = ticket.tasks ?? [];
  const tasks = current.some((t) => t.taskId === task.taskId) ? current.map((t) => (t.taskId === task.taskId ? task : t)) : [...current, task];
  return { tasks, taskProgress: progressOf(tasks) };
}

const taskCause = (task: Pick<SubTask, 'taskId' | 'version'>) => `task:${task.taskId}:v${task.version}`;

/**
 * Adding a sub-task: by whoever may work the ticket (its assignee, or a supervisor), not on a
 * closed ticket, at most MAX_TASKS_PER_TICKET. Undefined when the ticket has it already (a retry
 * with the same Idempotency-Key).
 */
export function planTaskCreate(ticket: Ticket, caller: Caller, request: TaskCreateRequest, context: TaskContext, at: string, taskId: string): PlannedTask | undefined {
  if (ticket.tasks?.some((t) => t.taskId === taskId)) return undefined;
  if (!mayWork(ticket, caller)) {
    throw problems.forbidden(`Sub-tasks of ticket ${ticket.ticketId} are added by the agent working it or a supervisor.`);
  }
  if (ticket.status === 'closed') {
    throw problems.conflict('ticket-closed', 'The ticket is closed', `Ticket ${ticket.ticketId} is closed: nothing more is done on it. The customer's next message opens a new ticket.`, { ticketStatus: ticket.status });
  }
  if ((ticket.tasks?.length ?? 0) >= MAX_TASKS_PER_TICKET) {
    throw problems.conflict('too-many-tasks', 'The ticket has too many sub-tasks', `A ticket holds at most ${MAX_TASKS_PER_TICKET} sub-tasks; cancel or reuse one, or link a new ticket instead.`, { limit: MAX_TASKS_PER_TICKET });
  }
  checkOwner(request, context);
  const task: SubTask = {
    taskId,
    ticketId: ticket.ticketId,
    title: request.title,
    status: 'open',
    ...(request.assigneeId !== undefined ? { assigneeId: request.assigneeId } : { team: request.team! }),
    ...(request.dueAt ? { dueAt: request.dueAt } : {}),
    createdBy: caller.sub,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const set = withTask(ticket, task);
  const change: Change = {
    version: ticket.version + 1,
    action: 'ticket.task',
    actor: { type: 'agent', id: caller.sub },
    at,
    cause: taskCause(task),
    before: { task: null, taskProgress: ticket.taskProgress ?? progressOf([]) },
    after: { task, taskProgress: set.taskProgress },
  };
  return { task, change, set };
}

/**
 * Changing a sub-task: by whoever may work the ticket, the task's assignee or its team's members.
 * Status moves along the task lifecycle (409 otherwise). Giving it to an agent takes it from its
 * team, and the other way round. Undefined when nothing would change (so a retried request is not
 * refused for the version its first attempt moved); otherwise `ifMatch`, when given, must be the
 * task's version (412).
 */
export function planTaskUpdate(ticket: Ticket, caller: Caller, taskId: string, patch: TaskPatch, context: TaskContext, at: string, ifMatch?: number): PlannedTask | undefined {
  const task = ticket.tasks?.find((t) => t.taskId === taskId);
  if (!task) throw noSuchTask(ticket.ticketId, taskId);
  if (!mayWorkTask(ticket, task, caller, context.callerTeam)) {
    throw problems.forbidden(`Sub-task ${taskId} is changed by the agent working ticket ${ticket.ticketId}, a supervisor, the task's assignee or a member of its team.`);
  }
  const before: Record<string, unknown> = {};
  const next: Record<string, unknown> = { ...task };
  const changed = (field: keyof SubTask, to: unknown) => {
    before[field] = task[field] ?? null;
    if (to === undefined) delete next[field];
    else next[field] = to;
  };
  if (patch.status !== undefined && patch.status !== task.status) {
    if (!mayMoveTask(task.status, patch.status)) {
      throw problems.conflict('task-transition-not-allowed', 'This status change is not allowed', `A ${task.status} sub-task cannot become ${patch.status}. From ${task.status} it may become: ${taskEdges[task.status].join(', ')}.`, {
        from: task.status,
        to: patch.status,
        allowed: taskEdges[task.status],
      });
    }
    changed('status', patch.status);
  }
  if (patch.title !== undefined && patch.title !== task.title) changed('title', patch.title);
  if (patch.assigneeId !== undefined && patch.assigneeId !== task.assigneeId) {
    checkOwner({ assigneeId: patch.assigneeId }, context);
    changed('assigneeId', patch.assigneeId);
    if (task.team !== undefined) changed('team', undefined);
  }
  if (patch.team !== undefined && patch.team !== task.team) {
    checkOwner({ team: patch.team }, context);
    changed('team', patch.team);
    if (task.assigneeId !== undefined) changed('assigneeId', undefined);
  }
  if (patch.dueAt !== undefined && (patch.dueAt ?? undefined) !== task.dueAt) changed('dueAt', patch.dueAt ?? undefined);
  if (Object.keys(before).length === 0) return undefined;
  if (ifMatch !== undefined && ifMatch !== task.version) {
    throw problems.preconditionFailed(
      'The sub-task has changed',
      `Sub-task ${taskId} is now at version ${task.version}, not ${ifMatch}. Read it again (GET /tickets/${ticket.ticketId}), reapply your change and send If-Match: "${task.version}".`,
      task.version,
    );
  }
  const updated = { ...next, updatedAt: at, version: task.version + 1 } as SubTask;
  const set = withTask(ticket, updated);
  const change: Change = {
    version: ticket.version + 1,
    action: 'ticket.task',
    actor: { type: 'agent', id: caller.sub },
    at,
    cause: taskCause(updated),
    before: { task: { taskId, ...before }, taskProgress: ticket.taskProgress ?? progressOf(ticket.tasks ?? []) },
    after: { task: updated, taskProgress: set.taskProgress },
  };
  return { task: updated, change, set };
}

/** The task a recorded `ticket.task` change left, and the fields it changed (none: it created the task). */
export function taskChangeOf(change: Change): { task: SubTask; fields: (typeof taskFields)[number][] | undefined } | undefined {
  if (change.action !== 'ticket.task') return undefined;
  const task = change.after.task as SubTask | undefined;
  if (!task) return undefined;
  const before = (change.before?.task ?? null) as Record<string, unknown> | null;
  return { task, fields: before ? taskFields.filter((f) => f in before) : undefined };
}

/**
 * The events of a recorded task change, rebuilt from the change alone, so a retry that finds it
 * recorded publishes the very same events (same ids): created or updated, and the new owner told
 * when the task came to them (not when they gave it to themselves).
 */
export function taskEvents(ticket: Pick<Ticket, 'ticketId' | 'customerId'>, change: Change): DomainEvent[] {
  const found = taskChangeOf(change);
  if (!found) return [];
  const { task, fields } = found;
  const id = `${ticket.ticketId}:v${change.version}`;
  const base = { version: 1 as const, occurredAt: change.at, ticketId: ticket.ticketId, customerId: ticket.customerId, taskId: task.taskId };
  const owner = { ...(task.assigneeId !== undefined ? { assigneeId: task.assigneeId } : {}), ...(task.team !== undefined ? { team: task.team } : {}) };
  const actor = { type: 'agent' as const, id: change.actor.id };
  const events = [
    fields
      ? domainEvent(SubTaskUpdated, { ...base, eventId: `${id}:task`, actor, fields, status: task.status, ...owner, ...(task.dueAt ? { dueAt: task.dueAt } : {}) })
      : domainEvent(SubTaskCreated, { ...base, eventId: `${id}:task`, actor, status: task.status, ...owner, ...(task.dueAt ? { dueAt: task.dueAt } : {}) }),
  ];
  const cameToOwner = !fields || fields.includes('assigneeId') || fields.includes('team');
  if (cameToOwner && task.assigneeId !== change.actor.id) {
    events.push(domainEvent(SubTaskAssigned, { ...base, eventId: `${id}:task-assigned`, ...owner, assignedBy: change.actor.id }));
  }
  return events;
}

/** Whether the ticket's latest change is this caller's change to this task: a retry finishes announcing it. */
export const isOwnTaskChange = (ticket: Ticket, taskId: string, caller: Caller): boolean =>
  ticket.lastChange.action === 'ticket.task' && ticket.lastChange.actor.id === caller.sub && (ticket.lastChange.cause ?? '').startsWith(`task:${taskId}:`);

// GET /tasks: an agent's or a team's tasks, by status.

export const DEFAULT_TASK_LIMIT = 50;
export const MAX_TASK_LIMIT = 100;
const limitMessage = `must be a whole number from 1 to ${MAX_TASK_LIMIT}`;

export const taskListQuery = z
  .strictObject({
    /** `me` (the default) or an agent id. */
    assignee: z.union([z.literal('me'), agentId]).optional(),
    team: team.optional(),
    status: z.enum(taskStatuses, { error: `must be one of ${taskStatuses.join(', ')}` }).optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, limitMessage)
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_TASK_LIMIT, limitMessage)
      .optional(),
    cursor: z.string().max(600).optional(),
  })
  .refine((q) => q.assignee === undefined || q.team === undefined, { path: ['team'], message: 'ask for an agent\'s tasks (assignee) or a team\'s (team), not both' });

export type TaskOwner = { readonly assigneeId: string; readonly team?: undefined } | { readonly team: string; readonly assigneeId?: undefined };

export interface TaskListRequest {
  readonly owner: TaskOwner;
  readonly status: TaskStatus;
  readonly limit: number;
  /** The list key after which this page starts. */
  readonly after?: string;
}

export const encodeTaskCursor = (key: string): string => Buffer.from(JSON.stringify({ k: key })).toString('base64url');

function decodeTaskCursor(cursor: string, status: TaskStatus): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    return typeof body.k === 'string' && body.k.startsWith(`${status}#`) ? body.k : undefined;
  } catch {
    return undefined;
  }
}

/** GET /tasks's query: whose tasks (`assignee=me` by default, or `team`), which status (open by default), a page. */
export function parseTaskListRequest(query: Readonly<Record<string, string | undefined>> | undefined, caller: Caller): TaskListRequest {
  const parsed = taskListQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((field) => ({ field, message: 'is not a parameter; use assignee, team, status, limit, cursor' })) : fieldErrors([i]),
    );
    throw problems.badRequest('Some query parameters are not valid; see errors.', errors);
  }
  const { assignee, team: teamName, status = 'open', limit = DEFAULT_TASK_LIMIT, cursor } = parsed.data;
  const owner: TaskOwner = teamName !== undefined ? { team: teamName } : { assigneeId: assignee === undefined || assignee === 'me' ? caller.sub : assignee };
  if (cursor === undefined) return { owner, status, limit };
  const after = decodeTaskCursor(cursor, status);
  if (!after) throw problems.badRequest('The cursor is not valid.', [{ field: 'cursor', message: 'must be a nextCursor from the same list (same status), unchanged' }]);
  return { owner, status, limit, after };
}

/** Supervisors see anyone's tasks; agents their own and their team's. */
export function checkTaskListAccess(owner: TaskOwner, caller: Caller, callerTeam: string | undefined): void {
  if (isSupervisor(caller)) return;
  if (owner.assigneeId === caller.sub || (owner.team !== undefined && owner.team === callerTeam)) return;
  throw problems.forbidden(owner.team !== undefined ? `Agents see the tasks of their own team (${callerTeam ?? 'none in your profile'}); supervisors see every team's.` : 'Agents see their own tasks (assignee=me); supervisors see anyone\'s.');
}

// Response bodies (the OpenAPI document is generated from these).

export const subTaskSchema = z.object({
  taskId: z.string(),
  ticketId: z.string(),
  title: z.string(),
  status: z.enum(taskStatuses),
  assigneeId: z.string().optional(),
  team: z.string().optional(),
  dueAt: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
export const taskProgressSchema = z.object({ done: z.number().int(), total: z.number().int() });
export const taskListResponse = z.object({ tasks: z.array(subTaskSchema), nextCursor: z.string().optional() });
export type TaskListResponse = z.infer<typeof taskListResponse>;
