import fc from 'fast-check';
import { SubTaskAssigned, SubTaskCreated, SubTaskUpdated } from '../../../events';
import { parseConfig } from '../../../shared/config';
import { type Change, type Ticket, ticketFromSeed } from '../../../shared/domain/ticket';
import type { Caller } from '../../../shared/http/caller';
import { HttpProblem } from '../../../shared/http/problem';
import {
  checkTaskListAccess,
  encodeTaskCursor,
  MAX_TASKS_PER_TICKET,
  mayMoveTask,
  mayWorkTask,
  parseTaskCreate,
  parseTaskId,
  parseTaskListRequest,
  parseTaskPatch,
  planTaskCreate,
  planTaskUpdate,
  progressOf,
  type SubTask,
  type TaskContext,
  taskEvents,
  taskIdFor,
  taskStatuses,
} from '../../../shared/tickets/tasks';
import { problemOf } from '../../support/problems';

const base = ticketFromSeed({ ticketId: 'tkt_0123456789abcdef', customerId: 'cus_0123456789abcdef', channel: 'web', subject: 's', createdAt: '2026-11-23T09:00:00.000Z', messageId: 'web:1' });
const ticket: Ticket = { ...base, status: 'open', assigneeId: 'alice' };
const alice: Caller = { sub: 'alice', groups: ['agent'] };
const bob: Caller = { sub: 'bob', groups: ['agent'] };
const mei: Caller = { sub: 'mei', groups: ['agent'] };
const lin: Caller = { sub: 'lin', groups: ['supervisor'] };
const root: Caller = { sub: 'root', groups: ['admin'] };
const AT = '2026-11-23T10:00:00.000Z';
const LATER = '2026-11-23T11:00:00.000Z';
const known = (request: { assigneeId?: string; team?: string }, extra: TaskContext = {}): TaskContext => ({
  ...(request.assigneeId ? { assignee: { agentId: request.assigneeId, exists: request.assigneeId !== 'ghost' } } : {}),
  ...(request.team ? { team: { name: request.team, exists: request.team !== 'nobody' } } : {}),
  ...extra,
});

/** Applies a plan as the store would: the planned fields, the next version, the change as the latest. */
const apply = (t: Ticket, plan: { change: Change; set: object } | undefined): Ticket => (plan ? ({ ...t, ...plan.set, version: plan.change.version, lastChange: plan.change } as Ticket) : t);

const create = (t: Ticket, caller: Caller, request: { title: string; assigneeId?: string; team?: string; dueAt?: string }, taskId = 'task_00000000000000a1', at = AT) =>
  planTaskCreate(t, caller, request, known(request), at, taskId);

describe('adding a sub-task', () => {
  test('an open task on the ticket, version 1; the ticket moves one version, records a ticket.task change and its progress', () => {
    const plan = create(ticket, alice, { title: 'Refund the second charge', team: 'billing', dueAt: '2026-11-25T17:00:00.000Z' })!;
    const task: SubTask = {
      taskId: 'task_00000000000000a1',
      ticketId: ticket.ticketId,
      title: 'Refund the second charge',
      status: 'open',
      team: 'billing',
      dueAt: '2026-11-25T17:00:00.000Z',
      createdBy: 'alice',
      createdAt: AT,
      updatedAt: AT,
      version: 1,
    };
    expect(plan.task).toEqual(task);
    expect(plan.set).toEqual({ tasks: [task], taskProgress: { done: 0, total: 1 } });
    expect(plan.change).toEqual({
      version: ticket.version + 1,
      action: 'ticket.task',
      actor: { type: 'agent', id: 'alice' },
      at: AT,
      cause: 'task:task_00000000000000a1:v1',
      before: { task: null, taskProgress: { done: 0, total: 0 } },
      after: { task, taskProgress: { done: 0, total: 1 } },
    });
  });

  test('tasks keep the order they were added in', () => {
    const one = apply(ticket, create(ticket, alice, { title: 'one', assigneeId: 'bob' }, 'task_0000000000000001'));
    const two = apply(one, create(one, alice, { title: 'two', team: 'billing' }, 'task_0000000000000002'));
    expect(two.tasks!.map((t) => t.title)).toEqual(['one', 'two']);
  });

  test('who may: the agent working the ticket, an agent on an unassigned one, a supervisor; not another agent, not an admin', () => {
    const request = { title: 't', assigneeId: 'bob' };
    expect(create(ticket, alice, request)).toBeDefined();
    expect(create(ticket, lin, request)).toBeDefined();
    expect(create({ ...ticket, assigneeId: undefined }, bob, request)).toBeDefined();
    expect(problemOf(() => create(ticket, bob, request)).status).toBe(403);
    // A collaborator sees the ticket and works their own tasks, not the ticket's.
    expect(problemOf(() => create({ ...ticket, collaborators: ['bob'] }, bob, request)).status).toBe(403);
    expect(problemOf(() => create(ticket, root, request)).status).toBe(403);
  });

  test('the agent or team must exist: 400 naming the field', () => {
    expect(problemOf(() => create(ticket, alice, { title: 't', assigneeId: 'ghost' })).errors).toEqual([{ field: 'assigneeId', message: expect.stringContaining('no agent ghost') }]);
    expect(problemOf(() => create(ticket, alice, { title: 't', team: 'nobody' })).errors).toEqual([{ field: 'team', message: expect.stringContaining('"nobody"') }]);
  });

  test('not on a closed ticket (409); on any other status', () => {
    expect(problemOf(() => create({ ...ticket, status: 'closed' }, alice, { title: 't', team: 'billing' }))).toMatchObject({ status: 409, type: 'urn:switchboard:problem:ticket-closed' });
    for (const status of ['new', 'open', 'pending', 'on-hold', 'solved'] as const) expect(create({ ...ticket, status }, alice, { title: 't', team: 'billing' })).toBeDefined();
  });

  test(`at most ${MAX_TASKS_PER_TICKET} tasks, cancelled ones included: the next is a 409 naming the limit`, () => {
    let t = ticket;
    for (let i = 0; i < MAX_TASKS_PER_TICKET; i++) t = apply(t, create(t, alice, { title: `t${i}`, team: 'billing' }, `task_${String(i).padStart(16, '0')}`));
    expect(t.tasks).toHaveLength(MAX_TASKS_PER_TICKET);
    expect(problemOf(() => create(t, alice, { title: 'one more', team: 'billing' }, 'task_ffffffffffffffff'))).toMatchObject({ status: 409, type: 'urn:switchboard:problem:too-many-tasks', limit: MAX_TASKS_PER_TICKET });
  });

  test('a task the ticket already has (a retried request) is no change, whoever asks and whatever the ticket now is', () => {
    const t = apply(ticket, create(ticket, alice, { title: 't', team: 'billing' }));
    expect(create(t, alice, { title: 't', team: 'billing' })).toBeUndefined();
    expect(create({ ...t, status: 'closed' }, alice, { title: 't', team: 'billing' })).toBeUndefined();
  });

  test('an Idempotency-Key fixes the task id per ticket and caller; without one each is new', () => {
    expect(taskIdFor(ticket.ticketId, 'alice', 'k1')).toBe(taskIdFor(ticket.ticketId, 'alice', 'k1'));
    expect(taskIdFor(ticket.ticketId, 'alice', 'k1')).not.toBe(taskIdFor(ticket.ticketId, 'bob', 'k1'));
    expect(taskIdFor(ticket.ticketId, 'alice', 'k1')).not.toBe(taskIdFor('tkt_ffffffffffffffff', 'alice', 'k1'));
    expect(taskIdFor(ticket.ticketId, 'alice')).not.toBe(taskIdFor(ticket.ticketId, 'alice'));
    expect(taskIdFor(ticket.ticketId, 'alice')).toMatch(/^task_[0-9a-f]{16}$/);
  });
});

describe('changing a sub-task', () => {
  const withTask = (request: { assigneeId?: string; team?: string } = { assigneeId: 'bob' }) => apply(ticket, create(ticket, alice, { title: 'Check the courier', ...request }));
  const TASK = 'task_00000000000000a1';
  const update = (t: Ticket, caller: Caller, patch: Parameters<typeof planTaskUpdate>[3], extra: TaskContext = {}, ifMatch?: number) => planTaskUpdate(t, caller, TASK, patch, known(patch, extra), LATER, ifMatch);

  test('every status pair: allowed moves change it, the others are a 409 naming the allowed ones', () => {
    for (const from of taskStatuses) {
      for (const to of taskStatuses) {
        const t = { ...withTask(), tasks: [{ ...withTask().tasks![0], status: from }] };
        if (from === to) expect(update(t, bob, { status: to })).toBeUndefined();
        else if (mayMoveTask(from, to)) expect(update(t, bob, { status: to })!.task.status).toBe(to);
        else expect(problemOf(() => update(t, bob, { status: to }))).toMatchObject({ status: 409, type: 'urn:switchboard:problem:task-transition-not-allowed', from, to, allowed: ['open'] });
      }
    }
    // Open is the only way out of done and cancelled; open goes to both.
    expect(taskStatuses.flatMap((from) => taskStatuses.filter((to) => mayMoveTask(from, to)).map((to) => `${from}>${to}`))).toEqual(['open>done', 'open>cancelled', 'done>open', 'cancelled>open']);
  });

  test('a change bumps the task version and updatedAt, the ticket version once, and records only what changed', () => {
    const t = withTask();
    const plan = update(t, bob, { status: 'done', title: 'Check the courier' })!;
    expect(plan.task).toMatchObject({ status: 'done', title: 'Check the courier', version: 2, updatedAt: LATER, createdAt: AT });
    expect(plan.change).toMatchObject({
      version: t.version + 1,
      action: 'ticket.task',
      actor: { type: 'agent', id: 'bob' },
      cause: `task:${TASK}:v2`,
      before: { task: { taskId: TASK, status: 'open' }, taskProgress: { done: 0, total: 1 } },
      after: { task: plan.task, taskProgress: { done: 1, total: 1 } },
    });
    expect(plan.set).toEqual({ tasks: [plan.task], taskProgress: { done: 1, total: 1 } });
  });

  test('an agent\'s task given to a team is no longer the agent\'s, and the other way round; a due date is set or removed', () => {
    const toTeam = update(withTask(), alice, { team: 'billing' })!;
    expect(toTeam.task).toMatchObject({ team: 'billing' });
    expect(toTeam.task.assigneeId).toBeUndefined();
    expect(toTeam.change.before).toMatchObject({ task: { assigneeId: 'bob', team: null } });
    const toAgent = update(withTask({ team: 'billing' }), alice, { assigneeId: 'mei' })!;
    expect(toAgent.task).toMatchObject({ assigneeId: 'mei' });
    expect(toAgent.task.team).toBeUndefined();
    const due = update(withTask(), alice, { dueAt: '2026-11-30T00:00:00.000Z' })!;
    expect(due.task.dueAt).toBe('2026-11-30T00:00:00.000Z');
    const undue = update(apply(withTask(), due), alice, { dueAt: null })!;
    expect(undue.task.dueAt).toBeUndefined();
    expect(update(withTask(), alice, { dueAt: null })).toBeUndefined();
    expect(problemOf(() => update(withTask(), alice, { assigneeId: 'ghost' })).errors?.[0]?.field).toBe('assigneeId');
  });

  test('who may: the ticket\'s workers, the task\'s assignee, members of its team; nobody else (403)', () => {
    const agents = withTask({ assigneeId: 'bob' });
    const teams = withTask({ team: 'billing' });
    expect(update(agents, alice, { status: 'done' })).toBeDefined();
    expect(update(agents, lin, { status: 'done' })).toBeDefined();
    expect(update(agents, bob, { status: 'done' })).toBeDefined();
    expect(problemOf(() => update(agents, mei, { status: 'done' })).status).toBe(403);
    expect(update(teams, mei, { assigneeId: 'mei' }, { callerTeam: 'billing' })).toBeDefined();
    expect(problemOf(() => update(teams, mei, { status: 'done' }, { callerTeam: 'support' })).status).toBe(403);
    expect(problemOf(() => update(teams, mei, { status: 'done' })).status).toBe(403);
    expect(problemOf(() => update(agents, root, { status: 'done' })).status).toBe(403);
    expect(mayWorkTask(agents, agents.tasks![0], { sub: 'bob', groups: ['admin'] })).toBe(false);
  });

  test('If-Match names the task\'s version: a stale one is a 412 with the current one; a request that changes nothing is not refused', () => {
    const t = withTask();
    expect(update(t, bob, { status: 'done' }, {}, 1)).toBeDefined();
    expect(problemOf(() => update(t, bob, { status: 'done' }, {}, 3))).toMatchObject({ status: 412, currentVersion: 1 });
    expect(update(apply(t, update(t, bob, { status: 'done' })), bob, { status: 'done' }, {}, 1)).toBeUndefined();
  });

  test('a task the ticket does not have is a 404', () => {
    expect(problemOf(() => planTaskUpdate(withTask(), alice, 'task_ffffffffffffffff', { status: 'done' }, {}, LATER)).status).toBe(404);
    expect(problemOf(() => parseTaskId('task_12', ticket.ticketId)).status).toBe(404);
    expect(parseTaskId(TASK, ticket.ticketId)).toBe(TASK);
  });
});

describe('progress', () => {
  test('done out of those not cancelled', () => {
    expect(progressOf([])).toEqual({ done: 0, total: 0 });
    expect(progressOf([{ status: 'done' }, { status: 'open' }, { status: 'cancelled' }])).toEqual({ done: 1, total: 2 });
  });

  test('any sequence of adds and changes by anyone: the ticket\'s progress is its tasks\', its version counts the changes, and the recorded changes replay to its tasks', () => {
    const callers = [alice, bob, mei, lin, root];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), who: fc.nat(4), owner: fc.constantFrom<{ assigneeId?: string; team?: string }>({ assigneeId: 'bob' }, { assigneeId: 'mei' }, { team: 'billing' }, { assigneeId: 'ghost' }) }),
      fc.record({
        kind: fc.constant('change' as const),
        who: fc.nat(4),
        task: fc.nat(60),
        patch: fc.record({ status: fc.constantFrom(...taskStatuses), assigneeId: fc.constantFrom('bob', 'mei'), team: fc.constant('billing'), title: fc.constantFrom('a', 'b') }, { requiredKeys: [] }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.boolean(), (ops, closed) => {
        let t: Ticket = { ...ticket, ...(closed ? { status: 'closed' as const } : {}) };
        const changes: Change[] = [];
        ops.forEach((o, i) => {
          const caller = callers[o.who]!;
          try {
            if (o.kind === 'add') {
              const plan = planTaskCreate(t, caller, { title: `t${i}`, ...o.owner }, known(o.owner), AT, `task_${String(i).padStart(16, '0')}`);
              if (plan) changes.push(plan.change);
              t = apply(t, plan);
            } else {
              const target = t.tasks?.[o.task % Math.max(1, t.tasks.length)];
              if (!target) return;
              const patch = o.patch.assigneeId !== undefined && o.patch.team !== undefined ? { ...o.patch, team: undefined } : o.patch;
              const plan = planTaskUpdate(t, caller, target.taskId, patch, known(patch, { callerTeam: caller.sub === 'mei' ? 'billing' : 'support' }), LATER);
              if (plan) changes.push(plan.change);
              t = apply(t, plan);
            }
          } catch (error) {
            if (!(error instanceof HttpProblem) || ![400, 403, 409].includes(error.problem.status)) throw error;
          }
        });
        const tasks = t.tasks ?? [];
        expect(t.taskProgress ?? progressOf([])).toEqual(progressOf(tasks));
        expect(t.version).toBe(ticket.version + changes.length);
        expect(tasks.length).toBeLessThanOrEqual(MAX_TASKS_PER_TICKET);
        if (closed) expect(tasks).toEqual([]);
        // Each task is exactly one owner's; its version counts its own changes.
        for (const task of tasks) expect((task.assigneeId === undefined) !== (task.team === undefined)).toBe(true);
        const replayed = new Map<string, SubTask>();
        for (const c of changes) replayed.set((c.after.task as SubTask).taskId, c.after.task as SubTask);
        expect([...replayed.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))).toEqual([...tasks].sort((a, b) => (a.taskId < b.taskId ? -1 : 1)));
        for (const task of tasks) expect(task.version).toBe(changes.filter((c) => (c.after.task as SubTask).taskId === task.taskId).length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('events', () => {
  const added = create(ticket, alice, { title: 'Call the courier about the parcel', assigneeId: 'bob', dueAt: '2026-11-25T17:00:00.000Z' })!;
  const t = apply(ticket, added);

  test('a new task: SubTaskCreated and SubTaskAssigned to its agent, ids from the ticket version, no title', () => {
    const events = taskEvents(t, added.change);
    expect(events.map((e) => e.detailType)).toEqual([SubTaskCreated.detailType, SubTaskAssigned.detailType]);
    expect(events[0]!.detail).toEqual({
      eventId: `${ticket.ticketId}:v${t.version}:task`,
      version: 1,
      occurredAt: AT,
      ticketId: ticket.ticketId,
      customerId: ticket.customerId,
      taskId: added.task.taskId,
      assigneeId: 'bob',
      actor: { type: 'agent', id: 'alice' },
      status: 'open',
      dueAt: '2026-11-25T17:00:00.000Z',
    });
    expect(events[1]!.detail).toMatchObject({ eventId: `${ticket.ticketId}:v${t.version}:task-assigned`, assigneeId: 'bob', assignedBy: 'alice' });
    expect(JSON.stringify(events)).not.toContain('courier');
  });

  test('a change: SubTaskUpdated with its fields; an owner told only when the task came to them from someone else', () => {
    const done = planTaskUpdate(t, bob, added.task.taskId, { status: 'done' }, {}, LATER)!;
    expect(taskEvents(apply(t, done), done.change).map((e) => [e.detailType, e.detail.fields])).toEqual([[SubTaskUpdated.detailType, ['status']]]);
    const toTeam = planTaskUpdate(t, alice, added.task.taskId, { team: 'billing' }, known({ team: 'billing' }), LATER)!;
    expect(taskEvents(apply(t, toTeam), toTeam.change).map((e) => [e.detailType, e.detail.team])).toEqual([
      [SubTaskUpdated.detailType, 'billing'],
      [SubTaskAssigned.detailType, 'billing'],
    ]);
    const teamTask = apply(t, toTeam);
    const taken = planTaskUpdate(teamTask, mei, added.task.taskId, { assigneeId: 'mei' }, known({ assigneeId: 'mei' }, { callerTeam: 'billing' }), LATER)!;
    expect(taskEvents(apply(teamTask, taken), taken.change).map((e) => e.detailType)).toEqual([SubTaskUpdated.detailType]);
    const own = create(ticket, alice, { title: 'mine', assigneeId: 'alice' })!;
    expect(taskEvents(apply(ticket, own), own.change).map((e) => e.detailType)).toEqual([SubTaskCreated.detailType]);
  });

  test('a change that is not a task change has no task events', () => {
    expect(taskEvents(ticket, ticket.lastChange)).toEqual([]);
  });
});

describe('requests', () => {
  const fields = (fn: () => unknown) => problemOf(fn).errors?.map((e) => e.field);

  test('a new task: a title of at most 200 characters, an agent or a team (one), an optional due date', () => {
    expect(parseTaskCreate('{"title":"  Call the courier ","team":" billing "}')).toEqual({ title: 'Call the courier', team: 'billing' });
    expect(parseTaskCreate('{"title":"x","assigneeId":"bob","dueAt":"2026-11-25T18:00:00+01:00"}')).toEqual({ title: 'x', assigneeId: 'bob', dueAt: '2026-11-25T17:00:00.000Z' });
    expect(fields(() => parseTaskCreate(JSON.stringify({ title: 'x'.repeat(201), team: 't' })))).toEqual(['title']);
    expect(fields(() => parseTaskCreate('{"title":"x"}'))).toEqual(['assigneeId']);
    expect(fields(() => parseTaskCreate('{"title":"x","assigneeId":"bob","team":"billing"}'))).toEqual(['assigneeId']);
    expect(fields(() => parseTaskCreate('{"title":"","assigneeId":"bob bob","dueAt":"tomorrow","colour":"red"}'))?.sort()).toEqual(['(body)', 'assigneeId', 'dueAt', 'title']);
    expect(problemOf(() => parseTaskCreate('nope')).status).toBe(400);
  });

  test('a change: at least one field, an agent or a team not both, a known status', () => {
    expect(parseTaskPatch('{"status":"done","dueAt":null}')).toEqual({ status: 'done', dueAt: null });
    expect(fields(() => parseTaskPatch('{}'))).toEqual(['(body)']);
    expect(fields(() => parseTaskPatch('{"assigneeId":"bob","team":"billing"}'))).toEqual(['assigneeId']);
    expect(fields(() => parseTaskPatch('{"status":"finished"}'))).toEqual(['status']);
  });

  test('GET /tasks: the caller\'s open tasks by default; an agent, "me" or a team; a status; a page', () => {
    expect(parseTaskListRequest(undefined, bob)).toEqual({ owner: { assigneeId: 'bob' }, status: 'open', limit: 50 });
    expect(parseTaskListRequest({ assignee: 'me', status: 'done', limit: '5' }, bob)).toEqual({ owner: { assigneeId: 'bob' }, status: 'done', limit: 5 });
    expect(parseTaskListRequest({ assignee: 'mei' }, lin)).toMatchObject({ owner: { assigneeId: 'mei' } });
    expect(parseTaskListRequest({ team: 'billing' }, lin)).toMatchObject({ owner: { team: 'billing' } });
    const key = `open#${AT}#task_00000000000000a1`;
    expect(parseTaskListRequest({ cursor: encodeTaskCursor(key) }, bob)).toMatchObject({ after: key });
    expect(fields(() => parseTaskListRequest({ cursor: encodeTaskCursor(key), status: 'done' }, bob))).toEqual(['cursor']);
    expect(fields(() => parseTaskListRequest({ cursor: 'garbage' }, bob))).toEqual(['cursor']);
    expect(fields(() => parseTaskListRequest({ assignee: 'bob', team: 'billing' }, bob))).toEqual(['team']);
    expect(fields(() => parseTaskListRequest({ limit: '0' }, bob))).toEqual(['limit']);
    expect(fields(() => parseTaskListRequest({ limit: '101' }, bob))).toEqual(['limit']);
    expect(fields(() => parseTaskListRequest({ status: 'all', sort: 'due' }, bob))?.sort()).toEqual(['sort', 'status']);
  });

  test('GET /tasks access: agents their own and their team\'s, supervisors anyone\'s', () => {
    expect(() => checkTaskListAccess({ assigneeId: 'bob' }, bob, undefined)).not.toThrow();
    expect(() => checkTaskListAccess({ team: 'billing' }, bob, 'billing')).not.toThrow();
    expect(() => checkTaskListAccess({ assigneeId: 'mei' }, lin, undefined)).not.toThrow();
    expect(() => checkTaskListAccess({ team: 'billing' }, lin, undefined)).not.toThrow();
    expect(problemOf(() => checkTaskListAccess({ assigneeId: 'mei' }, bob, 'billing')).status).toBe(403);
    expect(problemOf(() => checkTaskListAccess({ team: 'billing' }, bob, 'support')).status).toBe(403);
    expect(problemOf(() => checkTaskListAccess({ team: 'billing' }, bob, undefined)).status).toBe(403);
  });

  test('the config agents see tickets by does not change who works tasks', () => {
    const all = parseConfig({ workspace: { agentsSee: 'all' } });
    expect(all.workspace.agentsSee).toBe('all');
    expect(problemOf(() => create(ticket, bob, { title: 't', team: 'billing' })).status).toBe(403);
  });
});
