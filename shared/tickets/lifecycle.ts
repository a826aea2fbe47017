import { type TicketStatus, ticketStatuses } from '../../events/ticket-status';

/**
 * The ticket lifecycle as an explicit state machine: which status may follow which, and who may
 * move a ticket along each edge. Everything that changes a ticket's status asks `mayTransition`.
 *
 *     new ──▶ open ◀──▶ pending (waiting on the customer)
 *      │       ▲  ◀──▶ on-hold (waiting on someone else)
 *      └──────▶ solved ──▶ closed
 *
 * A customer's message reopens a pending or solved ticket (ingest); the system closes a solved
 * ticket after `workspace.closeSolvedAfter` (the ticket workflow). Closed is final: the customer's
 * next message opens a new ticket.
 */

/** Who moves tickets: people by their role, the customer by writing, Switchboard by its rules. */
export type Mover = 'agent' | 'supervisor' | 'customer' | 'system';

const people: readonly Mover[] = ['agent', 'supervisor'];

const edges: Readonly<Record<TicketStatus, Partial<Record<TicketStatus, readonly Mover[]>>>> = {
  new: { open: [...people, 'system'], pending: people, 'on-hold': people, solved: people },
  open: { pending: people, 'on-hold': people, solved: people },
  pending: { open: [...people, 'customer'], 'on-hold': people, solved: people },
  'on-hold': { open: people, pending: people, solved: people },
  // Closing by hand is a supervisor's call (it ends the customer's chance to reopen by replying).
  solved: { open: [...people, 'customer'], closed: ['supervisor', 'system'] },
  closed: {},
};

/** The statuses `mover` may move a ticket in `from` to. */
export function allowedTransitions(from: TicketStatus, mover: Mover): TicketStatus[] {
  return ticketStatuses.filter((to) => edges[from][to]?.includes(mover));
}

export const mayTransition = (from: TicketStatus, to: TicketStatus, mover: Mover): boolean => edges[from][to]?.includes(mover) ?? false;

/** Statuses a ticket can be in that nobody can move it out of. */
export const isFinal = (status: TicketStatus): boolean => ticketStatuses.every((to) => !edges[status][to]?.length);

/** Every edge of the machine, for documentation and exhaustive tests. */
export function lifecycleEdges(): { from: TicketStatus; to: TicketStatus; by: readonly Mover[] }[] {
  return ticketStatuses.flatMap((from) => ticketStatuses.flatMap((to) => (edges[from][to] ? [{ from, to, by: edges[from][to]! }] : [])));
}

/**
 * The timestamps a status carries: `solvedAt` while solved or closed (closing keeps when it was
 * solved), `closedAt` once closed. Reopening clears them.
 */
export function statusTimestamps(from: { solvedAt?: string }, to: TicketStatus, at: string): { set: { solvedAt?: string; closedAt?: string }; remove: ('solvedAt' | 'closedAt')[] } {
  switch (to) {
    case 'solved':
      return { set: { solvedAt: at }, remove: ['closedAt'] };
    case 'closed':
      return { set: { solvedAt: from.solvedAt ?? at, closedAt: at }, remove: [] };
    default:
      return { set: {}, remove: ['solvedAt', 'closedAt'] };
  }
}
