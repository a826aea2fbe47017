import type { Actor, TicketStatus } from '../../events/ticket-status';
import type { Priority } from '../config';
import type { SlaState } from '../sla/sla';
import type { CsatRequestState, TicketCsat } from '../csat/csat';
import type { TicketLink } from '../tickets/links';
import type { SubTask, TaskProgress } from '../tickets/tasks';

export type { Actor, TicketStatus };

/** A recorded change to a ticket: who, what, when, and the fields before and after. */
export interface Change {
  readonly version: number;
  readonly action:
    | 'ticket.created'
    | 'ticket.reopened'
    | 'ticket.status-changed'
    | 'ticket.triaged'
    | 'ticket.assigned'
    | 'ticket.queued'
    | 'ticket.unassigned'
    | 'ticket.sla'
    | 'ticket.csat'
    | 'ticket.escalated'
    | 'ticket.updated'
    | 'ticket.closed'
    | 'ticket.noted'
    | 'ticket.task'
    | 'ticket.linked'
    | 'ticket.merged'
    | 'ticket.split'
    | 'ticket.customer-changed';
  readonly actor: Actor;
  readonly at: string;
  /** The message that caused it, if a customer's message did. */
  readonly cause?: string;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>>;
}

export interface Ticket {
  readonly ticketId: string;
  readonly customerId: string;
  readonly status: TicketStatus;
  /** The channel the ticket was opened on. */
  readonly channel: string;
  /** The channel of the customer's latest message: where a reply goes by default. */
  readonly lastChannel: string;
  readonly subject: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** `<receivedAt>#<messageId>` of the latest customer message; orders messages that arrive out of order. */
  readonly lastMessageKey: string;
  readonly solvedAt?: string;
  readonly closedAt?: string;
  readonly assigneeId?: string;
  /** The assignee's team when it was assigned: team views list by it. */
  readonly team?: string;
  /** The deadline that matters next while the clocks run (derived from sla on every write; lists sort by it). */
  readonly dueAt?: string;
  /** When an agent first replied. */
  readonly firstResponseAt?: string;
  /** The latest reply delivery's outcome: "delivery failed" with the provider's reason shows here. */
  readonly lastDelivery?: { readonly replyId: string; readonly status: 'sent' | 'failed'; readonly at: string; readonly reason?: string };
  /** Set by triage (and raised by escalation): decides the SLA targets and the queue order. */
  readonly priority?: Priority;
  /** Who set the priority: triage follows the customer's mood only while it is its own. */
  readonly prioritySource?: 'triage' | 'escalation' | 'agent';
  readonly urgency?: Priority;
  readonly category?: string;
  readonly language?: string;
  readonly tags?: readonly string[];
  /** The customer's tier (e.g. vip) when triaged: raises urgency and may select SLA policies. */
  readonly tier?: string;
  readonly triage?: TicketTriage;
  /** The agent of the customer's latest earlier ticket, preferred when still eligible. */
  readonly previousAgentId?: string;
  /** What the ticket requires of its agent (skills), as routing last decided. */
  readonly requiredSkills?: readonly string[];
  readonly assignedAt?: string;
  /** Set while the ticket waits in its skill queue. */
  readonly queuedAt?: string;
  /** Moved to the escalation queue by the escalation ladder. */
  readonly escalated?: boolean;
  /** The latest assignment or queueing, kept so a retry can finish announcing it. */
  readonly lastRouting?: Change;
  readonly sla?: SlaState;
  /** Set when its customer was erased: the subject and timeline content are gone, the metrics stay, and no message joins it. */
  readonly erasedAt?: string;
  /** The customer's satisfaction score, once per ticket (a `ticket.csat` change). */
  readonly csat?: TicketCsat;
  /** The latest satisfaction request sent for it (README: Customer satisfaction). */
  readonly csatRequest?: CsatRequestState;
  /** The business's own fields (config `workspace.customFields`). */
  readonly customFields?: Readonly<Record<string, string | number | boolean>>;
  /** Agents other than the assignee working on it: @mentioned in a note, or holding a sub-task. They see the ticket. */
  readonly collaborators?: readonly string[];
  /** Its sub-tasks, in the order they were added (shared/tickets/tasks.ts); each also has an item of its own for GET /tasks. */
  readonly tasks?: readonly SubTask[];
  /** Sub-tasks done out of those not cancelled. */
  readonly taskProgress?: TaskProgress;
  /** Tickets linked to this one (shared/tickets/links.ts); each link shows on both tickets. */
  readonly links?: readonly TicketLink[];
  /**
   * Set while a merge into that ticket is under way (POST /tickets/{id}/merge): no customer message
   * joins this one any more; ingest places it on that ticket instead.
   */
  readonly mergingInto?: string;
  /** Closed by merging into that ticket: whoever finds this one (a thread, the customer's pointer) goes on there. */
  readonly mergedInto?: string;
  /** Tickets merged into this one, oldest merge first. */
  readonly mergedFrom?: readonly string[];
  /** The ticket this one was split from (POST /tickets/{id}/split), and the tickets split off this one. */
  readonly splitFrom?: string;
  readonly splitTo?: readonly string[];
  /** Optimistic-lock counter, one per recorded change. */
  readonly version: number;
  /** The latest change, kept on the ticket so a retry of its cause can finish recording it. */
  readonly lastChange: Change;
}

export interface TicketTriage {
  readonly at: string;
  readonly messageIds: readonly string[];
  /** When the newest message triaged was received: an older one redelivered later moves nothing. */
  readonly lastReceivedAt: string;
  readonly sentiment?: 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' | 'MIXED';
  readonly scores?: { readonly positive: number; readonly negative: number; readonly neutral: number; readonly mixed: number };
  readonly reasons: readonly string[];
  /** The analyzer was unavailable: defaults apply until a retry succeeds. */
  readonly pending?: true;
}

/** What a new ticket is made of; kept on the customer before the ticket exists, so anyone can finish creating it. */
export interface TicketSeed {
  readonly ticketId: string;
  readonly customerId: string;
  readonly channel: string;
  readonly subject: string;
  readonly createdAt: string;
  readonly messageId: string;
}

export const openStatuses: readonly TicketStatus[] = ['new', 'open', 'pending', 'on-hold'];
/** Statuses a customer message joins without changing anything but the ticket's latest-message fields. */
export const joinableStatuses: readonly TicketStatus[] = ['new', 'open', 'on-hold'];

const SUBJECT_LENGTH = 80;

/** The first line of the first message, shortened: what a ticket list shows. */
export function subjectOf(text: string, attachmentCount: number): string {
  const line = text.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (!line) return attachmentCount > 0 ? '(attachment)' : '(no text)';
  const chars = [...line];
  return chars.length <= SUBJECT_LENGTH ? line : `${chars.slice(0, SUBJECT_LENGTH - 1).join('')}…`;
}

export const messageKeyOf = (receivedAt: string, messageId: string): string => `${receivedAt}#${messageId}`;

export function ticketFromSeed(seed: TicketSeed): Ticket {
  const actor: Actor = { type: 'customer', id: seed.customerId };
  return {
    ticketId: seed.ticketId,
    customerId: seed.customerId,
    status: 'new',
    channel: seed.channel,
    lastChannel: seed.channel,
    subject: seed.subject,
    createdAt: seed.createdAt,
    updatedAt: seed.createdAt,
    lastMessageKey: messageKeyOf(seed.createdAt, seed.messageId),
    version: 1,
    lastChange: {
      version: 1,
      action: 'ticket.created',
      actor,
      at: seed.createdAt,
      cause: seed.messageId,
      before: null,
      after: { status: 'new', channel: seed.channel, customerId: seed.customerId },
    },
  };
}

/**
 * A customer's pointer at a ticket that exists (where ingest sends their next message). Its message
 * is the ticket's latest: a seed's message matters only for creating a ticket that does not exist.
 */
export function seedOf(ticket: Ticket): TicketSeed {
  const key = ticket.lastMessageKey;
  return { ticketId: ticket.ticketId, customerId: ticket.customerId, channel: ticket.channel, subject: ticket.subject, createdAt: ticket.createdAt, messageId: key.slice(key.indexOf('#') + 1) };
}

/** Where a customer message goes, given the customer's current ticket. */
export type Placement =
  | { readonly kind: 'join' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'reopen' }
  | { readonly kind: 'create' };

/**
 * - no ticket, or closed → create
 * - new/open/on-hold → join (on hold, the ticket waits on someone else; the customer's word is added)
 * - pending (waiting on the customer) → resume: the customer answered, the ticket is open again
 * - solved, and the message arrived within the merge window after solving → reopen; later → create
 */
export function placeMessage(ticket: Pick<Ticket, 'status' | 'solvedAt'> | undefined, receivedAt: string, mergeWindowMs: number): Placement {
  if (!ticket) return { kind: 'create' };
  switch (ticket.status) {
    case 'new':
    case 'open':
    case 'on-hold':
      return { kind: 'join' };
    case 'pending':
      return { kind: 'resume' };
    case 'solved': {
      const solvedAt = Date.parse(ticket.solvedAt ?? '');
      const within = Number.isNaN(solvedAt) || Date.parse(receivedAt) - solvedAt <= mergeWindowMs;
      return within ? { kind: 'reopen' } : { kind: 'create' };
    }
    case 'closed':
      return { kind: 'create' };
  }
}

/** The change a customer's message makes when it reopens or resumes a ticket. */
export function reopenChange(ticket: Ticket, placement: 'reopen' | 'resume', messageId: string, at: string): Change {
  return {
    version: ticket.version + 1,
    action: placement === 'reopen' ? 'ticket.reopened' : 'ticket.status-changed',
    actor: { type: 'customer', id: ticket.customerId },
    at,
    cause: messageId,
    before: { status: ticket.status, ...(ticket.solvedAt ? { solvedAt: ticket.solvedAt } : {}) },
    after: { status: 'open' },
  };
}
