import { createHash } from 'node:crypto';
import type { CustomerHandle } from '../../events/inbound-message';

/**
 * One customer, one id. Every handle a customer writes from (phone, email, a channel's user id)
 * maps to one customer; phone and email are shared across channels, so they decide first.
 */

const precedence: Record<CustomerHandle['kind'], number> = { phone: 0, email: 1, 'channel-user': 2 };

export const handleKey = (h: CustomerHandle): string => `${h.kind}#${h.value}`;

/** Negative when `a` is the stronger handle: phone before email before a channel's user id, then by value. */
export const compareHandles = (a: CustomerHandle, b: CustomerHandle): number => precedence[a.kind] - precedence[b.kind] || a.value.localeCompare(b.value);

/** Distinct handles, strongest first: the first one anchors a new customer's id. */
export function orderHandles(handles: readonly CustomerHandle[]): CustomerHandle[] {
  const seen = new Set<string>();
  return [...handles].sort(compareHandles).filter((h) => !seen.has(handleKey(h)) && seen.add(handleKey(h)));
}

/** A customer id derived from the anchoring handle, so concurrent first contacts agree on it. */
export const customerIdFor = (anchor: CustomerHandle): string => `cus_${digest(handleKey(anchor))}`;

/**
 * The id a handle's owner gets after their customer was erased: derived from the erased id, so
 * concurrent first contacts agree on it, and never the erased id itself, whose tickets stay behind.
 */
export const renewedCustomerId = (erasedId: string): string => `cus_${digest(`renewed#${erasedId}`)}`;

/**
 * The id of the customer a handle goes to when an agent takes it off `customerId`: a record of its
 * own, so the handle's next message neither rejoins the customer it left (whose id may derive from
 * it) nor anyone merged into them. Derived, so a retried removal finds the same one.
 */
export const releasedCustomerId = (customerId: string, handle: CustomerHandle): string => `cus_${digest(`released#${customerId}#${handleKey(handle)}`)}`;

/** A ticket id derived from the message that opened it, so a retried creation makes the same ticket. */
export const ticketIdFor = (messageId: string): string => `tkt_${digest(messageId)}`;

/**
 * The id of the ticket a message is split out into (POST /tickets/{id}/split): derived from the
 * ticket it leaves and the message, so a retried split makes the same ticket. `generation` counts
 * earlier splits of the same message off the same ticket (merged back since), each a ticket of its own.
 */
export const splitTicketIdFor = (sourceTicketId: string, messageId: string, generation = 0): string =>
  `tkt_${digest(`split#${sourceTicketId}#${messageId}${generation ? `#${generation}` : ''}`)}`;

/** The id of a message: the channel and the provider's own id, which providers repeat on retry. */
export const messageIdOf = (m: { channel: string; providerMessageId: string }): string => `${m.channel}:${m.providerMessageId}`;

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export interface CustomerChoice {
  readonly customerId: string;
  /** True when no handle was known: the id is derived from the anchor and the customer is new. */
  readonly isNew: boolean;
  /** Handles not yet linked to anyone, to be claimed for this customer, strongest (the anchor) first. */
  readonly toClaim: CustomerHandle[];
  /** The handle that decided: the strongest known one, or the anchor of a new customer. */
  readonly decidedBy: CustomerHandle;
}

/**
 * Which customer a message belongs to, given the owners already known for its handles: the owner of
 * the strongest known handle. Handles owned by another customer stay theirs; joining two existing
 * customers is a deliberate act, not a side effect of one message.
 */
export function chooseCustomer(handles: readonly CustomerHandle[], owners: ReadonlyMap<string, string>): CustomerChoice {
  const ordered = orderHandles(handles);
  if (ordered.length === 0) throw new Error('a message needs at least one customer handle');
  const known = ordered.find((h) => owners.has(handleKey(h)));
  const customerId = known ? owners.get(handleKey(known))! : customerIdFor(ordered[0]);
  return { customerId, isNew: !known, toClaim: ordered.filter((h) => !owners.has(handleKey(h))), decidedBy: known ?? ordered[0] };
}
