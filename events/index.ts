import type { EventDefinition } from './define';
import { MessageReceived } from './message-received';
import { ReplyDelivered, ReplyDeliveryFailed } from './reply-delivered';
import { TicketCreated } from './ticket-created';
import { TicketReopened } from './ticket-reopened';
import { TicketStatusChanged } from './ticket-status-changed';

export * from './define';
export { MessageReceived, ReplyDelivered, ReplyDeliveryFailed, TicketCreated, TicketReopened, TicketStatusChanged };

/** Every event Switchboard publishes; the README's event table and the tests read this list. */
export const allEvents: readonly EventDefinition[] = [TicketCreated, MessageReceived, TicketReopened, TicketStatusChanged, ReplyDelivered, ReplyDeliveryFailed];
