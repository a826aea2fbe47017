import type { CustomerHandle } from '../../events/inbound-message';
import { CustomerErased, CustomerMerged, CustomerUpdated, domainEvent, type DomainEvent } from '../../events';
import { releasedCustomerId } from '../domain/identity';
import type { Change } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { HttpProblem, problems } from '../http/problem';
import type { EventPublisher } from '../ingest/ports';
import { storageAttributes } from '../store/keys';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import {
  actorOf,
  applyProfilePatch,
  type CustomerChange,
  type CustomerRecord,
  customerChange,
  type ProfileField,
  type ProfilePatch,
  versionOf,
} from './customer';
import {
  type CustomerExport,
  customerChanged,
  type CustomerSearchResult,
  type CustomerView,
  type ErasureResult,
  identityOrder,
  identityTaken,
  identityView,
  lastIdentity,
  type MergeResult,
  noSuchCustomer,
  profileView,
  requireLive,
  VIEW_TICKETS,
} from './customer-api';
import { handleString, normalizeHandle, parseHandleString } from './handles';
import type { IdentityRequest } from './handles';
import { ERASED_SUBJECT } from './erasure';
import { checkMerge, mergedPointer, mergedProfile } from './merge';
import type { CustomerStore, StoredItem, TicketRow } from './ports';
import type { CustomerSearch } from './search';

/**
 * The customer API's work: read the 360° view, find customers, keep their profile and handles,
 * merge two records of one person, and the privacy requests (erasure, export). Every multi-step
 * operation is a sequence of idempotent writes, so a retried request finishes what a crash left.
 */

export interface CustomersDeps {
  readonly store: CustomerStore;
  /** Ticket changes (versioned, audited): a merge moves tickets to the target through it. */
  readonly tickets: TicketChanges;
  readonly publisher: EventPublisher;
  readonly defaultPhoneRegion: string;
  readonly now: () => Date;
}

/** Attempts at a write that a concurrent one may refuse (a stale version); each re-reads. */
const ATTEMPTS = 8;

// Reads

/**
 * GET /customers/{id}: profile, identities, tickets (newest first, capped) and scores; two Queries
 * in parallel. `mayShow` keeps out tickets the caller may not open (an agent, others' tickets).
 */
export async function viewCustomer(deps: CustomersDeps, customerId: string, mayShow: (ticket: TicketRow) => boolean = () => true): Promise<CustomerView> {
  const [snapshot, recent] = await Promise.all([deps.store.snapshot(customerId), deps.store.recentTickets(customerId, VIEW_TICKETS)]);
  if (!snapshot) throw noSuchCustomer(customerId);
  return {
    ...profileView(snapshot.customer),
    identities: snapshot.identities.map(identityView).sort(identityOrder),
    tickets: recent.tickets.filter(mayShow).map((t) => ({
      ticketId: t.ticketId,
      status: t.status as CustomerView['tickets'][number]['status'],
      channel: t.channel,
      subject: t.subject,
      createdAt: t.createdAt,
      ...(t.assigneeId !== undefined ? { assigneeId: t.assigneeId } : {}),
    })),
    moreTickets: recent.hasMore,
    // A score (and its comment) shows with its ticket: not for a ticket the caller may not open.
    csat: snapshot.csat.map(csatView).filter((c) => {
      const ticket = recent.tickets.find((t) => t.ticketId === c.ticketId);
      return ticket ? mayShow(ticket) : mayShow({ ticketId: c.ticketId, status: 'closed', channel: '', subject: '', createdAt: '', ...(typeof c.agentId === 'string' ? { assigneeId: c.agentId } : {}) });
    }),
  };
}

/** GET /customers?q=: a handle is one GetItem (and one for its customer), a name prefix one Query. */
export async function searchCustomers(deps: CustomersDeps, search: CustomerSearch): Promise<CustomerSearchResult> {
  const { query } = search;
  if (query.kind === 'name') {
    const hits = await deps.store.searchNames(query.partition, query.prefix, search.limit);
    return { query: { kind: 'name', value: query.prefix }, customers: hits };
  }
  const holder = await deps.store.identityHolder(query.handle);
  const customer = holder ? await liveOf(deps, holder) : undefined;
  return {
    query: { kind: query.handle.kind, value: query.handle.value },
    customers: customer
      ? [{ customerId: customer.customerId, ...(customer.displayName !== undefined ? { displayName: customer.displayName } : {}), ...(customer.tier !== undefined ? { tier: customer.tier } : {}) }]
      : [],
  };
}

/** The customer behind an id, following merges (a handle is moved as its customer is merged, so rarely). */
async function liveOf(deps: CustomersDeps, customerId: string): Promise<CustomerRecord | undefined> {
  let customer = await deps.store.getCustomer(customerId);
  for (let hop = 0; customer?.mergedInto && hop < 3; hop++) customer = await deps.store.getCustomer(customer.mergedInto);
  return customer?.erasedAt ? undefined : customer;
}

async function existing(deps: CustomersDeps, customerId: string): Promise<CustomerRecord> {
  const customer = await deps.store.getCustomer(customerId);
  if (!customer) throw noSuchCustomer(customerId);
  return customer;
}

// Profile

/**
 * PATCH /customers/{id}: the profile fields sent, over the version the caller read (`ifMatch`);
 * 412 if it moved on. Sending what is already there changes nothing and records nothing.
 */
export async function updateCustomer(deps: CustomersDeps, customerId: string, patch: ProfilePatch, ifMatch: number, caller: Caller): Promise<CustomerRecord> {
  const customer = requireLive(await existing(deps, customerId));
  if (versionOf(customer) !== ifMatch) throw customerChanged(customerId, customer);
  const edit = applyProfilePatch(customer, patch);
  if (edit.fields.length === 0) return customer;
  const at = deps.now().toISOString();
  const change = customerChange(customer, 'customer.updated', actorOf(caller), at, edit.before, edit.after);
  const updated = await deps.store.change(customer, change, { set: edit.set, remove: edit.remove, live: true });
  if (!updated) {
    const current = requireLive(await existing(deps, customerId));
    throw customerChanged(customerId, current);
  }
  if (edit.fields.includes('displayName') || edit.fields.includes('tier')) await deps.store.saveNameEntry(updated);
  await deps.publisher.publish([updatedEvent(updated, change, edit.fields)]);
  return updated;
}

function updatedEvent(customer: CustomerRecord, change: CustomerChange, fields: readonly (ProfileField | 'identities')[]): DomainEvent {
  return domainEvent(CustomerUpdated, {
    eventId: `${customer.customerId}:v${change.version}`,
    version: 1,
    occurredAt: change.at,
    customerId: customer.customerId,
    customerVersion: change.version,
    fields: [...fields],
    actor: change.actor,
  });
}

/**
 * Records a change that does not depend on what the caller read (identities added or removed):
 * over whatever version is current, decided again on contention; refused (409) once merged or erased.
 * `make` returns undefined when there is nothing to record.
 */
async function recordChange(
  deps: CustomersDeps,
  customerId: string,
  make: (current: CustomerRecord) => Promise<CustomerChange | undefined>,
): Promise<{ customer: CustomerRecord; change?: CustomerChange }> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = requireLive(await existing(deps, customerId));
    const change = await make(current);
    if (!change) return { customer: current };
    const updated = await deps.store.change(current, change, { live: true });
    if (updated) return { customer: updated, change };
  }
  throw new Error(`customer ${customerId} kept changing; retry`);
}

// Identities

/**
 * POST /customers/{id}/identities: links a handle an agent learned (unverified) unless another
 * customer holds it (409, suggesting a merge). Adding one the customer already holds is a no-op.
 */
export async function addIdentity(deps: CustomersDeps, customerId: string, request: IdentityRequest, caller: Caller) {
  const normalized = normalizeHandle(request.kind, request.value, deps.defaultPhoneRegion);
  if ('error' in normalized) throw problems.badRequest('The identity is not valid.', [{ field: 'value', message: normalized.error }]);
  const { handle } = normalized;
  const customer = requireLive(await existing(deps, customerId));
  const at = deps.now().toISOString();
  const { holder, created, verified } = await deps.store.addIdentity(handle, customerId, caller.sub, at);
  if (holder !== customerId) throw identityTaken(handleString(handle), holder, customerId);
  if (!created) return { customer, handle, created, verified };
  // Recorded once the handle is theirs. A crash in between leaves the handle without its audit entry.
  const { customer: updated, change } = await recordChange(deps, customerId, async (current) =>
    customerChange(current, 'customer.identity-added', actorOf(caller), at, null, { identity: handleString(handle), verified: false }),
  );
  if (change) await deps.publisher.publish([updatedEvent(updated, change, ['identities'])]);
  return { customer: updated, handle, created: true, verified: false };
}

/** The handle named in DELETE /customers/{id}/identities/{handle} (percent-decoded), normalized. */
export function handleFromPath(text: string | undefined, region: string): CustomerHandle {
  const parsed = text ? parseHandleString(text, region) : undefined;
  if (!parsed || 'error' in parsed) {
    throw problems.badRequest('The handle in the path is not valid.', [
      {
        field: 'handle',
        message: `${parsed && 'error' in parsed ? `${parsed.error}; ` : ''}write it as phone:+447700900123, email:ana@example.com or <channel>:<id> (telegram:12345), percent-encoded`,
      },
    ]);
  }
  return parsed.handle;
}

/**
 * DELETE /customers/{id}/identities/{handle}: takes a handle off the customer. It goes to a
 * customer record of its own (`releasedCustomerId`, no tickets), where its next message opens a
 * ticket: a handle the customer's id was derived from, or a merged record's, would otherwise lead
 * back to them. A customer keeps at least one handle (409). The removal is recorded on the customer
 * first (its version bumped), so two removals at once cannot both take the last two handles.
 */
export async function removeIdentity(deps: CustomersDeps, customerId: string, handle: CustomerHandle, caller: Caller): Promise<CustomerRecord> {
  const name = handleString(handle);
  const at = deps.now().toISOString();
  const { customer, change } = await recordChange(deps, customerId, async (current) => {
    const identities = (await deps.store.identitiesOf(customerId)).map(handleString);
    // A removal recorded but not yet carried out (its request crashed, or is still at work) counts as done.
    const pending = current.lastChange?.action === 'customer.identity-removed' ? (current.lastChange.before?.identity as string | undefined) : undefined;
    const remaining = identities.filter((h) => h !== pending);
    if (!remaining.includes(name)) {
      if (pending === name) return undefined;
      throw problems.notFound(`Customer ${customerId} has no identity ${name}.`);
    }
    if (remaining.length <= 1) throw lastIdentity(customerId);
    return customerChange(current, 'customer.identity-removed', actorOf(caller), at, { identity: name }, { identity: null });
  });
  await deps.store.releaseIdentity(handle, customerId, releasedCustomerId(customerId, handle), at);
  if (change) await deps.publisher.publish([updatedEvent(customer, change, ['identities'])]);
  return customer;
}

// Merge

/**
 * POST /customers/{id}/merge: `sourceId` becomes part of `targetId`. In order, each step idempotent:
 * 1. the source is marked `mergedInto` the target (from then on ingest follows it, and it takes no
 *    new ticket, so its list of tickets is final);
 * 2. its identities and satisfaction entries move to the target;
 * 3. each of its tickets moves to the target, as a versioned, audited ticket change;
 * 4. the target keeps its current ticket, or takes the source's if it has none;
 * 5. the target records the merge (`mergedFrom`), taking the source's profile fields it lacks;
 * 6. the event. A retry of the same request after a crash anywhere runs the rest.
 */
export async function mergeCustomers(deps: CustomersDeps, targetId: string, sourceId: string, caller: Caller): Promise<MergeResult> {
  const [target, source] = await Promise.all([deps.store.getCustomer(targetId), deps.store.getCustomer(sourceId)]);
  const start = checkMerge(targetId, sourceId, target, source);
  if (start instanceof HttpProblem) throw start;
  const actor = actorOf(caller);
  const at = deps.now().toISOString();

  // 1. Mark the source.
  let marked = source!;
  for (let attempt = 0; !marked.mergedInto; attempt++) {
    if (attempt >= ATTEMPTS) throw new Error(`customer ${sourceId} kept changing; retry`);
    const change = customerChange(marked, 'customer.merged-into', actor, at, { mergedInto: null }, { mergedInto: targetId });
    marked = (await deps.store.change(marked, change, { set: { mergedInto: targetId, mergedAt: at }, live: true })) ?? (await existing(deps, sourceId));
    if (marked.mergedInto && marked.mergedInto !== targetId) throw checkMerge(targetId, sourceId, target, marked) as HttpProblem;
    if (!marked.mergedInto && marked.erasedAt) throw checkMerge(targetId, sourceId, target, marked) as HttpProblem;
  }
  // Its audit entry again, in case the request that marked it crashed before writing it.
  if (marked.lastChange?.action === 'customer.merged-into') await deps.store.putAudit(sourceId, marked.lastChange);
  const mergedAt = marked.mergedAt ?? at;

  // 2. Identities and satisfaction entries.
  const identities = await deps.store.identitiesOf(sourceId);
  for (const identity of identities) await deps.store.moveIdentity(identity, sourceId, targetId);
  await deps.store.moveChildren(sourceId, targetId);
  await deps.store.saveNameEntry(marked);

  // 3. Tickets: those listed, and the one the source points at (which may not exist yet, if its creator
  // crashed). Resuming, the target's too: one moved by the crashed run may lack its audit entry.
  const ticketIds = new Set([...(await deps.store.ticketIdsOf(sourceId)), ...(start.kind === 'resume' ? await deps.store.ticketIdsOf(targetId) : [])]);
  if (marked.currentTicket) {
    await deps.store.ensureTicket(marked.currentTicket);
    ticketIds.add(marked.currentTicket.ticketId);
  }
  let ticketsMoved = 0;
  for (const ticketId of ticketIds) if (await moveTicket(deps, ticketId, sourceId, targetId, actor, mergedAt)) ticketsMoved++;

  // 4. and 5. The target.
  let merged = (await deps.store.getCustomer(targetId)) ?? target!;
  const pointer = mergedPointer(merged, marked);
  if (pointer) await deps.store.pointAt(targetId, pointer);
  for (let attempt = 0; !(merged.mergedFrom ?? []).includes(sourceId); attempt++) {
    if (attempt >= ATTEMPTS) throw new Error(`customer ${targetId} kept changing; retry`);
    const edit = mergedProfile(merged, marked);
    const change = customerChange(merged, 'customer.merged', actor, mergedAt, { ...edit.before, mergedFrom: null }, { ...edit.after, mergedFrom: sourceId });
    merged = (await deps.store.change(merged, change, { set: edit.set, remove: edit.remove, mergedFrom: sourceId, live: true })) ?? requireLive(await existing(deps, targetId));
    if (edit.fields.includes('displayName') || edit.fields.includes('tier')) await deps.store.saveNameEntry(merged);
  }
  if (merged.lastChange?.action === 'customer.merged' && merged.lastChange.after.mergedFrom === sourceId) await deps.store.putAudit(targetId, merged.lastChange);

  // 6. Announced on every run (the same event id), so a run that crashed before publishing is made good.
  await deps.publisher.publish([
    domainEvent(CustomerMerged, {
      eventId: `${sourceId}:merged-into:${targetId}`,
      version: 1,
      occurredAt: mergedAt,
      customerId: targetId,
      sourceCustomerId: sourceId,
      identitiesMoved: identities.length,
      ticketsMoved,
      actor,
    }),
  ]);
  return { customerId: targetId, sourceCustomerId: sourceId, identitiesMoved: identities.length, ticketsMoved, version: versionOf(merged) };
}

/** Moves one ticket from `from` to `to`, recorded as a ticket change; false if it is not `from`'s (moved already). */
async function moveTicket(deps: CustomersDeps, ticketId: string, from: string, to: string, actor: Change['actor'], at: string): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ticket = await deps.tickets.getTicket(ticketId);
    if (!ticket) return false;
    const last = ticket.lastChange;
    // Moved by a run that crashed before writing the audit entry: write it.
    if (ticket.customerId === to && last.action === 'ticket.customer-changed' && last.before?.customerId === from) await deps.store.putTicketAudit(ticketId, last);
    if (ticket.customerId !== from) return false;
    const change: Change = { version: ticket.version + 1, action: 'ticket.customer-changed', actor, at, before: { customerId: from }, after: { customerId: to } };
    if (await deps.tickets.change(ticket, change, { customerId: to })) return true;
  }
  throw new Error(`ticket ${ticketId} kept changing while it was moved to customer ${to}; retry`);
}

// Privacy

/**
 * DELETE /customers/{id}: erases the customer's personal data, keeping ids, times and ticket
 * metrics. In order, each step idempotent (a retry finishes a crashed run, a repeat finds nothing
 * left): the customer is marked erased and its profile emptied (from then on no message joins or
 * opens one of its tickets, and its handles are someone new's); its identities are deleted and its
 * name taken off the search; each ticket's subject and every timeline item's content is erased;
 * then its satisfaction comments, its audit trail's values, and the same for each customer merged
 * into it.
 */
export async function eraseCustomer(deps: CustomersDeps, customerId: string, caller: Caller): Promise<ErasureResult> {
  const customer = await existing(deps, customerId);
  if (customer.mergedInto) {
    throw problems.conflict('customer-merged', 'The customer was merged into another', `Customer ${customerId} was merged into ${customer.mergedInto}: erase that one, which erases this record too.`, {
      mergedInto: customer.mergedInto,
    });
  }
  const at = deps.now().toISOString();
  const actor = actorOf(caller);
  const erased = await eraseRecord(deps, customer, at, actor);
  let itemsErased = erased.items;
  for (const sourceId of erased.customer.mergedFrom ?? []) {
    const source = await deps.store.getCustomer(sourceId);
    if (source?.mergedInto === customerId) itemsErased += (await eraseRecord(deps, source, at, actor)).items;
  }
  await deps.publisher.publish([
    domainEvent(CustomerErased, { eventId: `${customerId}:erased`, version: 1, occurredAt: erased.customer.erasedAt!, customerId, tickets: erased.tickets, actor }),
  ]);
  return { customerId, erasedAt: erased.customer.erasedAt!, tickets: erased.tickets, itemsErased };
}

/** Profile fields erasure removes; the tier and language stay (they are segments, not a person). */
const ERASED_PROFILE = ['displayName', 'notes', 'attributes'] as const;

async function eraseRecord(deps: CustomersDeps, initial: CustomerRecord, at: string, actor: Change['actor']): Promise<{ customer: CustomerRecord; tickets: number; items: number }> {
  const { store } = deps;
  const customerId = initial.customerId;
  let items = 0;
  let customer = initial;
  // The ticket it points at exists before its content is erased (its creator may have crashed).
  if (customer.currentTicket) await store.ensureTicket(customer.currentTicket);
  // A merged record is marked too (without `live`): its own profile stays on it otherwise.
  for (let attempt = 0; !customer.erasedAt; attempt++) {
    if (attempt >= ATTEMPTS) throw new Error(`customer ${customerId} kept changing; retry`);
    const fields = ERASED_PROFILE.filter((f) => customer[f] !== undefined);
    const change = customerChange(customer, 'customer.erased', actor, at, { erasedAt: null, fields }, { erasedAt: at, fields });
    const updated = await store.change(customer, change, {
      set: { erasedAt: at, ...(customer.currentTicket ? { currentTicket: { ...customer.currentTicket, subject: ERASED_SUBJECT } } : {}) },
      remove: fields,
    });
    customer = updated ?? (await existing(deps, customerId));
    if (updated) items++;
  }
  if (customer.lastChange?.action === 'customer.erased') await store.putAudit(customerId, customer.lastChange);

  for (const identity of await store.identitiesOf(customerId)) if (await store.removeIdentity(identity, customerId)) items++;
  await store.saveNameEntry(customer);

  const ticketIds = new Set(await store.ticketIdsOf(customerId));
  if (customer.currentTicket) ticketIds.add(customer.currentTicket.ticketId);
  for (const ticketId of ticketIds) {
    const { ticket, timeline, audit } = await store.ticketItems(ticketId);
    // The ticket first: marked erased, it takes no new message, so nothing lands on it after its timeline is done.
    if (ticket) items += await store.erase([ticket], at, { mark: true });
    items += await store.erase([...timeline, ...audit], at);
  }
  // Satisfaction comments (scores stay), the customer item's leftovers and its audit trail's values.
  items += await store.erase([...(await store.children(customerId)), ...(await store.audit(customerId))], at);
  return { customer, tickets: ticketIds.size, items };
}

/** GET /customers/{id}/export: everything held about the customer (and records merged into it), as stored. */
export async function exportCustomer(deps: CustomersDeps, customerId: string): Promise<CustomerExport> {
  const { store } = deps;
  const customer = await existing(deps, customerId);
  const [children, audit, ticketIds] = await Promise.all([store.children(customerId), store.audit(customerId), store.ticketIdsOf(customerId)]);
  const ids = new Set(ticketIds);
  if (customer.currentTicket) ids.add(customer.currentTicket.ticketId);
  const tickets = [];
  for (const ticketId of ids) {
    const items = await store.ticketItems(ticketId);
    if (!items.ticket) continue;
    tickets.push({
      ticket: withoutPlumbing(items.ticket),
      // Audit entries the timeline index also holds are listed once, under audit.
      timeline: items.timeline.filter((i) => !String(i.sk).startsWith('AUDIT#')).map(withoutPlumbing).map(withoutEvents),
      audit: items.audit.map(withoutPlumbing),
    });
  }
  const mergedFrom = [];
  for (const sourceId of customer.mergedFrom ?? []) {
    const source = await store.getCustomer(sourceId);
    if (source) mergedFrom.push({ customer: withoutPlumbing(source as unknown as StoredItem), audit: (await store.audit(sourceId)).map(withoutPlumbing) });
  }
  const childKey = (i: StoredItem) => String(i.childKey);
  return {
    exportedAt: deps.now().toISOString(),
    customer: withoutPlumbing(customer as unknown as StoredItem),
    identities: children.filter((i) => childKey(i).startsWith('IDENTITY#')).map(withoutPlumbing),
    csat: children.filter((i) => childKey(i).startsWith('CSAT#')).map(withoutPlumbing),
    audit: audit.map(withoutPlumbing),
    tickets,
    mergedFrom,
  };
}

/** A satisfaction entry as the view shows it: the score and its circumstances, not the recorder's bookkeeping. */
function csatView(entry: StoredItem): CustomerView['csat'][number] {
  return Object.fromEntries(['ticketId', 'score', 'comment', 'at', 'via', 'agentId'].filter((k) => entry[k] !== undefined).map((k) => [k, entry[k]])) as CustomerView['csat'][number];
}

function withoutPlumbing(item: StoredItem): StoredItem {
  const copy = { ...item };
  for (const a of storageAttributes) delete copy[a];
  return copy;
}

/** A stored message keeps its events for republishing; they are ids, and not the customer's data. */
function withoutEvents(item: StoredItem): StoredItem {
  const { events: _events, ...rest } = item;
  return rest;
}
