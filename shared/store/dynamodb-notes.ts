import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Ticket } from '../domain/ticket';
import type { Note } from '../tickets/notes';
import { unlessConditionFails } from './dynamodb-client';
import { keys, stripStorage } from './keys';
import { readTicket } from './reads';

/** Notes on tickets and the collaborators they bring in. */
export interface NoteStore {
  getTicket(ticketId: string): Promise<Ticket | undefined>;
  /** Stores the note unless a note with its id exists; returns the stored one. */
  putNote(note: Note): Promise<Note>;
  /**
   * Adds agents to the ticket's collaborators. Not a versioned change: a colleague's note must not
   * make an agent's pending edit of the ticket stale. Each agent is appended unless the list has
   * them, so concurrent notes (and sub-tasks) never drop each other's additions.
   */
  addCollaborators(ticket: Ticket, agentIds: readonly string[]): Promise<void>;
}

export class DynamoDbNoteStore implements NoteStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  getTicket(ticketId: string): Promise<Ticket | undefined> {
    return readTicket(this.db, this.table, ticketId);
  }

  async putNote(note: Note): Promise<Note> {
    const item = { ...keys.note(note.noteId), parentKey: keys.ticketParent(note.ticketId), childKey: keys.messageChild(note.createdAt, note.noteId), ...note };
    const put = await unlessConditionFails(this.db.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
    if (put) return note;
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.note(note.noteId), ConsistentRead: true }));
    return stripStorage<Note>(out.Item!);
  }

  async addCollaborators(ticket: Ticket, agentIds: readonly string[]): Promise<void> {
    // One conditional append per agent rather than a SET of the whole list on condition it is
    // unchanged: a list equality condition is one dynalite cannot evaluate, and appends need no retry.
    for (const agentId of agentIds) {
      if ((ticket.collaborators ?? []).includes(agentId)) continue;
      await unlessConditionFails(
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.ticket(ticket.ticketId),
            UpdateExpression: 'SET collaborators = list_append(if_not_exists(collaborators, :none), :added)',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(collaborators) OR NOT contains(collaborators, :agent))',
            ExpressionAttributeValues: { ':none': [], ':added': [agentId], ':agent': agentId },
          }),
        ),
      );
    }
  }
}
