import type { InboundMessage } from '../../events/inbound-message';
import { domainEvent, type DomainEvent, MessageReceived, TicketCreated, TicketReopened, TicketStatusChanged } from '../../events';
import { chooseCustomer, handleKey, messageIdOf, ticketIdFor } from '../domain/identity';
import { type Change, messageKeyOf, placeMessage, reopenChange, subjectOf, type Ticket, ticketFromSeed, type TicketSeed } from '../domain/ticket';
import type { Customer, EventPublisher, IntakeStore } from './ports';

export type IngestOutcome = 'created' | 'merged' | 'reopened' | 'duplicate';

export interface IngestDeps {
  readonly store: IntakeStore;
  readonly publisher: EventPublisher;
  readonly mergeWindowMs: number;
}

/** Attempts at placing one message before giving up to the queue's retry; only contention loops. */
const MAX_ATTEMPTS = 8;

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
  const { store } = deps;
  const messageId = messageIdOf(inbound);
  const { message: stored, owners } = await store.lookup(messageId, inbound.customer.handles);
  if (stored) {
    if (redelivery) await deps.publisher.publish(stored.events);
    return { outcome: 'duplicate', ticketId: stored.ticketId };
  }

  const { customer, stored: customerStored } = await resolveCustomer(store, inbound, owners);
  const ticket = await placeOnTicket(deps, customer, customerStored, inbound, messageId);
  const change = ticket.lastChange.cause === messageId ? ticket.lastChange : undefined;
  if (change) await store.putAudit({ ...change, ticketId: ticket.ticketId });

  const outcome: IngestOutcome = change?.action === 'ticket.created' ? 'created' : change?.action === 'ticket.reopened' ? 'reopened' : 'merged';
  const events = [...(change ? [changeEvent(ticket, change, inbound.channel)] : []), receivedEvent(inbound, messageId, ticket, outcome)];
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

/**
 * The customer a message belongs to: an existing one (read), or, when its anchor handle was unknown
 * and is now claimed, a new one not yet stored, which placeOnTicket creates already pointing at its
 * first ticket (one write instead of a read, a create and a pointer update).
 */
async function resolveCustomer(store: IntakeStore, inbound: InboundMessage, owners: Map<string, string>): Promise<{ customer: Customer; stored: boolean }> {
  const choice = chooseCustomer(inbound.customer.handles, owners);
  const seen = { at: inbound.receivedAt, channel: inbound.channel };
  for (const [i, handle] of choice.toClaim.entries()) {
    const holder = await store.claimIdentity(handle, choice.customerId, seen);
    if (holder === choice.customerId) continue;
    owners.set(handleKey(handle), holder);
    // Someone linked our anchor to another customer meanwhile: that customer is this one.
    if (choice.isNew && i === 0) return resolveCustomer(store, inbound, owners);
  }
  const draft: Customer = {
    customerId: choice.customerId,
    createdAt: inbound.receivedAt,
    ...(inbound.customer.displayName ? { displayName: inbound.customer.displayName } : {}),
  };
  if (choice.isNew) return { customer: draft, stored: false };
  // Known handle: the customer exists, unless its creator crashed (or is still working) between claim and create.
  const existing = (await store.getCustomer(choice.customerId)) ?? (await store.createCustomer(draft));
  return { customer: existing, stored: true };
}

async function placeOnTicket(deps: IngestDeps, initial: Customer, customerStored: boolean, inbound: InboundMessage, messageId: string): Promise<Ticket> {
  const { store } = deps;
  const message = { key: messageKeyOf(inbound.receivedAt, messageId), channel: inbound.channel, at: inbound.receivedAt };
  let customer = initial;
  if (!customerStored) {
    const seed = seedFor(customer, inbound, messageId);
    customer = await store.createCustomer({ ...customer, currentTicket: seed });
    // Ours, or a concurrent delivery of this same message created it first: either way the stored seed
    // (a provider's retry carries another receivedAt) makes the ticket. Another message's: place as for anyone known.
    if (customer.currentTicket?.ticketId === seed.ticketId) return createSeededTicket(store, customer.currentTicket);
  }
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
    const seed = seedFor(customer, inbound, messageId);
    if (await store.pointCustomerAt(customer.customerId, current?.ticketId, seed)) return createSeededTicket(store, seed);
    customer = (await store.getCustomer(customer.customerId)) ?? customer;
  }
  throw new Error(`message ${messageId} could not be placed after ${MAX_ATTEMPTS} contended attempts`);
}

function seedFor(customer: Customer, inbound: InboundMessage, messageId: string): TicketSeed {
  return {
    ticketId: ticketIdFor(messageId),
    customerId: customer.customerId,
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

/** The event for a change this message caused; built from the change and the message only, so a retry builds the same one. */
function changeEvent(ticket: Ticket, change: Change, channel: string): DomainEvent {
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
