import type { EventDefinition } from './define';
import { CustomerErased, CustomerMerged, CustomerUpdated } from './customers';
import { CsatRecorded, CsatRequested } from './csat';
import { MessageReceived } from './message-received';
import { ReplyDelivered, ReplyDeliveryFailed } from './reply-delivered';
import { AgentAvailabilityChanged, TicketAssigned, TicketQueued } from './routing';
import { SlaBreached, SlaWarning, TicketEscalated } from './sla';
import { TicketCreated } from './ticket-created';
import { TicketReopened } from './ticket-reopened';
import { TicketStatusChanged } from './ticket-status-changed';
import { TicketTriaged } from './ticket-triaged';
import { SubTaskAssigned, SubTaskCreated, SubTaskUpdated } from './ticket-work';
import { AgentMentioned, TicketMerged, TicketSplit, TicketUpdated } from './ticket-work';

export * from './define';
export {
  AgentAvailabilityChanged,
  CustomerErased,
  CustomerMerged,
  CustomerUpdated,
  CsatRecorded,
  CsatRequested,
  AgentMentioned,
  SubTaskAssigned,
  SubTaskCreated,
  SubTaskUpdated,
  MessageReceived,
  ReplyDelivered,
  ReplyDeliveryFailed,
  SlaBreached,
  SlaWarning,
  TicketAssigned,
  TicketCreated,
  TicketEscalated,
  TicketQueued,
  TicketReopened,
  TicketStatusChanged,
  TicketTriaged,
  TicketUpdated,
  TicketMerged,
  TicketSplit,
};

/** Every event Switchboard publishes; the README's event table and the tests read this list. */
export const allEvents: readonly EventDefinition[] = [
  TicketCreated,
  MessageReceived,
  TicketReopened,
  TicketStatusChanged,
  ReplyDelivered,
  ReplyDeliveryFailed,
  TicketTriaged,
  TicketAssigned,
  TicketQueued,
  SlaWarning,
  SlaBreached,
  TicketEscalated,
  CsatRequested,
  CsatRecorded,
  AgentAvailabilityChanged,
  TicketUpdated,
  AgentMentioned,
  SubTaskCreated,
  SubTaskUpdated,
  SubTaskAssigned,
  TicketMerged,
  TicketSplit,
  CustomerUpdated,
  CustomerMerged,
  CustomerErased,
];
