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
  audit: (ticketId: string, at: string, version: number) => ({ pk: `TICKET#${ticketId}`, sk: `AUDIT#${at}#${String(version).padStart(6, '0')}` }),
  customerParent: (customerId: string) => `CUSTOMER#${customerId}`,
  ticketParent: (ticketId: string) => `TICKET#${ticketId}`,
  messageChild: (receivedAt: string, messageId: string) => `MSG#${receivedAt}#${messageId}`,
  identityChild: (h: CustomerHandle) => `IDENTITY#${handleKey(h)}`,
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
