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
  audit: (ticketId: string, at: string, version: number) => ({ pk: `TICKET#${ticketId}`, sk: `AUDIT#${at}#${String(version).padStart(6, '0')}` }),
  customerParent: (customerId: string) => `CUSTOMER#${customerId}`,
  ticketParent: (ticketId: string) => `TICKET#${ticketId}`,
  messageChild: (receivedAt: string, messageId: string) => `MSG#${receivedAt}#${messageId}`,
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
