import type { Caller } from '../http/caller';
import type { EventPublisher } from '../ingest/ports';
import type { AgentStore } from '../routing';
import type { NoteStore } from '../store/dynamodb-notes';
import { visibleTo } from './access';
import { mentionEvents, mentionsIn, type Note, type NoteRequest, noteIdFor } from './notes';
import type { SwitchboardConfig } from '../config';

/** Mentions of one note that bring colleagues in. */
export const MAX_MENTIONS = 20;

export interface NoteDeps {
  readonly store: NoteStore;
  readonly agents: Pick<AgentStore, 'getAgent'>;
  readonly publisher: EventPublisher;
  readonly config: SwitchboardConfig;
  readonly now: () => Date;
}

/**
 * POST /tickets/{id}/notes: the note goes on the timeline, the agents it mentions become
 * collaborators (they see the ticket) and are told by an AgentMentioned event. Each step is
 * idempotent, so a retry with the same Idempotency-Key finishes what a crash cut short.
 */
export async function addNote(deps: NoteDeps, input: { ticketId: string; caller: Caller; request: NoteRequest; idempotencyKey?: string }): Promise<Note> {
  const { ticketId, caller, request } = input;
  const ticket = visibleTo(await deps.store.getTicket(ticketId), ticketId, caller, deps.config);
  // A note names a handful of colleagues; the first few count (each is looked up).
  const named = mentionsIn(request.body).slice(0, MAX_MENTIONS);
  const known = await Promise.all(named.map(async (id) => ((await deps.agents.getAgent(id)) ? id : undefined)));
  const note = await deps.store.putNote({
    noteId: noteIdFor(ticketId, caller.sub, input.idempotencyKey),
    ticketId,
    kind: 'note',
    author: { type: 'agent', id: caller.sub },
    body: request.body,
    mentions: known.filter((id): id is string => id !== undefined),
    createdAt: deps.now().toISOString(),
  });
  const collaborators = note.mentions.filter((id) => id !== ticket.assigneeId && id !== caller.sub);
  if (collaborators.length) await deps.store.addCollaborators(ticket, collaborators);
  await deps.publisher.publish(mentionEvents(note));
  return note;
}
