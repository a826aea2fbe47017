import type { CustomerHandle } from '../../events/inbound-message';
import type { Ticket } from '../domain/ticket';
import type { Delivery, LastDelivery, RecentMessage, Reply } from './reply';

/**
 * When a delivery may change: an attempt's outcome only while its hold (`claimedUntil`) lasts;
 * the queueing bookkeeping only while no attempt has taken the reply.
 */
export type DeliveryGuard = { readonly claimedUntil: string } | { readonly unattempted: true };

/** What replies and their delivery need from storage. */
export interface ReplyStore {
  ticket(ticketId: string): Promise<Ticket | undefined>;
  /** The ticket's latest customer messages, newest first. */
  recentMessages(ticketId: string): Promise<RecentMessage[]>;
  handles(customerId: string): Promise<CustomerHandle[]>;
  /** Stores the reply unless one with its id exists; returns the stored one. */
  createReply(reply: Reply): Promise<Reply>;
  reply(replyId: string): Promise<Reply | undefined>;
  /** Takes the reply for one attempt if `needsAttempt` holds for it now; the reply as taken, or undefined. */
  claimDelivery(replyId: string, now: string, leaseUntil: string): Promise<Reply | undefined>;
  /** Records a delivery's new state if the guard holds; false if it did not. */
  recordDelivery(replyId: string, delivery: Delivery, guard: DeliveryGuard): Promise<boolean>;
  recordFirstResponse(ticketId: string, at: string): Promise<void>;
  /**
   * Remembers a sent reply's provider id as a message of its ticket, so a customer message that
   * answers it (email In-Reply-To, a Telegram or WhatsApp reply) threads to that ticket.
   */
  recordSentAlias(channel: string, providerMessageId: string, ticketId: string, at: string): Promise<void>;
  recordLastDelivery(ticketId: string, last: LastDelivery): Promise<void>;
}
