import type { CsatRequestState, CsatScore, CsatToken, CustomerCsat } from './csat';

/** What satisfaction scores need from storage, besides the ticket's versioned changes. Every write is conditional or idempotent. */
export interface CsatStore {
  /** Makes this the ticket's current request (replacing an older one) if the ticket is solved and unscored; false otherwise. */
  requestOn(ticketId: string, request: CsatRequestState): Promise<boolean>;
  /**
   * Marks the request as linked (sent with a link valid until `expiresAt`) if it is still the
   * ticket's current one and the ticket is unscored; the request as stored then, or undefined.
   */
  linkRequest(ticketId: string, replyId: string, linkedAt: string, expiresAt: string): Promise<CsatRequestState | undefined>;
  saveToken(token: CsatToken): Promise<void>;
  token(tokenHash: string): Promise<CsatToken | undefined>;
  /**
   * Writes the score as the customer's and takes the job of settling it (the agent's counters, the
   * event) until `leaseUntil`, unless it is settled or another settler holds it; true if taken.
   */
  claimSettling(entry: CustomerCsat, now: string, leaseUntil: string): Promise<boolean>;
  /** Adds the score to the agent's counters unless this ticket's score was counted already; nothing for an agent that does not exist. */
  countForAgent(agentId: string, ticketId: string, score: CsatScore, at: string, now: Date): Promise<void>;
  /** Everything the score leads to is done. */
  markSettled(ticketId: string): Promise<void>;
}
