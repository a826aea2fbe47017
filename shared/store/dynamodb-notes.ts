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
   * make an agent's pending edit of the ticket stale. Conditional on the list it extends, so
   * concurrent notes never drop each other's mentions.
   */
  addCollaborators(ticket: Ticket, agentIds: readonly string[]): Promise<void>;
}

const ATTEMPTS = 5;

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

  async addCollaborators(given: Ticket, agentIds: readonly string[]): Promise<void> {
    let ticket: Ticket | undefined = given;
    for (let attempt = 0; attempt < ATTEMPTS && ticket; attempt++) {
      const current = ticket.collaborators ?? [];
      const added = agentIds.filter((id) => !current.includes(id));
      if (added.length === 0) return;
      const updated = await unlessConditionFails(
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.ticket(ticket.ticketId),
            UpdateExpression: 'SET collaborators = :next',
            ConditionExpression: ticket.collaborators ? 'collaborators = :current' : 'attribute_exists(pk) AND attribute_not_exists(collaborators)',
            ExpressionAttributeValues: { ':next': [...current, ...added], ...(ticket.collaborators ? { ':current': current } : {}) },
          }),
        ),
      );
      if (updated) return;
      ticket = await this.getTicket(ticket.ticketId);
    }
    if (ticket) throw new Error(`ticket ${given.ticketId} kept changing while collaborators were added`);
  }
}
