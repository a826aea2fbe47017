import type { CustomerHandle, InboundMessage } from '../../events/inbound-message';
import type { DomainEvent } from '../../events/define';
import type { Change, Ticket, TicketSeed } from '../domain/ticket';

/** A stored customer message: the inbound message placed on a ticket, with the events it caused. */
export interface StoredMessage extends InboundMessage {
  readonly messageId: string;
  readonly ticketId: string;
  readonly customerId: string;
  readonly direction: 'inbound';
  /** Published after storing; kept so a redelivery after a crash can publish them again. */
  readonly events: readonly DomainEvent[];
}

export interface Customer {
  readonly customerId: string;
  readonly displayName?: string;
  readonly createdAt: string;
  /** The customer's latest ticket; set before the ticket is created (see TicketSeed). */
  readonly currentTicket?: TicketSeed;
  /**
   * Set only on an id that never became a customer: its first contact found, while claiming handles,
   * that one of them belonged to this other customer, and handed its handles over. Follow it.
   */
  readonly mergedInto?: string;
  /**
   * Set when an admin erased the customer (the customer API): their handles were released, so the
   * same handle writing again is someone new, under `renewedCustomerId` of this id.
   */
  readonly erasedAt?: string;
}

export interface AuditEntry extends Change {
  readonly ticketId: string;
}

/** What ingest needs from storage. Every write is conditional or idempotent, so retries converge. */
export interface IntakeStore {
  /**
   * In one read: the message if already stored, the owner of each known handle, and the tickets of
   * the stored messages among `threadMessageIds` (the earlier messages this one answers).
   */
  lookup(
    messageId: string,
    handles: readonly CustomerHandle[],
    threadMessageIds?: readonly string[],
  ): Promise<{ message?: StoredMessage; owners: Map<string, string>; threadTickets: string[] }>;
  /** Links a handle to a customer unless another customer holds it; returns the holder. */
  claimIdentity(handle: CustomerHandle, customerId: string, seen: { at: string; channel: string }): Promise<string>;
  /** Moves a handle from one customer to another if `from` still holds it; returns the holder. */
  moveIdentity(handle: CustomerHandle, from: string, to: string): Promise<string>;
  getCustomer(customerId: string): Promise<Customer | undefined>;
  /** Marks an id that has no customer yet as merged into another, unless it exists; returns the stored one. */
  retireCustomer(customerId: string, into: string, at: string): Promise<Customer>;
  /** Creates the customer unless it exists; returns the stored one. */
  createCustomer(customer: Customer): Promise<Customer>;
  /** Points the customer at a new ticket if their current ticket is still `expected`. */
  pointCustomerAt(customerId: string, expected: string | undefined, seed: TicketSeed): Promise<boolean>;
  /** Records a newer message on a ticket that is new or open; undefined if the ticket is not (or the message is older). */
  joinTicket(ticketId: string, message: { key: string; channel: string; at: string }): Promise<Ticket | undefined>;
  getTicket(ticketId: string): Promise<Ticket | undefined>;
  /** Creates the ticket unless it exists. */
  createTicket(ticket: Ticket): Promise<void>;
  /** Applies a change if the ticket is still at the version it was read at; undefined if it moved on. */
  changeTicket(ticket: Ticket, change: Change, fields: Partial<Pick<Ticket, 'status' | 'solvedAt'>>): Promise<Ticket | undefined>;
  putAudit(entry: AuditEntry): Promise<void>;
  /** Stores the message unless it is already stored; false if it was. */
  commitMessage(message: StoredMessage): Promise<boolean>;
}

export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
