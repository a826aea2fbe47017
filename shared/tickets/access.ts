import type { UserGroup } from '../../infra/topology';
import type { SwitchboardConfig } from '../config';
import type { Ticket } from '../domain/ticket';
import type { Caller } from '../http/caller';
import { problems } from '../http/problem';
import type { Mover } from './lifecycle';

/** Who may read tickets. Listed rather than "every group", so a group added later gets no access by accident. */
export const ticketReaders: readonly UserGroup[] = ['agent', 'supervisor', 'admin'];

/** Who may answer customers: agents and supervisors (admins manage, they do not work tickets). */
export const ticketRepliers: readonly UserGroup[] = ['agent', 'supervisor'];

/** Who works tickets (status, fields, notes, sub-tasks); supervisors also others' tickets. */
export const ticketWorkers: readonly UserGroup[] = ['agent', 'supervisor'];

/** Who merges and splits tickets: it moves a customer's conversation, so a supervisor's call. */
export const ticketMergers: readonly UserGroup[] = ['supervisor'];

export const isSupervisor = (caller: Caller): boolean => caller.groups.includes('supervisor');

/** The role a caller moves tickets with: supervisor if they are one. */
export const moverOf = (caller: Caller): Mover => (isSupervisor(caller) ? 'supervisor' : 'agent');

type Visible = Pick<Ticket, 'assigneeId' | 'collaborators'>;

/**
 * Whether the caller may see the ticket at all. Supervisors and admins see every ticket; agents,
 * unless `workspace.agentsSee` is `all`, see theirs, the unassigned ones and those they collaborate on.
 */
export function maySee(ticket: Visible, caller: Caller, config: SwitchboardConfig): boolean {
  if (caller.groups.includes('supervisor') || caller.groups.includes('admin')) return true;
  if (!caller.groups.includes('agent')) return false;
  if (config.workspace.agentsSee === 'all') return true;
  return !ticket.assigneeId || ticket.assigneeId === caller.sub || (ticket.collaborators ?? []).includes(caller.sub);
}

/**
 * Whether the caller may change the ticket itself: a supervisor any ticket, an agent their own or
 * an unassigned one. (Collaborators write notes and work their sub-tasks, not the ticket.)
 */
export const mayWork = (ticket: Visible, caller: Caller): boolean =>
  isSupervisor(caller) || (caller.groups.includes('agent') && (!ticket.assigneeId || ticket.assigneeId === caller.sub));

/**
 * Lists show only what the caller may see: an agent who sees assigned tickets only lists theirs
 * (`assignee=me`) or the unassigned ones (`assignee=none`); 403 naming those otherwise.
 */
export function mayList(filters: { readonly assigneeId?: string | null }, caller: Caller, config: SwitchboardConfig): void {
  if (caller.groups.includes('supervisor') || caller.groups.includes('admin') || config.workspace.agentsSee === 'all') return;
  if (filters.assigneeId === caller.sub || filters.assigneeId === null) return;
  throw problems.forbidden('Agents list their own tickets (assignee=me) or the unassigned ones (assignee=none); a supervisor sees every list.');
}

/** A ticket the caller may not see is one that does not exist, for them: the same 404 either way. */
export const noSuchTicket = (ticketId: string) => problems.notFound(`There is no ticket ${ticketId}.`);

/** The ticket, if the caller may see it; otherwise 404 exactly like a missing one. */
export function visibleTo<T extends Visible>(ticket: T | undefined, ticketId: string, caller: Caller, config: SwitchboardConfig): T {
  if (!ticket || !maySee(ticket, caller, config)) throw noSuchTicket(ticketId);
  return ticket;
}
