import * as z from 'zod';
import type { Caller } from '../http/caller';
import type { EventPublisher } from '../ingest/ports';
import type { JobQueue } from '../queue/sqs-job-queue';
import { createReply, type ReplyDeps } from '../replies/deliver';
import type { DeliveryJob, Reply, ReplyRequest } from '../replies/reply';
import type { TicketChanges } from '../store/dynamodb-ticket-changes';
import { visibleTo } from './access';
import { changeTicket } from './change-ticket';
import { findMacro, macroPatch, renderMacro } from './macros';
import { planUpdate, updateEvents } from './ticket-update';

/** The names a macro's placeholders are filled with. */
export interface MacroNames {
  customerName(customerId: string): Promise<string | undefined>;
  agentName(agentId: string): Promise<string | undefined>;
}

export interface MacroReplyDeps {
  readonly reply: ReplyDeps & { readonly queue: JobQueue<DeliveryJob>; readonly random: () => string };
  readonly tickets: TicketChanges;
  readonly publisher: EventPublisher;
  readonly names: MacroNames;
}

/** What a macro did besides the reply: the ticket fields its `set` changed, and the ticket's version after. */
export const appliedMacroSchema = z.object({
  id: z.string(),
  changed: z.array(z.string()),
  ticketVersion: z.number().int(),
});
export type AppliedMacro = z.infer<typeof appliedMacroSchema>;

/**
 * POST /tickets/{id}/replies {"macroId"}: the macro's text in the ticket's language, filled in,
 * goes out as the caller's reply (createReply: recorded, queued, retried with the same
 * Idempotency-Key without sending twice); then its `set` is applied to the ticket through PATCH's
 * planner, as a versioned change with PATCH's events.
 *
 * The set is checked against the ticket first, so a macro the lifecycle or the caller's role
 * refuses (409, 403) sends nothing. The reply goes before the set: a reply the queue refuses (503)
 * leaves the ticket as it was. The set's change carries `macro:<id>:<replyId>` as its cause, so a
 * retry after a crash between the two finds it applied and only publishes its events again.
 */
export async function replyWithMacro(
  deps: MacroReplyDeps,
  input: { readonly ticketId: string; readonly caller: Caller; readonly request: ReplyRequest & { readonly macroId: string }; readonly idempotencyKey?: string },
): Promise<Reply & { macro: AppliedMacro }> {
  const { ticketId, caller, request } = input;
  const config = deps.reply.config;
  const macro = findMacro(config.workspace.macros, request.macroId);
  const ticket = visibleTo(await deps.tickets.getTicket(ticketId), ticketId, caller, config);
  const checked = macroPatch(ticket, macro);
  if (checked) planUpdate(ticket, caller, checked, config, deps.reply.now().toISOString());

  const [customerName, agentName] = await Promise.all([deps.names.customerName(ticket.customerId), deps.names.agentName(caller.sub)]);
  const text = renderMacro(macro, ticket.language, { ticketId, agentName: agentName ?? caller.sub, ...(customerName ? { customerName } : {}) });
  const reply = await createReply(deps.reply, {
    ticketId,
    caller,
    request: { text, ...(request.channel ? { channel: request.channel } : {}) },
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  });
  if (!macro.set) return { ...reply, macro: { id: macro.id, changed: [], ticketVersion: ticket.version } };

  const cause = `macro:${macro.id}:${reply.replyId}`;
  const at = deps.reply.now().toISOString();
  const { ticket: after, change } = await changeTicket(deps.tickets, ticketId, (current) => {
    if (current.lastChange.cause === cause) return undefined;
    const patch = macroPatch(current, macro);
    const plan = patch && planUpdate(current, caller, patch, config, at);
    return plan && { change: { ...plan.change, cause }, set: plan.set, remove: plan.remove };
  });
  const applied = change ?? (after.lastChange.cause === cause ? after.lastChange : undefined);
  if (applied) await deps.publisher.publish(updateEvents(after, applied));
  return { ...reply, macro: { id: macro.id, changed: applied ? Object.keys(applied.after) : [], ticketVersion: after.version } };
}
