import type { SwitchboardConfig } from '../config';
import { seedOf, type Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { problems } from '../http/problem';
import type { EventPublisher } from '../ingest/ports';
import type { NoteStore } from '../store/dynamodb-notes';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import type { TicketMergeStore } from '../store/dynamodb-ticket-merge';
import {
  checkMerge,
  checkSplit,
  closeMergedSource,
  countMoved,
  inheritedCollaborators,
  isClosingFor,
  isMergeRecordOf,
  mergeEvents,
  movesWithMerge,
  type PlannedChange,
  recordMergeOnTarget,
  recordSplitOnSource,
  splitEvents,
  splitTicketOf,
  targetProblem,
  type MergeOutcome,
  type SplitOutcome,
} from './merge';

export interface MergeDeps {
  readonly store: TicketMergeStore;
  /** Versioned, audited changes: the merge's and the split's records on each ticket. */
  readonly tickets: TicketChanges;
  /** The source's agents become the target's collaborators (not a versioned change, as a note's mentions). */
  readonly collaborators: Pick<NoteStore, 'addCollaborators'>;
  readonly publisher: EventPublisher;
  readonly config: SwitchboardConfig;
  readonly now: () => Date;
}

/** Attempts at a versioned change that concurrent ones may refuse (a stale version); each re-reads. */
const ATTEMPTS = 8;

/**
 * POST /tickets/{id}/merge: the source's conversation joins the target's, and the source is closed
 * pointing at it. In order, each step idempotent, so the same request after a crash anywhere
 * finishes the merge, and a repeat changes nothing:
 * 1. the intent is recorded on the source (`mergingInto`): from then on no customer message joins
 *    it; ingest places it on the target instead;
 * 2. the customer's pointer at the source (where their next message goes) moves to the target;
 * 3. the source's messages, replies and notes move to the target's timeline, each remembering
 *    where it came from (`movedFrom`); its audit entries stay;
 * 4. the source is closed with `mergedInto` (a versioned `ticket.merged` change), and anything that
 *    reached it meanwhile moves too;
 * 5. the target records it (`mergedFrom`, a versioned `ticket.merged` change), and the source's
 *    agents become its collaborators;
 * 6. the events: the source's TicketStatusChanged (its agent is freed) and TicketMerged.
 */
export async function mergeTickets(deps: MergeDeps, request: { targetId: string; sourceId: string; caller: Caller }): Promise<MergeOutcome> {
  const { store } = deps;
  const { targetId, sourceId, caller } = request;
  const at = deps.now().toISOString();

  // 1. The intent, checked again once recorded: a merge of the target started meanwhile wins.
  let source = await markIntent(deps, request);
  let target = (await store.getTicket(targetId))!;

  // 2. and 3.
  await store.movePointer(source.customerId, sourceId, seedOf(target));
  await moveConversation(store, sourceId, targetId);

  // 4. Closed with what moved; then whatever a message being placed at that moment left behind.
  source = await recordOnce(
    deps,
    sourceId,
    (t) => t.mergedInto === targetId,
    async (t) => closeMergedSource(t, targetId, caller, at, countMoved(await store.movedFrom(targetId, sourceId))),
    (t) => isClosingFor(t.lastChange, targetId),
  );
  await moveConversation(store, sourceId, targetId);
  // The customer's latest message may have been the source's: replies default to its channel.
  await store.advanceLatest(targetId, source.lastMessageKey, source.lastChannel);

  // 5.
  const moved = countMoved(await store.movedFrom(targetId, sourceId));
  target = await recordOnce(
    deps,
    targetId,
    (t) => (t.mergedFrom ?? []).includes(sourceId),
    async (t) => recordMergeOnTarget(t, sourceId, caller, at, moved),
    (t) => isMergeRecordOf(t.lastChange, sourceId),
  );
  const inherited = inheritedCollaborators(source, target);
  if (inherited.length) {
    await deps.collaborators.addCollaborators(target, inherited);
    target = (await store.getTicket(targetId)) ?? target;
  }

  // 6. On every run (the same event ids), so a run that crashed before publishing is made good.
  // (Built from the source's recorded closing; one that has changed since, rarely, was announced by then.)
  if (isClosingFor(source.lastChange, targetId)) await deps.publisher.publish(mergeEvents(source, source.lastChange, target, moved));
  return { ticket: target, sourceTicketId: sourceId, moved };
}

/** The source with the merge's intent recorded on it: checked, marked, and the target checked again. */
async function markIntent(deps: MergeDeps, { targetId, sourceId, caller }: { targetId: string; sourceId: string; caller: Caller }): Promise<Ticket> {
  const { store } = deps;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [target, source] = await Promise.all([store.getTicket(targetId), store.getTicket(sourceId)]);
    const start = checkMerge(targetId, sourceId, target, source, caller, deps.config);
    // Recorded before (this request's earlier run, or the same request twice): finish it.
    if (start.kind === 'resume') return source!;
    const marked = await store.markMerging(source!, targetId);
    if (!marked) continue;
    // Two merges at once, each into the other's source (or into a ticket being merged on): the
    // target's state decides. Nothing has moved yet, so taking the intent back undoes it.
    const current = await store.getTicket(targetId);
    const problem = current ? targetProblem(current, marked) : problems.notFound(`There is no ticket ${targetId}.`);
    if (problem) {
      await store.unmarkMerging(sourceId, targetId);
      throw problem;
    }
    return marked;
  }
  throw new Error(`ticket ${sourceId} kept changing while a merge into ${targetId} was recorded; retry`);
}

/** Items moved at once: a long conversation moves within the function's time, the table's capacity spared. */
const MOVES_AT_ONCE = 10;

/** Moves every message, reply and note on `fromId`'s timeline to `toId`'s. */
async function moveConversation(store: TicketMergeStore, fromId: string, toId: string): Promise<void> {
  const items = (await store.timelineKeys(fromId)).filter((i) => movesWithMerge(i.pk));
  for (let i = 0; i < items.length; i += MOVES_AT_ONCE) {
    await Promise.all(items.slice(i, i + MOVES_AT_ONCE).map((item) => store.moveItem(item, fromId, toId)));
  }
}

/**
 * A versioned change made once: read the ticket, and unless `done` says it is recorded, plan and
 * write it, again on contention. A run that finds it recorded writes its audit entry again (a crash
 * may have come between the two), if it is still the ticket's latest change.
 */
async function recordOnce(
  deps: MergeDeps,
  ticketId: string,
  done: (t: Ticket) => boolean,
  plan: (t: Ticket) => Promise<PlannedChange>,
  latestIsOurs: (t: Ticket) => boolean,
): Promise<Ticket> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const ticket = await deps.store.getTicket(ticketId);
    if (!ticket) throw problems.notFound(`There is no ticket ${ticketId}.`);
    if (done(ticket)) {
      if (latestIsOurs(ticket)) await deps.store.putAudit(ticketId, ticket.lastChange);
      return ticket;
    }
    const planned = await plan(ticket);
    const written = await deps.tickets.change(ticket, planned.change, planned.set, planned.remove);
    if (written) return written;
  }
  throw new Error(`ticket ${ticketId} kept changing; retry`);
}

/**
 * POST /tickets/{id}/split: one customer message leaves the ticket for a new one of the same
 * customer (its id derived from the ticket and the message, so a retry makes the same one). In
 * order, each step idempotent: the new ticket (open, with its audit entry), the message moved to it,
 * the source's record (`splitTo`, a versioned `ticket.split` change), then TicketSplit and the
 * message's MessageReceived on the new ticket, which has it triaged and routed like any new ticket.
 */
export async function splitTicket(deps: MergeDeps, request: { ticketId: string; messageId: string; caller: Caller }): Promise<SplitOutcome> {
  const { store } = deps;
  const { ticketId: sourceId, messageId, caller } = request;
  const [source, message] = await Promise.all([store.getTicket(sourceId), store.getMessage(messageId)]);
  const { newTicketId } = checkSplit(sourceId, source, messageId, message, caller, deps.config);
  const at = deps.now().toISOString();

  const ticket = await store.createTicket(splitTicketOf(source!, message!, newTicketId, caller, at));
  // Its creation's audit entry, unless it has moved on (then a run that got that far wrote it).
  if (ticket.version === 1) await store.putAudit(newTicketId, ticket.lastChange);
  if (!(await store.moveMessage(messageId, sourceId, newTicketId)) && (await store.getMessage(messageId))?.ticketId !== newTicketId) {
    // Moved meanwhile by someone else (a merge of the ticket): this split did not happen.
    await store.discardNewTicket(ticket);
    throw problems.conflict('split-not-allowed', 'The message moved meanwhile', `Message ${messageId} left ticket ${sourceId} while it was being split off (a merge moved it). Read the ticket again; split it from where it is now.`);
  }
  await recordOnce(
    deps,
    sourceId,
    (t) => (t.splitTo ?? []).includes(newTicketId),
    async (t) => recordSplitOnSource(t, newTicketId, messageId, caller, at),
    (t) => t.lastChange.action === 'ticket.split' && t.lastChange.after.ticketId === newTicketId,
  );
  await deps.publisher.publish(splitEvents(ticket, message!));
  return { ticket: (await store.getTicket(newTicketId)) ?? ticket, sourceTicketId: sourceId, messageId };
}
