import * as z from 'zod';
import type { Change, Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { parseJsonRequest, problems } from '../http/problem';
import { mayWork } from './access';
import type { PlannedChange } from './change-ticket';
import { ticketIdPattern } from './ticket-detail';

/**
 * Linked tickets: two tickets about the same thing (`related`), or one the duplicate of the other
 * (`duplicate-of`, shown on the other as `duplicated-by`). A link is on both tickets, each side a
 * versioned `ticket.linked` change with its audit entry. Decisions only.
 */

export const linkKinds = ['related', 'duplicate-of'] as const;
export const shownLinkKinds = ['related', 'duplicate-of', 'duplicated-by'] as const;
export type LinkKind = (typeof shownLinkKinds)[number];

export const MAX_LINKS_PER_TICKET = 50;

export interface TicketLink {
  readonly ticketId: string;
  readonly kind: LinkKind;
  readonly linkedAt: string;
  readonly linkedBy: string;
}

/** How the other ticket shows a link. */
export const reverseKind = (kind: LinkKind): LinkKind => (kind === 'duplicate-of' ? 'duplicated-by' : kind === 'duplicated-by' ? 'duplicate-of' : 'related');

export const linkRequest = z.strictObject({
  ticketId: z.string().regex(ticketIdPattern, 'must be a ticket id: "tkt_" and 16 hex digits, as GET /tickets lists them'),
  kind: z.enum(linkKinds, { error: `must be one of ${linkKinds.join(', ')}` }),
});
export type LinkRequest = z.infer<typeof linkRequest>;

/** 400 for a malformed body or a link of a ticket to itself. */
export function parseLinkRequest(body: string | undefined, ticketId: string): LinkRequest {
  const request = parseJsonRequest(body, linkRequest, '{"ticketId": "tkt_5f1c0a3e9b7d2c41", "kind": "related"}', 'The link is not valid.');
  if (request.ticketId === ticketId) throw problems.badRequest('A ticket cannot be linked to itself.', [{ field: 'ticketId', message: 'must be another ticket than the one in the path' }]);
  return request;
}

/** Linking and unlinking is for whoever may work the ticket in the path; the other ticket needs only to be visible to them. */
export function checkMayLink(ticket: Ticket, caller: Caller): void {
  if (!mayWork(ticket, caller)) throw problems.forbidden(`Links of ticket ${ticket.ticketId} are changed by the agent working it or a supervisor.`);
}

const linkChange = (ticket: Ticket, caller: Caller, at: string, before: Pick<TicketLink, 'ticketId' | 'kind'> | null, after: Pick<TicketLink, 'ticketId' | 'kind'> | null, links: TicketLink[]): PlannedChange => ({
  change: {
    version: ticket.version + 1,
    action: 'ticket.linked',
    actor: { type: 'agent', id: caller.sub },
    at,
    cause: `link:${(after ?? before)!.ticketId}`,
    before: { link: before },
    after: { link: after },
  } satisfies Change,
  set: { links },
});

/** Whether the ticket can take one more link to `otherId`: 409 when it holds the most it may. */
export function checkRoomForLink(ticket: Ticket, otherId: string): void {
  const links = ticket.links ?? [];
  if (!links.some((l) => l.ticketId === otherId) && links.length >= MAX_LINKS_PER_TICKET) {
    throw problems.conflict('too-many-links', 'The ticket has too many links', `Ticket ${ticket.ticketId} has ${MAX_LINKS_PER_TICKET} links, the most a ticket holds; remove one first.`, { limit: MAX_LINKS_PER_TICKET, ticketId: ticket.ticketId });
  }
}

/**
 * The ticket linked to `otherId` as `kind` (a link of another kind to it changes kind), or undefined
 * when it already is: linking twice is linking once.
 */
export function planLink(ticket: Ticket, otherId: string, kind: LinkKind, caller: Caller, at: string): PlannedChange | undefined {
  const links = ticket.links ?? [];
  const existing = links.find((l) => l.ticketId === otherId);
  if (existing?.kind === kind) return undefined;
  checkRoomForLink(ticket, otherId);
  const link: TicketLink = { ticketId: otherId, kind, linkedAt: at, linkedBy: caller.sub };
  const next = existing ? links.map((l) => (l.ticketId === otherId ? link : l)) : [...links, link];
  return linkChange(ticket, caller, at, existing ? { ticketId: otherId, kind: existing.kind } : null, { ticketId: otherId, kind }, next);
}

/** The ticket without its link to `otherId`, or undefined when it has none. */
export function planUnlink(ticket: Ticket, otherId: string, caller: Caller, at: string): PlannedChange | undefined {
  const links = ticket.links ?? [];
  const existing = links.find((l) => l.ticketId === otherId);
  if (!existing) return undefined;
  return linkChange(ticket, caller, at, { ticketId: otherId, kind: existing.kind }, null, links.filter((l) => l.ticketId !== otherId));
}

export const ticketLinkSchema = z.object({ ticketId: z.string(), kind: z.enum(shownLinkKinds), linkedAt: z.string(), linkedBy: z.string() });
/** POST /tickets/{id}/links answers with the ticket's links and its version. */
export const linksResponse = z.object({ ticketId: z.string(), version: z.number().int(), links: z.array(ticketLinkSchema) });
export type LinksResponse = z.infer<typeof linksResponse>;
