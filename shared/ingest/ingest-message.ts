import type { CustomerHandle, InboundMessage } from '../../events/inbound-message';
import { domainEvent, type DomainEvent, MessageReceived, TicketCreated, TicketReopened, TicketStatusChanged } from '../../events';
import { chooseCustomer, compareHandles, handleKey, messageIdOf, renewedCustomerId, ticketIdFor } from '../domain/identity';
import { type Change, messageKeyOf, placeMessage, reopenChange, seedOf, subjectOf, type Ticket, ticketFromSeed, type TicketSeed } from '../domain/ticket';
import { decideScoreReply } from '../csat/keyword';
import { type CsatDeps, scoreByReply } from '../csat/record';
import type { Customer, EventPublisher, IntakeStore } from './ports';

export type IngestOutcome = 'created' | 'merged' | 'reopened' | 'duplicate';

export interface IngestDeps {
  readonly store: IntakeStore;
  readonly publisher: EventPublisher;
  readonly mergeWindowMs: number;
  /** Records a lone score answering a solved ticket's satisfaction request instead of reopening it; without it, every message places as usual. */
  readonly csat?: CsatDeps;
}

/** Attempts at placing one message before giving up to the queue's retry; only contention loops. */
const MAX_ATTEMPTS = 8;

/** Times a message is placed afresh because its customer was merged or erased while it was being placed. */
const MAX_RESTARTS = 3;

/** The customer of a message being placed was merged into another, or erased, meanwhile: decide the customer again. */
class CustomerMovedOn extends Error {}

/**
 * Where a customer's handles belong now, if not with them: the customer they were merged into, or,
 * for an erased customer, a new one (`renewedCustomerId`): the erased customer keeps only its tickets' metrics.
 */
const onwardOf = (customer: Customer | undefined): string | undefined =>
  customer?.mergedInto ?? (customer?.erasedAt ? renewedCustomerId(customer.customerId) : undefined);

/**
 * Places one customer message on the right ticket, records it, and publishes what changed.
 *
 * Converges under retries, duplicates and concurrency without transactions: ids are derived from
 * the message and its handles, every write is conditional or idempotent, the ticket carries its
 * latest change so a retried cause can finish recording it, and the message itself is written last,
 * so a stored message means everything before it is done. Events are at-least-once with stable ids.
 *
 * `redelivery` is true when the queue hands this message out again (a previous attempt may have
 * stored it and then failed before publishing).
 */
export async function ingestMessage(deps: IngestDeps, inbound: InboundMessage, redelivery = false): Promise<{ outcome: IngestOutcome; ticketId: string }> {
  for (let restart = 0; ; restart++) {
    try {
      return await placeAndRecord(deps, inbound, redelivery);
    } catch (error) {
      // A supervisor merged (or an admin erased) the customer while this message was being placed:
      // start over, as the queue's retry would, and follow them.
      if (!(error instanceof CustomerMovedOn) || restart >= MAX_RESTARTS) throw error;
    }
  }
}

async function placeAndRecord(deps: IngestDeps, inbound: InboundMessage, redelivery: boolean): Promise<{ outcome: IngestOutcome; ticketId: string }> {
  const { store } = deps;
  const messageId = messageIdOf(inbound);
  const threadMessageIds = (inbound.thread?.providerMessageIds ?? []).map((providerMessageId) => messageIdOf({ channel: inbound.channel, providerMessageId }));
  const { message: stored, owners, threadTickets } = await store.lookup(messageId, inbound.customer.handles, threadMessageIds);
  if (stored) {
    if (redelivery) await deps.publisher.publish(stored.events);
    return { outcome: 'duplicate', ticketId: stored.ticketId };
  }

  const customer = await resolveCustomer(store, inbound, messageId, owners);
  const threadTicket = inbound.thread?.ticketId ?? threadTickets[0];
  const ticket =
    (threadTicket && (await placeOnThread(deps, customer, threadTicket, inbound, messageId))) || (await placeOnTicket(deps, customer, inbound, messageId));
  const change = ticket.lastChange.cause === messageId ? ticket.lastChange : undefined;
  if (change) await store.putAudit({ ...change, ticketId: ticket.ticketId });

  const outcome: IngestOutcome = change?.action === 'ticket.created' ? 'created' : change?.action === 'ticket.reopened' ? 'reopened' : 'merged';
  const event = change && changeEvent(ticket, change, inbound.channel);
  const events = [...(event ? [event] : []), receivedEvent(inbound, messageId, ticket, outcome)];
  const committed = await store.commitMessage({
    ...inbound,
    messageId,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    direction: 'inbound',
    events,
  });
  // A concurrent delivery of the same message stored it first; it publishes.
  if (!committed) return { outcome: 'duplicate', ticketId: ticket.ticketId };
  await deps.publisher.publish(events);
  return { outcome, ticketId: ticket.ticketId };
}

/** Rounds of deciding a message's customer again after racing first contacts; each one settles some handle. */
const MAX_ROUNDS = 8;

/**
 * The live customer a message belongs to, stored: the owner of its strongest known handle, or a new
 * customer anchored on its strongest handle, created already pointing at its first ticket (one
 * write, instead of a read, a create and a pointer update).
 *
 * Handles are claimed strongest first. When a handle turns out to be another customer's, and that
 * would have decided the matter had they come first (any handle, for a new customer; a stronger
 * one than the deciding handle, for a known one), the handles this message claimed are handed over
 * to them and the customer is decided again. A new id is retired before its handles move, so anyone
 * who met it meanwhile (a retry, a message that saw a claim) follows it to the same customer.
 */
async function resolveCustomer(store: IntakeStore, inbound: InboundMessage, messageId: string, owners: Map<string, string>): Promise<Customer> {
  const seen = { at: inbound.receivedAt, channel: inbound.channel };
  const moveAll = async (handles: readonly CustomerHandle[], from: string, to: string) => {
    for (const handle of handles) owners.set(handleKey(handle), await store.moveIdentity(handle, from, to));
  };
  const heldBy = (customerId: string) => inbound.customer.handles.filter((h) => owners.get(handleKey(h)) === customerId);

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const choice = chooseCustomer(inbound.customer.handles, owners);
    const id = choice.customerId;
    const existing = choice.isNew ? undefined : await store.getCustomer(id);
    const onward = onwardOf(existing);
    if (onward) {
      await moveAll(heldBy(id), id, onward);
      continue;
    }

    const claimed: CustomerHandle[] = [];
    let takenBy: string | undefined;
    for (const handle of choice.toClaim) {
      const holder = await store.claimIdentity(handle, id, seen);
      owners.set(handleKey(handle), holder);
      if (holder === id) claimed.push(handle);
      else if (choice.isNew || compareHandles(handle, choice.decidedBy) < 0) {
        takenBy = holder;
        break;
      }
      // Otherwise it stays theirs and changes nothing: a stronger handle already decided.
    }
    if (takenBy && claimed.length > 0) {
      // Handles go only to a live customer, and only a live one is merged into: a retired id is
      // never a target, so following `mergedInto` is one step and never a loop.
      const into = await liveCustomer(store, takenBy);
      if (!choice.isNew) await moveAll(claimed, id, into);
      else {
        const retired = await store.retireCustomer(id, into, inbound.receivedAt);
        // Not retired: a message that met our claim made the customer real; it keeps its handles.
        if (retired.mergedInto) await moveAll(claimed, id, retired.mergedInto);
      }
    }
    if (takenBy) continue;

    const draft: Customer = {
      customerId: id,
      createdAt: inbound.receivedAt,
      ...(inbound.customer.displayName ? { displayName: inbound.customer.displayName } : {}),
      ...(choice.isNew ? { currentTicket: seedFor(id, inbound, messageId) } : {}),
    };
    // A known handle without its customer: the creator crashed (or is still at work) between claim and create.
    const stored = existing ?? (await store.createCustomer(draft));
    const next = onwardOf(stored);
    if (!next) return stored;
    await moveAll(heldBy(id), id, next);
  }
  throw new Error(`the customer of message ${messageId} did not settle after ${MAX_ROUNDS} rounds`);
}

/** Waits for a customer id whose handles are claimed to be stored, up to about 1.5 s. */
const PENDING_WAITS_MS = [25, 50, 100, 200, 400, 800];

/**
 * The live customer behind an id: the id itself once stored, or the customer it was merged into.
 * An id not stored yet belongs to a first contact still at work; wait for it, then leave it to the
 * queue's retry (by which time a crashed creator's own retry has stored it, or this message's
 * retry makes it live).
 */
async function liveCustomer(store: IntakeStore, customerId: string): Promise<string> {
  for (const waitMs of [...PENDING_WAITS_MS, undefined]) {
    const customer = await store.getCustomer(customerId);
    if (customer) return customer.mergedInto ?? customer.customerId;
    if (waitMs === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  throw new Error(`customer ${customerId} is still being created by another message; retry later`);
}

async function placeOnTicket(deps: IngestDeps, initial: Customer, inbound: InboundMessage, messageId: string): Promise<Ticket> {
  const { store } = deps;
  const message = { key: messageKeyOf(inbound.receivedAt, messageId), channel: inbound.channel, at: inbound.receivedAt };
  let customer = initial;
  // This message created the customer with its first ticket's seed (or a retry finds it did): create
  // the ticket from the stored seed, which is the same for every delivery (a provider's retry has
  // another receivedAt).
  if (customer.currentTicket?.ticketId === ticketIdFor(messageId)) return createSeededTicket(store, customer.currentTicket);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = customer.currentTicket;
    if (current) {
      const joined = await store.joinTicket(current.ticketId, message);
      if (joined) return joined;
      const ticket = await store.getTicket(current.ticketId);
      if (!ticket) {
        // Its creator pointed the customer here and has not created it yet (or crashed): finish the job.
        await store.createTicket(ticketFromSeed(current));
        continue;
      }
      // A merge gave the ticket to another customer, or an erasure closed it: decide the customer again.
      if (ticket.customerId !== customer.customerId || ticket.erasedAt) throw new CustomerMovedOn();
      // Merged (or being merged) into another ticket: the customer's pointer follows it, and so does this message.
      const onward = ticket.mergedInto ?? ticket.mergingInto;
      if (onward) {
        customer = await followMerge(store, customer, ticket.ticketId, onward);
        continue;
      }
      const scored = await scoreReply(deps, ticket, inbound, messageId);
      if (scored === 'moved') continue;
      if (scored) return scored;
      const placement = placeMessage(ticket, inbound.receivedAt, deps.mergeWindowMs);
      if (placement.kind === 'join') {
        // Open, and already holds a later message: nothing on the ticket to update.
        if (ticket.lastMessageKey >= message.key) return ticket;
        continue;
      }
      if (placement.kind === 'reopen' || placement.kind === 'resume') {
        const change = reopenChange(ticket, placement.kind, messageId, inbound.receivedAt);
        await store.changeTicket(ticket, change, { status: 'open' });
        continue;
      }
    }
    const seed = seedFor(customer.customerId, inbound, messageId);
    if (await store.pointCustomerAt(customer.customerId, current?.ticketId, seed)) return createSeededTicket(store, seed);
    customer = (await store.getCustomer(customer.customerId)) ?? customer;
    if (onwardOf(customer)) throw new CustomerMovedOn();
  }
  throw new Error(`message ${messageId} could not be placed after ${MAX_ATTEMPTS} contended attempts`);
}

/**
 * The customer, pointing at the ticket theirs was merged into. The merge moves the pointer itself;
 * this finishes the move for a merge under way or cut short by a crash.
 */
async function followMerge(store: IntakeStore, customer: Customer, fromTicketId: string, toTicketId: string): Promise<Customer> {
  const target = await store.getTicket(toTicketId);
  if (!target) throw new Error(`ticket ${fromTicketId} is merged into ${toTicketId}, which does not exist`);
  const seed = seedOf(target);
  if (await store.pointCustomerAt(customer.customerId, fromTicketId, seed)) return { ...customer, currentTicket: seed };
  const current = (await store.getCustomer(customer.customerId)) ?? customer;
  if (onwardOf(current)) throw new CustomerMovedOn();
  return current;
}

/**
 * A message that answers one of the customer's tickets other than their current one (an email
 * reply quoting it) joins that ticket, as long as it would join, resume or reopen it; otherwise it
 * goes where any message goes. Tickets of other customers are never joined this way.
 */
async function placeOnThread(deps: IngestDeps, customer: Customer, threadTicketId: string, inbound: InboundMessage, messageId: string): Promise<Ticket | undefined> {
  const { store } = deps;
  const message = { key: messageKeyOf(inbound.receivedAt, messageId), channel: inbound.channel, at: inbound.receivedAt };
  let ticketId = threadTicketId;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (ticketId === customer.currentTicket?.ticketId) return undefined;
    const ticket = await store.getTicket(ticketId);
    if (!ticket || ticket.customerId !== customer.customerId || ticket.erasedAt) return undefined;
    // The thread's ticket was merged (or is being merged) into another: the conversation goes on there.
    const onward = ticket.mergedInto ?? ticket.mergingInto;
    if (onward) {
      ticketId = onward;
      continue;
    }
    // Before the check below: a retry of a score this message recorded finishes settling it.
    const scored = await scoreReply(deps, ticket, inbound, messageId);
    if (scored === 'moved') continue;
    if (scored) return scored;
    if (ticket.lastChange.cause === messageId) return ticket;
    const placement = placeMessage(ticket, inbound.receivedAt, deps.mergeWindowMs);
    if (placement.kind === 'create') return undefined;
    if (placement.kind === 'join') {
      const joined = await store.joinTicket(ticketId, message);
      if (joined || ticket.lastMessageKey >= message.key) return joined ?? ticket;
      continue;
    }
    await store.changeTicket(ticket, reopenChange(ticket, placement.kind, messageId, inbound.receivedAt), { status: 'open' });
  }
  throw new Error(`message ${messageId} could not be placed on ticket ${ticketId} after ${MAX_ATTEMPTS} contended attempts`);
}

/**
 * A lone score answering the ticket's satisfaction request (shared/csat/keyword.ts) is recorded on
 * it, and the message joins it without reopening it. `moved`: the ticket changed meanwhile, decide again.
 */
async function scoreReply(deps: IngestDeps, ticket: Ticket, inbound: InboundMessage, messageId: string): Promise<Ticket | 'moved' | undefined> {
  if (!deps.csat) return undefined;
  const decision = decideScoreReply(ticket, { messageId, text: inbound.text, attachmentCount: inbound.attachments.length, receivedAt: inbound.receivedAt });
  if (!decision) return undefined;
  return (await scoreByReply(deps.csat, ticket, decision, messageId, inbound.receivedAt)) ?? 'moved';
}

function seedFor(customerId: string, inbound: InboundMessage, messageId: string): TicketSeed {
  return {
    ticketId: ticketIdFor(messageId),
    customerId,
    channel: inbound.channel,
    subject: subjectOf(inbound.text, inbound.attachments.length),
    createdAt: inbound.receivedAt,
    messageId,
  };
}

/** Creates the ticket the customer now points at; a retry that finds it created goes on from there. */
async function createSeededTicket(store: IntakeStore, seed: TicketSeed): Promise<Ticket> {
  const ticket = ticketFromSeed(seed);
  await store.createTicket(ticket);
  return ticket;
}

/**
 * The event for a change this message caused; built from the change and the message only, so a
 * retry builds the same one. A score (`ticket.csat`) publishes its own, CsatRecorded, as it settles.
 */
function changeEvent(ticket: Ticket, change: Change, channel: string): DomainEvent | undefined {
  const common = {
    eventId: change.action === 'ticket.created' ? `${ticket.ticketId}:created` : `${ticket.ticketId}:v${change.version}`,
    version: 1 as const,
    occurredAt: change.at,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    actor: change.actor,
    messageId: change.cause!,
  };
  switch (change.action) {
    case 'ticket.created':
      return domainEvent(TicketCreated, { ...common, channel: ticket.channel, status: 'new' });
    case 'ticket.reopened':
      return domainEvent(TicketReopened, { ...common, channel, from: 'solved', to: 'open' });
    case 'ticket.status-changed':
      return domainEvent(TicketStatusChanged, { ...common, from: change.before!.status as Ticket['status'], to: change.after.status as Ticket['status'] });
    case 'ticket.csat':
      return undefined;
    default:
      throw new Error(`ingest makes no ${change.action} changes`);
  }
}

function receivedEvent(inbound: InboundMessage, messageId: string, ticket: Ticket, outcome: Exclude<IngestOutcome, 'duplicate'>): DomainEvent {
  return domainEvent(MessageReceived, {
    eventId: `${messageId}:received`,
    version: 1,
    occurredAt: inbound.receivedAt,
    ticketId: ticket.ticketId,
    customerId: ticket.customerId,
    messageId,
    channel: inbound.channel,
    placement: outcome,
    sentAt: inbound.sentAt,
    receivedAt: inbound.receivedAt,
    textLength: inbound.text.length,
    attachmentCount: inbound.attachments.length,
  });
}
