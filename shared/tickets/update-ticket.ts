import type { Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { problems } from '../http/problem';
import type { AgentStore } from '../routing';
import { giveBack, type RoutingDeps } from '../workflow/assignment';
import { visibleTo } from './access';
import { planUpdate, requestDigest, type TicketPatch, updateEvents } from './ticket-update';

/** What changing tickets needs: routing's ports (agents freed take waiting work), and holding a slot by hand. */
export type WorkDeps = RoutingDeps & { readonly agents: RoutingDeps['agents'] & Pick<AgentStore, 'hold'> };

export interface UpdateRequest {
  readonly ticketId: string;
  readonly caller: Caller;
  readonly patch: TicketPatch;
  /** The version the caller read (If-Match). */
  readonly ifMatch: number;
}

/**
 * PATCH /tickets/{id}: applies the patch if the ticket is still at the version the caller read, in
 * one conditional write; a change made meanwhile is a 412, never overwritten. A request that was
 * applied but whose answer was lost (a crash, a timeout) is recognised on retry by its digest and
 * finished instead: its events published again with the same ids.
 */
export async function updateTicket(deps: WorkDeps, request: UpdateRequest): Promise<Ticket> {
  const { ticketId, caller, patch, ifMatch } = request;
  const ticket = visibleTo(await deps.tickets.getTicket(ticketId), ticketId, caller, deps.config);
  if (ticket.version !== ifMatch) return alreadyApplied(deps, ticket, request);

  const at = deps.now().toISOString();
  const agent = patch.assigneeId ? await deps.agents.getAgent(patch.assigneeId) : undefined;
  const lookup = patch.assigneeId ? { agentId: patch.assigneeId, exists: agent !== undefined, ...(agent ? { team: agent.team } : {}) } : undefined;
  const plan = planUpdate(ticket, caller, patch, deps.config, at, lookup);
  if (!plan) return ticket;

  // The agent's slot first: a ticket marked theirs is always counted in their load.
  if (plan.assign) await deps.agents.hold(plan.assign, ticketId, at);
  const written = await deps.tickets.change(ticket, plan.change, plan.set, plan.remove);
  if (!written) {
    const current = await deps.tickets.getTicket(ticketId);
    if (plan.assign && current?.assigneeId !== plan.assign) await deps.agents.release(plan.assign, ticketId, at);
    if (!current) throw problems.notFound(`There is no ticket ${ticketId}.`);
    return alreadyApplied(deps, current, request);
  }
  await announce(deps, written);
  return written;
}

/** The ticket moved past the caller's version: their own retried write (finished again), or someone else's (412). */
async function alreadyApplied(deps: WorkDeps, current: Ticket, { caller, patch, ifMatch }: UpdateRequest): Promise<Ticket> {
  const last = current.lastChange;
  if (current.version === ifMatch + 1 && last.action === 'ticket.updated' && last.actor.id === caller.sub && last.cause === requestDigest(caller, patch)) {
    await announce(deps, current);
    return current;
  }
  throw problems.preconditionFailed(
    'The ticket has changed',
    `Ticket ${current.ticketId} is now at version ${current.version}, not ${ifMatch}. Read it again (GET /tickets/${current.ticketId}), reapply your change and send If-Match: "${current.version}".`,
    current.version,
  );
}

/**
 * Publishes the update's events (rebuilt from the recorded change) and tidies routing: a ticket
 * given by hand leaves its queue, and the agent it was taken from gets their slot back and what waits.
 */
async function announce(deps: WorkDeps, ticket: Ticket): Promise<void> {
  const change = ticket.lastChange;
  await deps.publisher.publish(updateEvents(ticket, change));
  if (typeof change.after.assigneeId === 'string') await deps.queue.remove(ticket.ticketId);
  const from = change.before?.assigneeId;
  if ('assigneeId' in change.after && typeof from === 'string') await giveBack(deps, from, ticket.ticketId, change.at);
}
