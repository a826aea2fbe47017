import * as z from 'zod';

/**
 * The lifecycle every ticket moves through. `pending` means waiting on the customer, `on-hold`
 * waiting on someone else (another team, a supplier): the customer is still waiting.
 */
export const ticketStatuses = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'] as const;
export const ticketStatus = z.enum(ticketStatuses);
export type TicketStatus = z.infer<typeof ticketStatus>;

/** Who caused a change: the customer (by a message), an agent, or Switchboard itself. */
export const actor = z.object({
  type: z.enum(['customer', 'agent', 'system']),
  id: z.string().min(1),
});
export type Actor = z.infer<typeof actor>;
