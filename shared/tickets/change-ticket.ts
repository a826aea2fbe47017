import type { Change, Ticket } from '../domain/ticket';
import { problems } from '../http/problem';
import type { TicketChanges, WorkFields } from '../store/dynamodb-ticket-changes';

/** A change a planner decided on: recorded with its audit entry by TicketChanges.change. */
export interface PlannedChange {
  readonly change: Change;
  readonly set: WorkFields;
  readonly remove?: (keyof WorkFields)[];
}

/** Enough for a burst of concurrent changes to one ticket (each round, one of them wins). */
const ATTEMPTS = 25;
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** attempt)));

/**
 * A versioned change the caller did not pin to a version (no If-Match: adding a sub-task, a link,
 * a macro's fields): planned against the ticket as it is, written on condition it is still at
 * that version, and planned again on the newer ticket if someone changed it meanwhile, so
 * concurrent changes never drop each other. `plan` is pure and may throw the problem to answer; it
 * returns undefined when there is nothing (left) to change. The ticket after it, and the change
 * written (undefined when nothing was).
 */
export async function changeTicket(
  tickets: TicketChanges,
  ticketId: string,
  plan: (ticket: Ticket) => PlannedChange | undefined,
  first?: Ticket,
): Promise<{ ticket: Ticket; change?: Change }> {
  let ticket = first;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    ticket ??= await tickets.getTicket(ticketId);
    if (!ticket) throw problems.notFound(`There is no ticket ${ticketId}.`);
    const planned = plan(ticket);
    if (!planned) return { ticket };
    const written = await tickets.change(ticket, planned.change, planned.set, planned.remove ?? []);
    if (written) return { ticket: written, change: planned.change };
    ticket = undefined;
    // Jittered, so the losers of one round do not all meet again in the next.
    await pause(attempt);
  }
  throw problems.unavailable(`Ticket ${ticketId} kept changing while this was being recorded; send the request again.`);
}
