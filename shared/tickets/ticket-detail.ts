import type { Ticket } from '../domain/ticket';
import { problems } from '../http/problem';
import type { AuditEntry } from '../ingest/ports';

/** `tkt_` and 16 hex digits, as `ticketIdFor` makes them. */
export const ticketIdPattern = /^tkt_[0-9a-f]{16}$/;

/** A ticket id from the path. A malformed id is a ticket that does not exist: 404, not 400 or 500. */
export function parseTicketId(id: string | undefined): string {
  if (id === undefined || !ticketIdPattern.test(id)) {
    throw problems.notFound('There is no such ticket. Ticket ids are "tkt_" followed by 16 hex digits, as GET /tickets lists them.');
  }
  return id;
}

/**
 * The audit trail, oldest first, never missing the ticket's latest change: its writer records the
 * change on the ticket first and the audit entry after, so a crash in between leaves the entry
 * unwritten until the message is retried.
 */
export function auditTrail(entries: readonly AuditEntry[], ticket: Ticket): AuditEntry[] {
  const latest = ticket.lastChange;
  const trail = entries.some((e) => e.version === latest.version) ? [...entries] : [...entries, { ...latest, ticketId: ticket.ticketId }];
  // The order of the audit sort key (byte order, as DynamoDB sorts): time, then version.
  return trail.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.version - b.version));
}
