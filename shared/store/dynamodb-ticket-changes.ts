import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Change, openStatuses, type Ticket } from '../domain/ticket';
import { unlessConditionFails } from './dynamodb-client';
import { keys, stripStorage, ticketIndexKeys } from './keys';
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
    | 'assignedAt'
    | 'queuedAt'
    | 'escalated'
    | 'customerId'
    | 'lastRouting'
    | 'sla'
    | 'csat'
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
    // The list indexes follow the status and the assignee.
    if (set.status) {
      values[':statusKey'] = ticketIndexKeys({ ...ticket, status: set.status }).statusKey;
      sets.push('statusKey = :statusKey');
    }
    if (set.assigneeId) {
      values[':assigneeKey'] = ticketIndexKeys({ ...ticket, assigneeId: set.assigneeId }).assigneeKey;
      sets.push('assigneeKey = :assigneeKey');
    } else if (remove.includes('assigneeId')) removes.push('assigneeKey');
    // A merge moves the ticket to another customer: the customer list index follows.
    if (set.customerId) {
      values[':customerKey'] = ticketIndexKeys({ ...ticket, customerId: set.customerId }).customerKey;
      sets.push('customerKey = :customerKey');
    }
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
