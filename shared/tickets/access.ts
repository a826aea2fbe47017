import type { UserGroup } from '../../infra/topology';

/** Who may read tickets. Listed rather than "every group", so a group added later gets no access by accident. */
export const ticketReaders: readonly UserGroup[] = ['agent', 'supervisor', 'admin'];
