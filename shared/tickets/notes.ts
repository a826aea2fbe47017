import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { AgentMentioned, domainEvent, type DomainEvent } from '../../events';
import type { Actor } from '../domain/ticket';
import { parseJsonRequest } from '../http/problem';

/** Internal notes: written by agents for agents, on the ticket's timeline, never sent to the customer. */

export const MAX_NOTE_LENGTH = 10_000;

export const noteRequest = z.strictObject({
  body: z.string().trim().min(1, 'must not be empty').max(MAX_NOTE_LENGTH, `must be at most ${MAX_NOTE_LENGTH} characters`),
});
export type NoteRequest = z.infer<typeof noteRequest>;

export interface Note {
  readonly noteId: string;
  readonly ticketId: string;
  readonly kind: 'note';
  readonly author: Actor;
  readonly body: string;
  /** Agents the note @mentions who exist; they become the ticket's collaborators. */
  readonly mentions: readonly string[];
  readonly createdAt: string;
}

export function parseNoteRequest(body: string | undefined): NoteRequest {
  return parseJsonRequest(body, noteRequest, '{"body": "@mei can you check the courier\'s answer?"}', 'The note is not valid.');
}

/**
 * The agent ids a note mentions: `@` + an id, not inside a word or an e-mail address, without the
 * punctuation that ends a sentence. In order, each once.
 */
export function mentionsIn(body: string): string[] {
  const found: string[] = [];
  for (const match of body.matchAll(/(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9._-]{1,128})/gu)) {
    const id = match[1].replace(/[.]+$/, '');
    if (id && !found.includes(id)) found.push(id);
  }
  return found;
}

/** A note's id: from the request's Idempotency-Key when given (a retry makes the same note), else random. */
export const noteIdFor = (ticketId: string, callerId: string, idempotencyKey?: string): string =>
  `note_${createHash('sha256')
    .update(idempotencyKey ? `${ticketId}\n${callerId}\n${idempotencyKey}` : randomUUID())
    .digest('hex')
    .slice(0, 16)}`;

export function mentionEvents(note: Note): DomainEvent[] {
  return note.mentions
    .filter((agentId) => agentId !== note.author.id)
    .map((agentId) =>
      domainEvent(AgentMentioned, {
        eventId: `${note.noteId}:${agentId}`,
        version: 1,
        occurredAt: note.createdAt,
        ticketId: note.ticketId,
        noteId: note.noteId,
        agentId,
        mentionedBy: note.author.id,
      }),
    );
}

