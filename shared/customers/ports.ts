import type { CustomerHandle } from '../../events/inbound-message';
import type { Change, TicketSeed } from '../domain/ticket';
import type { CustomerChange, CustomerRecord, IdentityRecord } from './customer';

/** A stored item as read, its keys included (erasure updates it by them; exports leave them out). */
export type StoredItem = Record<string, unknown>;

/** A row of the customer's ticket list (the byCustomer index's summary). */
export interface TicketRow {
  readonly ticketId: string;
  readonly status: string;
  readonly channel: string;
  readonly subject: string;
  readonly createdAt: string;
  readonly assigneeId?: string;
}

/** The customer with everything on their byParent partition: identities and satisfaction scores. */
export interface CustomerSnapshot {
  readonly customer: CustomerRecord;
  readonly identities: IdentityRecord[];
  /** Satisfaction entries (one per scored ticket), newest first. */
  readonly csat: StoredItem[];
}

/** A name-search hit: what the customer's search entry carries. */
export interface NameHit {
  readonly customerId: string;
  readonly displayName?: string;
  readonly tier?: string;
}

/** What a customer edit writes besides its version and change record. */
export interface CustomerWrite {
  readonly set?: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
  /** Adds this customer to `mergedFrom`, unless it is there (then the write is refused, like a stale version). */
  readonly mergedFrom?: string;
  /** Refuse the write if the customer was merged or erased meanwhile. */
  readonly live?: boolean;
}

/** A ticket's stored items, for export and erasure. */
export interface TicketItems {
  readonly ticket?: StoredItem;
  /** Its byParent children: customer messages, replies, notifications, notes (and audit entries, once indexed). */
  readonly timeline: StoredItem[];
  readonly audit: StoredItem[];
}

/** The customer side of the table. Every write is conditional or idempotent, so retried requests converge. */
export interface CustomerStore {
  /** The customer, their identities and scores: one Query on their partition of the byParent index. */
  snapshot(customerId: string): Promise<CustomerSnapshot | undefined>;
  /** The customer's newest tickets, up to `limit`, and whether there are more. */
  recentTickets(customerId: string, limit: number): Promise<{ tickets: TicketRow[]; hasMore: boolean }>;
  /** Strongly consistent: a write decides on it. */
  getCustomer(customerId: string): Promise<CustomerRecord | undefined>;
  /**
   * Applies `change` if the customer is still at the version it was read at, then records its audit
   * entry; undefined if the customer moved on (or is no longer live, when `write.live`).
   */
  change(customer: CustomerRecord, change: CustomerChange, write: CustomerWrite): Promise<CustomerRecord | undefined>;
  /** Records a change's audit entry (again): idempotent. */
  putAudit(customerId: string, change: CustomerChange): Promise<void>;
  /** The customer's audit trail, oldest first. */
  audit(customerId: string): Promise<StoredItem[]>;
  /** Files the customer under their name for search, or removes the entry when they have none (or were merged or erased). */
  saveNameEntry(customer: CustomerRecord): Promise<void>;
  searchNames(partition: string, prefix: string, limit: number): Promise<NameHit[]>;
  identityHolder(handle: CustomerHandle): Promise<string | undefined>;
  identitiesOf(customerId: string): Promise<IdentityRecord[]>;
  /** Adds a handle by hand (unverified) unless someone holds it; returns the holder, whether this added it, and whether it is verified. */
  addIdentity(handle: CustomerHandle, customerId: string, addedBy: string, at: string): Promise<{ holder: string; created: boolean; verified: boolean }>;
  /** Deletes the identity if `customerId` still holds it. */
  removeIdentity(handle: CustomerHandle, customerId: string): Promise<boolean>;
  /** Gives a handle `from` holds to a customer record of its own, `to` (created if need be, without tickets). */
  releaseIdentity(handle: CustomerHandle, from: string, to: string, at: string): Promise<void>;
  /** Moves a handle from one customer to another if `from` still holds it; returns the holder. */
  moveIdentity(handle: CustomerHandle, from: string, to: string): Promise<string>;
  /** Re-files the customer's other byParent children (satisfaction entries) under another customer; returns how many. */
  moveChildren(from: string, to: string): Promise<number>;
  /** Records a ticket change's audit entry (again): idempotent. */
  putTicketAudit(ticketId: string, change: Change): Promise<void>;
  /** Every ticket id of the customer (the byCustomer index). */
  ticketIdsOf(customerId: string): Promise<string[]>;
  /** Creates the ticket a customer points at, unless it exists (its creator may have crashed). */
  ensureTicket(seed: TicketSeed): Promise<void>;
  /** Points the customer at the ticket if they point at none. */
  pointAt(customerId: string, seed: TicketSeed): Promise<boolean>;
  ticketItems(ticketId: string): Promise<TicketItems>;
  /** The customer's item and byParent children as stored (identities, scores). */
  children(customerId: string): Promise<StoredItem[]>;
  /**
   * Removes the personal content of each item (shared/customers/erasure.ts), leaving ids, times and
   * metrics, and marks it `erasedAt`; `mark` marks even an item with nothing personal on it. Returns how many it changed.
   */
  erase(items: readonly StoredItem[], at: string, options?: { mark?: boolean }): Promise<number>;
}
