import { domainEvent, type DomainEvent, SlaBreached, SlaWarning, TicketEscalated, TicketStatusChanged } from '../../events';
import { durationToMs, type Priority, priorities } from '../config';
import type { Change, Ticket } from '../domain/ticket';
import { checkSla, pauseSla, resumeSla, type SlaAction, type SlaState, startSla } from '../sla/sla';
import { assignTicket, isOpen, requiredFor, type RoutingDeps, sameSkills } from './assignment';

/**
 * The tasks of the per-ticket workflow (Step Functions): start (taking over the SLA clocks, and
 * assigning the ticket), then check until done, with a Wait until each check's `nextCheckAt` in
 * between. Each run owns a generation of the ticket's SLA state; an event that changes the ticket's
 * deadlines or what it needs of its agent starts a new run, and the older run ends at its next check.
 */

/** The EventBridge event a run was started by (the rule's default input). */
export interface StartEvent {
  readonly 'detail-type': string;
  readonly time?: string;
  readonly detail: { readonly ticketId: string; readonly occurredAt: string; readonly from?: string; readonly to?: string };
}

export type WorkflowTask =
  | { readonly action: 'start'; readonly event: StartEvent }
  | { readonly action: 'check'; readonly ticketId: string; readonly generation: number; readonly nextCheckAt: string | null };

/** What every task returns: the state the workflow carries from one task to the next. */
export interface RunState {
  readonly ticketId: string;
  readonly generation: number;
  readonly done: boolean;
  /** When the next check is due; null when none is (the state machine's paths need the field present). */
  readonly nextCheckAt: string | null;
}

const ATTEMPTS = 5;
const isFinished = (t: Ticket) => !isOpen(t);

export async function runTask(deps: RoutingDeps, task: WorkflowTask): Promise<RunState> {
  switch (task.action) {
    case 'start':
      return start(deps, task.event);
    case 'check':
      return check(deps, task.ticketId, task.generation, task.nextCheckAt);
  }
}

/**
 * Takes the ticket's SLA state over for a new run, with its clocks as the ticket's status says
 * (pending stops the resolution clock), then routes the ticket: a first triage or a reopening
 * assigns it, a new priority or need re-ranks or reassigns it; an agent who holds it and has what
 * it needs keeps it.
 */
async function start(deps: RoutingDeps, event: StartEvent): Promise<RunState> {
  const { ticketId, occurredAt } = event.detail;
  const type = event['detail-type'];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ticket = await deps.tickets.getTicket(ticketId);
    if (ticket?.status === 'solved') return closeWhenDue(deps, ticket, deps.now());
    if (!ticket || isFinished(ticket)) return { ticketId, generation: ticket?.sla?.generation ?? 0, done: true, nextCheckAt: null };
    const previous = ticket.sla;
    const generation = (previous?.generation ?? 0) + 1;
    const at = deps.now().toISOString();
    let state: SlaState = !previous || (type === 'TicketReopened' && previous.startedAt < occurredAt) ? startSla(type === 'TicketReopened' ? occurredAt : ticket.createdAt, generation) : { ...previous, generation };
    // The status decides, not the event: events can arrive late, twice or out of order.
    if (ticket.status === 'pending') state = pauseSla(state, type === 'TicketStatusChanged' && event.detail.to === 'pending' ? occurredAt : at);
    else state = resumeSla(state, type === 'TicketStatusChanged' && event.detail.from === 'pending' ? occurredAt : at, deps.config.sla);
    const change: Change = {
      version: ticket.version + 1,
      action: 'ticket.sla',
      actor: { type: 'system', id: 'sla' },
      at,
      cause: type,
      before: previous ? { generation: previous.generation, startedAt: previous.startedAt, pausedMs: previous.pausedMs } : null,
      after: { generation, startedAt: state.startedAt, pausedMs: state.pausedMs, ...(state.pausedSince ? { pausedSince: state.pausedSince } : {}) },
    };
    const written = await deps.tickets.change(ticket, change, { sla: state }, [], { openOnly: true });
    if (!written) continue;
    // A status change moves only the clocks; everything else may change who should have the ticket.
    if (type !== 'TicketStatusChanged') await assignTicket(deps, written);
    return { ticketId, generation, done: false, nextCheckAt: null };
  }
  throw new Error(`ticket ${ticketId} kept changing while its workflow started`);
}

/** Publishes what is due, records it on the ticket, escalates; returns when to look again. */
async function check(deps: RoutingDeps, ticketId: string, generation: number, waitedUntil: string | null): Promise<RunState> {
  // A Wait state ends at or after its timestamp, so what was due then is due now, whatever this clock says.
  const now = new Date(Math.max(deps.now().getTime(), waitedUntil ? Date.parse(waitedUntil) : 0));
  const ended: RunState = { ticketId, generation, done: true, nextCheckAt: null };
  const next = (at: string | undefined): RunState => ({ ...ended, done: !at, nextCheckAt: at ?? null });
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let ticket = await deps.tickets.getTicket(ticketId);
    // By this clock, not the Wait's: a run's first check follows its start at once, before any Wait.
    if (ticket?.status === 'solved' || (ticket?.status === 'closed' && ticket.lastChange.action === 'ticket.closed')) return closeWhenDue(deps, ticket, deps.now());
    if (!ticket?.sla || ticket.sla.generation !== generation || isFinished(ticket)) return ended;
    // An open ticket with no agent (its queue missed a freed agent, or a crash cut an escalation
    // short) gets another try at each check.
    if (!ticket.assigneeId || (ticket.escalated && !sameSkills(ticket.requiredSkills, requiredFor(ticket, deps.config)))) {
      const routed = await assignTicket(deps, ticket);
      if (routed.kind !== 'skipped') ticket = routed.ticket;
    }
    const sla = ticket.sla!;
    const priority: Priority = ticket.priority ?? 'normal';
    const result = checkSla({ status: ticket.status, priority, tier: ticket.tier, channel: ticket.channel, firstResponseAt: ticket.firstResponseAt }, sla, now, deps.config.sla);
    if (result.actions.length === 0) {
      // Nothing due, but deadlines may have moved (a new priority, a first response): they are on the ticket.
      if (JSON.stringify(dueTimesOf(result.state)) === JSON.stringify(dueTimesOf(sla))) return next(result.nextCheckAt);
      const change: Change = { version: ticket.version + 1, action: 'ticket.sla', actor: { type: 'system', id: 'sla' }, at: now.toISOString(), before: dueTimesOf(sla), after: dueTimesOf(result.state) };
      if (await deps.tickets.change(ticket, change, { sla: result.state }, [], { openOnly: true })) return next(result.nextCheckAt);
      continue;
    }

    const escalations = result.actions.filter((a): a is Extract<SlaAction, { kind: 'escalate' }> => a.kind === 'escalate');
    const raise = escalations.reduce((n, a) => n + (a.actions.includes('raise-priority') ? 1 : 0), 0);
    const raised = priorities[Math.min(priorities.length - 1, priorities.indexOf(priority) + raise)]!;
    const toEscalationQueue = escalations.some((a) => a.actions.includes('escalation-queue'));
    const supervisorId = escalations.some((a) => a.actions.includes('notify-supervisor')) && ticket.assigneeId ? (await deps.agents.getAgent(ticket.assigneeId))?.supervisorId : undefined;

    const at = now.toISOString();
    const current = ticket;
    const events = result.actions.map((action) => slaEvent(current, action, at, priority, raised, supervisorId));
    // Published before they are recorded, with ids fixed by what they are: a retry after a failed
    // write publishes the same events again, which consumers drop by id; none is ever lost.
    await deps.publisher.publish(events);
    const change: Change = {
      version: ticket.version + 1,
      action: escalations.length ? 'ticket.escalated' : 'ticket.sla',
      actor: { type: 'system', id: 'sla' },
      at,
      before: { priority, escalationLevel: sla.escalationLevel },
      after: { priority: raised, escalationLevel: result.state.escalationLevel, actions: result.actions.map(describe) },
    };
    const escalated = toEscalationQueue ? { escalated: true } : {};
    const raisedFields = raised !== priority ? { priority: raised, prioritySource: 'escalation' as const } : {};
    const written = await deps.tickets.change(ticket, change, { sla: result.state, ...raisedFields, ...escalated }, [], { openOnly: true });
    if (!written) continue;
    // To the escalation queue; or, still waiting in its queue, ranked by its raised priority.
    if (toEscalationQueue || (raised !== priority && !written.assigneeId)) await assignTicket(deps, written);
    // Raised priority means nearer deadlines: look again at once.
    return next(raised !== priority ? at : result.nextCheckAt);
  }
  throw new Error(`ticket ${ticketId} kept changing while its deadlines were checked`);
}

/**
 * A solved ticket the customer has not reopened closes `workspace.closeSolvedAfter` after it was
 * solved: the run waits until then, closes it and announces it. Every run of the ticket that gets
 * here agrees on when; one write wins, and a run retried after a crash announces it again (same id).
 */
async function closeWhenDue(deps: RoutingDeps, given: Ticket, now: Date): Promise<RunState> {
  const run = { ticketId: given.ticketId, generation: given.sla?.generation ?? 0 };
  let ticket: Ticket | undefined = given;
  for (let attempt = 0; attempt < ATTEMPTS && ticket; attempt++) {
    if (ticket.status === 'closed' && ticket.lastChange.action === 'ticket.closed') {
      await deps.publisher.publish([closedEvent(ticket, ticket.lastChange)]);
      return { ...run, done: true, nextCheckAt: null };
    }
    if (ticket.status !== 'solved') return { ...run, done: true, nextCheckAt: null };
    const dueAt = new Date(Date.parse(ticket.solvedAt ?? ticket.updatedAt) + durationToMs(deps.config.workspace.closeSolvedAfter));
    if (dueAt > now) return { ...run, done: false, nextCheckAt: dueAt.toISOString() };
    const at = now.toISOString();
    const change: Change = { version: ticket.version + 1, action: 'ticket.closed', actor: { type: 'system', id: 'lifecycle' }, at, before: { status: 'solved' }, after: { status: 'closed', rule: `closeSolvedAfter ${deps.config.workspace.closeSolvedAfter}` } };
    const written = await deps.tickets.change(ticket, change, { status: 'closed', closedAt: at });
    if (written) {
      await deps.publisher.publish([closedEvent(written, change)]);
      return { ...run, done: true, nextCheckAt: null };
    }
    ticket = await deps.tickets.getTicket(given.ticketId);
  }
  if (ticket) throw new Error(`ticket ${given.ticketId} kept changing while it was being closed`);
  return { ...run, done: true, nextCheckAt: null };
}

const closedEvent = (ticket: Ticket, change: Change): DomainEvent =>
  domainEvent(TicketStatusChanged, {
    eventId: `${ticket.ticketId}:v${change.version}`,
    version: 1,
    occurredAt: change.at,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    from: 'solved',
    to: 'closed',
    actor: change.actor,
  });

/** The due times of an SLA state, comparable and fit for the audit trail. */
const dueTimesOf = (s: SlaState) => ({ firstResponseDueAt: s.firstResponseDueAt ?? null, resolutionDueAt: s.resolutionDueAt ?? null });

const describe = (a: SlaAction) => (a.kind === 'escalate' ? `escalation level ${a.level}: ${a.actions.join(', ')}` : `${a.clock} ${a.kind} (due ${a.dueAt})`);

function slaEvent(ticket: Ticket, action: SlaAction, at: string, priority: Priority, raised: Priority, supervisorId?: string): DomainEvent {
  const common = { version: 1 as const, occurredAt: at, ticketId: ticket.ticketId, customerId: ticket.customerId, ...(ticket.assigneeId ? { assigneeId: ticket.assigneeId } : {}) };
  const period = ticket.sla!.startedAt;
  if (action.kind === 'escalate') {
    return domainEvent(TicketEscalated, {
      ...common,
      eventId: `${ticket.ticketId}:sla:${period}:escalated:${action.level}`,
      level: action.level,
      actions: action.actions,
      priority: raised,
      previousPriority: priority,
      ...(supervisorId && action.actions.includes('notify-supervisor') ? { supervisorId } : {}),
    });
  }
  const def = action.kind === 'warning' ? SlaWarning : SlaBreached;
  return domainEvent(def, { ...common, eventId: `${ticket.ticketId}:sla:${period}:${action.clock}:${action.kind}`, clock: action.clock, dueAt: action.dueAt, priority });
}
