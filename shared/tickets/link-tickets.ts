import type { SwitchboardConfig } from '../config';
import type { Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import { visibleTo } from './access';
import { changeTicket } from './change-ticket';
import { checkMayLink, checkRoomForLink, type LinkRequest, planLink, planUnlink, reverseKind } from './links';

export interface LinkDeps {
  readonly tickets: TicketChanges;
  readonly config: SwitchboardConfig;
  readonly now: () => Date;
}

/**
 * POST /tickets/{id}/links: the link on the ticket, then its reverse on the other one, each a
 * versioned change with its audit entry. Both halves are idempotent, so a retry after a crash
 * between them adds the missing half; both tickets' room for it is checked before either is
 * written. `created` is false when both already had it.
 */
export async function linkTickets(deps: LinkDeps, input: { ticketId: string; caller: Caller; request: LinkRequest }): Promise<{ ticket: Ticket; created: boolean }> {
  const { ticketId, caller, request } = input;
  const ticket = visibleTo(await deps.tickets.getTicket(ticketId), ticketId, caller, deps.config);
  checkMayLink(ticket, caller);
  const other = visibleTo(await deps.tickets.getTicket(request.ticketId), request.ticketId, caller, deps.config);
  checkRoomForLink(ticket, other.ticketId);
  checkRoomForLink(other, ticketId);
  const at = deps.now().toISOString();
  const here = await changeTicket(deps.tickets, ticketId, (current) => planLink(current, other.ticketId, request.kind, caller, at), ticket);
  const there = await changeTicket(deps.tickets, other.ticketId, (current) => planLink(current, ticketId, reverseKind(request.kind), caller, at), other);
  return { ticket: here.ticket, created: here.change !== undefined || there.change !== undefined };
}

/**
 * DELETE /tickets/{id}/links/{otherTicketId}: the link off both tickets (the other one's half even
 * if the caller may not see it: it only mirrors this one). Idempotent: removing a link that is not
 * there changes nothing.
 */
export async function unlinkTickets(deps: LinkDeps, input: { ticketId: string; otherId: string; caller: Caller }): Promise<Ticket> {
  const { ticketId, otherId, caller } = input;
  const ticket = visibleTo(await deps.tickets.getTicket(ticketId), ticketId, caller, deps.config);
  checkMayLink(ticket, caller);
  const at = deps.now().toISOString();
  const here = await changeTicket(deps.tickets, ticketId, (current) => planUnlink(current, otherId, caller, at), ticket);
  const other = await deps.tickets.getTicket(otherId);
  if (other) await changeTicket(deps.tickets, otherId, (current) => planUnlink(current, ticketId, caller, at), other);
  return here.ticket;
}
