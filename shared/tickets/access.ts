import type { UserGroup } from '../../infra/topology';

/** Who may read tickets. Listed rather than "every group", so a group added later gets no access by accident. */
export const ticketReaders: readonly UserGroup[] = ['agent', 'supervisor', 'admin'];

/** Who may answer customers: agents and supervisors (admins manage, they do not work tickets). */
export const ticketRepliers: readonly UserGroup[] = ['agent', 'supervisor'];
