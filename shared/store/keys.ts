import type { CustomerHandle } from '../../events/inbound-message';
import type { Ticket } from '../domain/ticket';
import { handleKey } from '../domain/identity';

/** Key builders for every item in the table; table-design.ts has the layout. */
export const keys = {
  identity: (h: CustomerHandle) => ({ pk: `IDENTITY#${handleKey(h)}`, sk: 'IDENTITY' }),
  customer: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'CUSTOMER' }),
  ticket: (ticketId: string) => ({ pk: `TICKET#${ticketId}`, sk: 'TICKET' }),
  message: (messageId: string) => ({ pk: `MESSAGE#${messageId}`, sk: 'MESSAGE' }),
  reply: (replyId: string) => ({ pk: `REPLY#${replyId}`, sk: 'REPLY' }),
  agent: (agentId: string) => ({ pk: `AGENT#${agentId}`, sk: 'AGENT' }),
  /** A ticket waiting in its skill queue. */
  queued: (ticketId: string) => ({ pk: `QUEUED#${ticketId}`, sk: 'QUEUED' }),
  /** A ticket's satisfaction score, as the customer's: one per ticket, on the customer's byParent partition. */
  csat: (ticketId: string) => ({ pk: `CSAT#${ticketId}`, sk: 'CSAT' }),
  csatChild: (at: string, ticketId: string) => `CSAT#${at}#${ticketId}`,
  /** A satisfaction link, by the SHA-256 of its token: the token itself is never stored. */
  csatToken: (tokenHash: string) => ({ pk: `CSAT-TOKEN#${tokenHash}`, sk: 'CSAT-TOKEN' }),
  /** An audit entry: under its ticket, and on the ticket's timeline (byParent) among its messages. */
  audit: (ticketId: string, at: string, version: number) => ({
    pk: `TICKET#${ticketId}`,
    sk: `AUDIT#${at}#${String(version).padStart(6, '0')}`,
    parentKey: `TICKET#${ticketId}`,
    // `~` sorts after message ids: a change a message caused follows it.
    childKey: `MSG#${at}#~AUDIT#${String(version).padStart(6, '0')}`,
  }),
  note: (noteId: string) => ({ pk: `NOTE#${noteId}`, sk: 'NOTE' }),
  customerParent: (customerId: string) => `CUSTOMER#${customerId}`,
  /** The customer item's own place among its byParent children (identities, CSAT), so the 360° view is one Query. */
  customerChild: 'CUSTOMER',
  customerAudit: (customerId: string, at: string, version: number) => ({ pk: `CUSTOMER#${customerId}`, sk: `AUDIT#${at}#${String(version).padStart(6, '0')}` }),
  /** A customer's name-search entry: under the first characters of the normalized name (shared/customers/names.ts). */
  customerName: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'NAME' }),
  customerNameParent: (partition: string) => `CUSTOMER-NAME#${partition}`,
  customerNameChild: (normalizedName: string, customerId: string) => `${normalizedName}#${customerId}`,
  ticketParent: (ticketId: string) => `TICKET#${ticketId}`,
  /** A ticket's timeline (messages, replies, notes, audit entries) is its byParent children in this order. */
  messageChild: (receivedAt: string, messageId: string) => `MSG#${receivedAt}#${messageId}`,
  timelinePrefix: 'MSG#',
  identityChild: (h: CustomerHandle) => `IDENTITY#${handleKey(h)}`,
  /** Every agent is a child of this parent, so the roster is one Query. */
  agentsParent: 'AGENTS',
  agentChild: (agentId: string) => `AGENT#${agentId}`,
  /** Every queued ticket is a child of this parent, ordered by `queueRank`. */
  queueParent: 'QUEUE',
};

/** The list-index keys of a ticket; recomputed on every write that can change them. */
export function ticketIndexKeys(t: Pick<Ticket, 'status' | 'channel' | 'customerId' | 'assigneeId' | 'createdAt' | 'ticketId'>) {
  return {
    statusKey: `STATUS#${t.status}`,
    channelKey: `CHANNEL#${t.channel}`,
    customerKey: `CUSTOMER#${t.customerId}`,
    allKey: 'TICKETS',
    listKey: `${t.createdAt}#${t.ticketId}`,
    ...(t.assigneeId ? { assigneeKey: `ASSIGNEE#${t.assigneeId}` } : {}),
  };
}

/** Attributes that are storage plumbing, not part of the domain object. */
export const storageAttributes = ['pk', 'sk', 'parentKey', 'childKey', 'statusKey', 'channelKey', 'customerKey', 'allKey', 'listKey', 'assigneeKey'] as const;

export function stripStorage<T>(item: Record<string, unknown>): T {
  const copy = { ...item };
  for (const a of storageAttributes) delete copy[a];
  return copy as T;
}
