import type { CustomerHandle } from '../../events/inbound-message';
import type { Priority } from '../config';
import { openStatuses, type Ticket } from '../domain/ticket';
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
  /** A sub-task's own item (the ticket holds the authoritative copy): on its owner's byParent partition, for GET /tasks. */
  task: (taskId: string) => ({ pk: `TASK#${taskId}`, sk: 'TASK' }),
  taskOwnerParent: (owner: { readonly assigneeId?: string; readonly team?: string }) => (owner.assigneeId !== undefined ? `TASKS#AGENT#${owner.assigneeId}` : `TASKS#TEAM#${owner.team}`),
  /** Oldest first within a status, so `begins_with(childKey, "open#")` is an owner's open work in order. */
  taskChild: (status: string, createdAt: string, taskId: string) => `${status}#${createdAt}#${taskId}`,
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

/** What the list-index keys are made of. */
export type IndexedTicket = Pick<Ticket, 'status' | 'channel' | 'customerId' | 'createdAt' | 'ticketId' | 'updatedAt'> &
  Partial<Pick<Ticket, 'assigneeId' | 'team' | 'priority' | 'urgency' | 'category' | 'sla' | 'firstResponseAt'>>;

/** `assignee=none`: the unassigned tickets are a partition of their own. */
const UNASSIGNED = '-';

const priorityRank: Record<Priority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

/**
 * The deadline that matters next for an open ticket whose clocks run: its first response until
 * someone answers, then its resolution. Undefined when none runs (no SLA yet, paused, finished).
 */
function nextDueAt(t: Pick<IndexedTicket, 'status' | 'sla' | 'firstResponseAt'>): string | undefined {
  if (!t.sla || !['new', 'open', 'on-hold'].includes(t.status) || t.sla.pausedSince) return undefined;
  const due = [...(t.firstResponseAt ? [] : [t.sla.firstResponseDueAt]), t.sla.resolutionDueAt].filter((d): d is string => d !== undefined).sort();
  return due[0];
}

/** The updated-order sort key: a customer message moves it without reading the ticket. */
export const updatedKeyOf = (updatedAt: string, ticketId: string): string => `${updatedAt}#${ticketId}`;

/**
 * The partition keys of the list indexes, by attribute: what a ticket is written with and what a
 * list asks for are made by the same functions (`null`/`undefined` assignee: unassigned).
 */
export const listPartitions = {
  statusKey: (status: string) => `STATUS#${status}`,
  customerKey: (customerId: string) => `CUSTOMER#${customerId}`,
  assigneeKey: (assigneeId: string | null | undefined) => `ASSIGNEE#${assigneeId ?? UNASSIGNED}`,
  teamKey: (team: string) => `TEAM#${team}`,
  priorityKey: (priority: string) => `PRIORITY#${priority}`,
  categoryKey: (category: string) => `CATEGORY#${category}`,
} as const;

/** The list-index keys of a ticket, all of them derived here; those it lacks are removed on write. */
export function ticketIndexKeys(t: IndexedTicket): Record<string, string> {
  const dueAt = nextDueAt(t);
  return {
    statusKey: listPartitions.statusKey(t.status),
    customerKey: listPartitions.customerKey(t.customerId),
    allKey: 'TICKETS',
    assigneeKey: listPartitions.assigneeKey(t.assigneeId),
    listKey: `${t.createdAt}#${t.ticketId}`,
    updatedKey: updatedKeyOf(t.updatedAt, t.ticketId),
    // The queues (priority order) hold open tickets only: an agent's history does not crowd their queue.
    ...(openStatuses.includes(t.status) ? { dueKey: `${priorityRank[t.priority ?? 'normal']}#${dueAt ?? '~'}#${t.ticketId}` } : {}),
    ...(t.team ? { teamKey: listPartitions.teamKey(t.team) } : {}),
    ...(t.priority ? { priorityKey: listPartitions.priorityKey(t.priority) } : {}),
    ...(t.category ? { categoryKey: listPartitions.categoryKey(t.category) } : {}),
    ...(dueAt ? { slaKey: 'SLA', slaDueKey: `${dueAt}#${t.ticketId}`, dueAt } : {}),
  };
}

/** Every attribute ticketIndexKeys may write. */
const ticketIndexAttributes = [
  'statusKey',
  'customerKey',
  'allKey',
  'assigneeKey',
  'listKey',
  'updatedKey',
  'dueKey',
  'teamKey',
  'priorityKey',
  'categoryKey',
  'slaKey',
  'slaDueKey',
  'dueAt',
] as const;

/** The index attributes to set and to remove so they match the ticket as it will be. */
export function indexKeyUpdate(next: IndexedTicket): { set: Record<string, string>; remove: string[] } {
  const set = ticketIndexKeys(next);
  return { set, remove: ticketIndexAttributes.filter((a) => !(a in set)) };
}

/** Attributes that are storage plumbing, not part of the domain object. */
export const storageAttributes = ['pk', 'sk', 'parentKey', 'childKey', ...ticketIndexAttributes.filter((a) => a !== 'dueAt')] as const;

export function stripStorage<T>(item: Record<string, unknown>): T {
  const copy = { ...item };
  for (const a of storageAttributes) delete copy[a];
  return copy as T;
}
