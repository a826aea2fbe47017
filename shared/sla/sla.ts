import type { TicketStatus } from '../../events/ticket-status';
import { durationToMs, type EscalationAction, type Priority, type SlaConfig } from '../config';
import { clockFor } from './calendar';
import { policyFor } from './policy';

export type SlaClockName = 'firstResponse' | 'resolution';

/** What a ticket keeps of its SLA between checks. */
export interface SlaState {
  /** Bumped by the caller when a new workflow run takes over. */
  readonly generation: number;
  /** When the clocks started: the ticket's createdAt, or when it was reopened. */
  readonly startedAt: string;
  /** Working time spent pending (waiting on the customer), which stops the resolution clock. */
  readonly pausedMs: number;
  /** Set while pending. */
  readonly pausedSince?: string;
  /** Absent once answered. */
  readonly firstResponseDueAt?: string;
  /** Absent while paused or when solved. */
  readonly resolutionDueAt?: string;
  /** When each warning was given. */
  readonly warnings: Partial<Record<SlaClockName, string>>;
  /** When each breach happened: its due time. */
  readonly breaches: Partial<Record<SlaClockName, string>>;
  /** Levels of config.escalation applied so far; 0 = none. */
  readonly escalationLevel: number;
}

export interface SlaTicket {
  readonly status: TicketStatus;
  readonly priority: Priority;
  readonly tier?: string;
  readonly channel: string;
  /** When an agent first replied. */
  readonly firstResponseAt?: string;
}

export type SlaAction =
  | { readonly kind: 'warning'; readonly clock: SlaClockName; readonly dueAt: string }
  | { readonly kind: 'breach'; readonly clock: SlaClockName; readonly dueAt: string }
  | { readonly kind: 'escalate'; readonly level: number; readonly actions: EscalationAction[] };

export interface SlaCheck {
  /** The state to store. */
  readonly state: SlaState;
  /** What to publish or do now, in the order it became due; each happens once across repeated checks. */
  readonly actions: readonly SlaAction[];
  /** The earliest instant after now at which something can become due; undefined when nothing can until the ticket changes. */
  readonly nextCheckAt?: string;
}

export function startSla(at: string, generation: number): SlaState {
  return { generation, startedAt: at, pausedMs: 0, warnings: {}, breaches: {}, escalationLevel: 0 };
}

/** The ticket went pending; pausing again keeps the first pause. */
export function pauseSla(state: SlaState, at: string): SlaState {
  if (state.pausedSince !== undefined) return state;
  const { resolutionDueAt, ...rest } = state;
  return { ...rest, pausedSince: at };
}

/** The ticket left pending: the working time it waited moves the resolution deadline out. */
export function resumeSla(state: SlaState, at: string, config: SlaConfig): SlaState {
  if (state.pausedSince === undefined) return state;
  const { pausedSince, ...rest } = state;
  return { ...rest, pausedMs: state.pausedMs + clockFor(config.calendar).elapsed(new Date(pausedSince), new Date(at)) };
}

const actionOrder: Record<SlaAction['kind'], number> = { warning: 0, breach: 1, escalate: 2 };

/**
 * What is due now. Deadlines are recomputed from startedAt with the ticket's current priority, so a
 * priority change moves them. A check made late gives everything that came due since the last one,
 * in the order it came due; the returned state records it so no later check repeats it.
 *
 * Escalation climbs one level at a time, each `after` (wall time) the first breach of a clock that
 * is still running. A breach whose clock has stopped (the late first response was sent, or the
 * ticket now waits on the customer) stays recorded but drives no further level: there is nobody
 * left to chase for it.
 */
export function checkSla(ticket: SlaTicket, state: SlaState, now: Date, config: SlaConfig): SlaCheck {
  if (ticket.status === 'solved' || ticket.status === 'closed') return { state: withoutDueTimes(state), actions: [] };

  const work = clockFor(config.calendar);
  const targets = policyFor(config, ticket);
  const start = new Date(state.startedAt);
  const paused = state.pausedSince !== undefined || ticket.status === 'pending';
  const running = (name: SlaClockName) => (name === 'firstResponse' ? !ticket.firstResponseAt : !paused);
  const clocks = [
    { name: 'firstResponse' as const, target: targets.firstResponseMs, pausedMs: 0 },
    { name: 'resolution' as const, target: targets.resolutionMs, pausedMs: state.pausedMs },
  ]
    .filter((c) => running(c.name))
    .map((c) => ({
      name: c.name,
      warnAt: work.add(start, Math.round(c.target * config.warningAt) + c.pausedMs),
      dueAt: work.add(start, c.target + c.pausedMs),
    }));

  const t = now.getTime();
  const due: { at: number; action: SlaAction }[] = [];
  const upcoming: number[] = [];
  const warnings = { ...state.warnings };
  const breaches = { ...state.breaches };
  for (const { name, warnAt, dueAt } of clocks) {
    // A breached clock has nothing more to say: a warning after its breach would be noise (a late check gives both at once).
    if (state.breaches[name]) continue;
    const dueIso = dueAt.toISOString();
    if (!state.warnings[name]) {
      if (t >= warnAt.getTime()) {
        warnings[name] = now.toISOString();
        due.push({ at: warnAt.getTime(), action: { kind: 'warning', clock: name, dueAt: dueIso } });
      } else upcoming.push(warnAt.getTime());
    }
    if (t >= dueAt.getTime()) {
      breaches[name] = dueIso;
      due.push({ at: dueAt.getTime(), action: { kind: 'breach', clock: name, dueAt: dueIso } });
    } else upcoming.push(dueAt.getTime());
  }

  let level = state.escalationLevel;
  const chased = (Object.entries(breaches) as [SlaClockName, string][]).filter(([name]) => running(name)).map(([, at]) => Date.parse(at));
  if (chased.length > 0) {
    const firstBreach = Math.min(...chased);
    // A level never comes before the one under it, whatever the config's `after`s say.
    let previous = firstBreach;
    for (; level < config.escalation.length; level++) {
      const step = config.escalation[level]!;
      const at = Math.max(previous, firstBreach + durationToMs(step.after));
      if (t < at) {
        upcoming.push(at);
        break;
      }
      due.push({ at, action: { kind: 'escalate', level: level + 1, actions: [...step.actions] } });
      previous = at;
    }
  }

  // Stable: same time and kind keeps first response before resolution and levels in order.
  due.sort((a, b) => a.at - b.at || actionOrder[a.action.kind] - actionOrder[b.action.kind]);
  const dueAtOf = (name: SlaClockName) => clocks.find((c) => c.name === name)?.dueAt.toISOString();
  const firstResponseDueAt = dueAtOf('firstResponse');
  const resolutionDueAt = dueAtOf('resolution');
  return {
    state: {
      ...withoutDueTimes(state),
      ...(firstResponseDueAt && { firstResponseDueAt }),
      ...(resolutionDueAt && { resolutionDueAt }),
      warnings,
      breaches,
      escalationLevel: level,
    },
    actions: due.map((d) => d.action),
    ...(upcoming.length > 0 && { nextCheckAt: new Date(Math.min(...upcoming)).toISOString() }),
  };
}

/** Absent rather than undefined, so the state stores as written. */
function withoutDueTimes(state: SlaState): SlaState {
  const { firstResponseDueAt, resolutionDueAt, ...rest } = state;
  return rest;
}
