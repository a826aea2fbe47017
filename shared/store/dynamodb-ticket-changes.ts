import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Change, openStatuses, type Ticket } from '../domain/ticket';
import { unlessConditionFails } from './dynamodb-client';
import { indexKeyUpdate, keys, stripStorage } from './keys';
import { readTicket } from './reads';

/** Ticket attributes triage, routing, the SLA workflow and agents may set; identity belongs to ingest. */
export type WorkFields = Partial<
  Pick<
    Ticket,
    | 'status'
    | 'solvedAt'
    | 'closedAt'
    | 'customFields'
    | 'collaborators'
    | 'tasks'
    | 'taskProgress'
    | 'links'
    | 'priority'
    | 'prioritySource'
    | 'urgency'
    | 'category'
    | 'language'
    | 'tags'
    | 'tier'
    | 'triage'
    | 'previousAgentId'
    | 'requiredSkills'
    | 'assigneeId'
    | 'team'
    | 'assignedAt'
    | 'queuedAt'
    | 'escalated'
    | 'customerId'
    | 'lastRouting'
    | 'sla'
    | 'csat'
    | 'mergingInto'
    | 'mergedInto'
    | 'mergedFrom'
    | 'splitTo'
  >
>;

/** Changes to a ticket's triage, assignment and SLA, each recorded as a versioned change with its audit entry. */
export interface TicketChanges {
  getTicket(ticketId: string): Promise<Ticket | undefined>;
  /**
   * Sets and removes fields if the ticket is still at the version it was read at (and open for
   * work when `openOnly`), records the change on it and in the audit trail; undefined if it moved on.
   */
  change(ticket: Ticket, change: Change, set: WorkFields, remove?: readonly (keyof WorkFields)[], options?: { openOnly?: boolean }): Promise<Ticket | undefined>;
}

export class DynamoDbTicketChanges implements TicketChanges {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  getTicket(ticketId: string): Promise<Ticket | undefined> {
    return readTicket(this.db, this.table, ticketId);
  }

  async change(ticket: Ticket, change: Change, set: WorkFields, remove: readonly (keyof WorkFields)[] = [], options: { openOnly?: boolean } = {}): Promise<Ticket | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':version': ticket.version, ':next': change.version, ':at': change.at, ':change': change };
    const sets = ['version = :next', 'updatedAt = :at', 'lastChange = :change'];
    const removes: string[] = [];
    Object.entries(set).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#s${i}`] = field;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    remove.forEach((field, i) => {
      names[`#r${i}`] = field;
      removes.push(`#r${i}`);
    });
    // The list indexes follow the ticket: every index key is derived again from what it will be.
    const next: Record<string, unknown> = { ...ticket, ...Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)), updatedAt: change.at };
    for (const field of remove) delete next[field];
    const index = indexKeyUpdate(next as unknown as Ticket);
    Object.entries(index.set).forEach(([attribute, value], i) => {
      values[`:i${i}`] = value;
      sets.push(`${attribute} = :i${i}`);
    });
    removes.push(...index.remove);
    let condition = 'version = :version';
    if (options.openOnly) {
      names['#status'] = 'status';
      openStatuses.forEach((status, i) => (values[`:open${i}`] = status));
      condition += ` AND #status IN (${openStatuses.map((_, i) => `:open${i}`).join(', ')})`;
    }
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticket.ticketId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!out) return undefined;
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...keys.audit(ticket.ticketId, change.at, change.version), ...change, ticketId: ticket.ticketId } }));
    return stripStorage<Ticket>(out.Attributes!);
  }
}
