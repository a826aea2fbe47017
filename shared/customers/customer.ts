import type { Actor } from '../../events/ticket-status';
import { problems } from '../http/problem';
import type { Customer } from '../ingest/ports';

/**
 * The customer as agents work it: the profile they keep (name, tier, language, notes, attributes),
 * versioned like a ticket, every change an audit entry. Pure decisions; the store and the service
 * (customers-service.ts) do the I/O.
 */

export type AttributeValue = string | number | boolean;

export type CustomerAction =
  | 'customer.updated'
  | 'customer.identity-added'
  | 'customer.identity-removed'
  /** On the source of a merge: it now points at the target. */
  | 'customer.merged-into'
  /** On the target of a merge: the source's identities, tickets and missing profile fields are its own. */
  | 'customer.merged'
  | 'customer.erased';

/** A recorded change to a customer: who, what, when, and the fields before and after. */
export interface CustomerChange {
  readonly version: number;
  readonly action: CustomerAction;
  readonly actor: Actor;
  readonly at: string;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>>;
}

/** The stored customer: what ingest writes (ports.ts) and what agents add. */
export interface CustomerRecord extends Customer {
  /** Optimistic-lock counter; customers stored before it existed are at 1. */
  readonly version?: number;
  readonly updatedAt?: string;
  /** Triage raises the urgency of this tier's messages (`triage.tiers`); SLA policies may match it. */
  readonly tier?: string;
  readonly language?: string;
  readonly notes?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  /** The latest change, kept on the customer so a retry can finish recording its audit entry. */
  readonly lastChange?: CustomerChange;
  /** When a supervisor merged this customer into `mergedInto`. */
  readonly mergedAt?: string;
  /** Customers merged into this one, oldest first. */
  readonly mergedFrom?: readonly string[];
}

/** An identity item: a handle and who holds it. */
export interface IdentityRecord {
  readonly kind: 'phone' | 'email' | 'channel-user';
  readonly value: string;
  readonly customerId: string;
  /** When and on which channel the handle first wrote in (ingest). */
  readonly firstSeenAt?: string;
  readonly firstChannel?: string;
  /** False for a handle an agent added by hand; absent (true) for one seen on channel traffic. */
  readonly verified?: boolean;
  readonly addedBy?: string;
  readonly addedAt?: string;
}

export const versionOf = (customer: Pick<CustomerRecord, 'version'>): number => customer.version ?? 1;

/** `cus_` and 16 hex digits, as `customerIdFor` makes them. */
export const customerIdPattern = /^cus_[0-9a-f]{16}$/;

/** A customer id from the path. A malformed id is a customer that does not exist: 404. */
export function parseCustomerId(id: string | undefined): string {
  if (id === undefined || !customerIdPattern.test(id)) {
    throw problems.notFound('There is no such customer. Customer ids are "cus_" followed by 16 hex digits, as tickets and GET /customers?q= show them.');
  }
  return id;
}

export const profileFields = ['displayName', 'tier', 'language', 'notes', 'attributes'] as const;
export type ProfileField = (typeof profileFields)[number];

/** What PATCH /customers/{id} may send: null removes a field; `attributes` is merged key by key (null removes a key). */
export interface ProfilePatch {
  readonly displayName?: string | null;
  readonly tier?: string | null;
  readonly language?: string | null;
  readonly notes?: string | null;
  readonly attributes?: Readonly<Record<string, AttributeValue | null>>;
}

/** Custom attributes a customer may hold. */
export const MAX_ATTRIBUTES = 50;

/** A change to the profile: the fields to set and remove, and the changed fields' values before and after. */
export interface ProfileEdit {
  readonly set: Partial<Record<ProfileField, unknown>>;
  readonly remove: readonly ProfileField[];
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  /** The fields that change, in `profileFields` order; empty when the patch changes nothing. */
  readonly fields: readonly ProfileField[];
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The edit that makes the profile's fields `next` (undefined removes one); fields equal to the current value are left out. */
export function profileEdit(customer: CustomerRecord, next: Partial<Record<ProfileField, unknown>>): ProfileEdit {
  const set: Partial<Record<ProfileField, unknown>> = {};
  const remove: ProfileField[] = [];
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const fields: ProfileField[] = [];
  for (const field of profileFields) {
    if (!(field in next)) continue;
    const current = customer[field];
    const value = next[field];
    if (sameValue(current, value)) continue;
    fields.push(field);
    before[field] = current ?? null;
    after[field] = value ?? null;
    if (value === undefined) {
      if (current !== undefined) remove.push(field);
    } else set[field] = value;
  }
  return { set, remove, before, after, fields };
}

/**
 * The edit a PATCH makes: fields sent are set (null removes them); `attributes` keys are merged
 * into the current ones (null removes a key), at most MAX_ATTRIBUTES in all. Sending the current
 * values changes nothing.
 */
export function applyProfilePatch(customer: CustomerRecord, patch: ProfilePatch): ProfileEdit {
  const next: Partial<Record<ProfileField, unknown>> = {};
  for (const field of ['displayName', 'tier', 'language', 'notes'] as const) {
    if (patch[field] !== undefined) next[field] = patch[field] ?? undefined;
  }
  if (patch.attributes !== undefined) {
    const merged: Record<string, AttributeValue> = { ...(customer.attributes ?? {}) };
    for (const [key, value] of Object.entries(patch.attributes)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const count = Object.keys(merged).length;
    if (count > MAX_ATTRIBUTES) {
      throw problems.badRequest(`A customer holds at most ${MAX_ATTRIBUTES} attributes; this would make ${count}.`, [
        { field: 'attributes', message: `at most ${MAX_ATTRIBUTES} attributes in all: remove some (send them as null) first` },
      ]);
    }
    next.attributes = count > 0 ? sortedKeys(merged) : undefined;
  }
  return profileEdit(customer, next);
}

export function sortedKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The change record of an edit by `actor`. */
export function customerChange(customer: CustomerRecord, action: CustomerAction, actor: Actor, at: string, before: CustomerChange['before'], after: CustomerChange['after']): CustomerChange {
  return { version: versionOf(customer) + 1, action, actor, at, before, after };
}

/** The actor of a signed-in caller: agents, supervisors and admins are all people working for the business. */
export const actorOf = (caller: { readonly sub: string }): Actor => ({ type: 'agent', id: caller.sub });
