import { problems } from '../http/problem';

/** `tkt_` and 16 hex digits, as `ticketIdFor` makes them. */
export const ticketIdPattern = /^tkt_[0-9a-f]{16}$/;

/** A ticket id from the path. A malformed id is a ticket that does not exist: 404, not 400 or 500. */
export function parseTicketId(id: string | undefined): string {
  if (id === undefined || !ticketIdPattern.test(id)) {
    throw problems.notFound('There is no such ticket. Ticket ids are "tkt_" followed by 16 hex digits, as GET /tickets lists them.');
  }
  return id;
}
