/**
 * The single DynamoDB table's key design, read by the CDK construct that creates the table and by
 * local mode, which creates the same table in its stand-in. Item layout (README: "Data access
 * patterns"):
 *
 * | item     | pk                         | sk       | byParent (parentKey / childKey)     | list indexes        |
 * |----------|----------------------------|----------|-------------------------------------|---------------------|
 * | identity | IDENTITY#<kind>#<value>    | IDENTITY | CUSTOMER#<id> / IDENTITY#<kind>#... | —                   |
 * | customer | CUSTOMER#<id>              | CUSTOMER | CUSTOMER#<id> / CUSTOMER            | —                   |
 * | customer audit | CUSTOMER#<id>        | AUDIT#<at>#<n> | —                             | —                   |
 * | name entry | CUSTOMER#<id>            | NAME     | CUSTOMER-NAME#<1–2 chars> / <folded name>#<id> | —        |
 * | ticket   | TICKET#<id>                | TICKET   | —                                   | see listIndexDesigns |
 * | audit    | TICKET#<id>                | AUDIT#<at>#<n> | —                             | —                   |
 * | message  | MESSAGE#<channel>:<pmid>   | MESSAGE  | TICKET#<id> / MSG#<receivedAt>#<id> | —                   |
 * | reply    | REPLY#<id>                 | REPLY    | TICKET#<id> / MSG#<createdAt>#<id>  | —                   |
 * | sub-task | TASK#<taskId>              | TASK     | TASKS#AGENT#<id> or TASKS#TEAM#<team> / <status>#<createdAt>#<taskId> | — |
 * | agent    | AGENT#<id>                 | AGENT    | AGENTS / AGENT#<id>                 | —                   |
 * | queued   | QUEUED#<ticketId>          | QUEUED   | QUEUE / <rank>                      | —                   |
 * | csat     | CSAT#<ticketId>            | CSAT     | CUSTOMER#<id> / CSAT#<at>#<ticketId> | —                  |
 * | csat link| CSAT-TOKEN#<sha256>        | CSAT-TOKEN | —  (expires by `ttl`)             | —                   |
 */

export interface IndexDesign {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Attributes copied into the index besides the keys; undefined means ALL. */
  readonly nonKeyAttributes?: readonly string[];
}

/** What a ticket list shows: its rows, read from the tickets themselves (one BatchGetItem a page). */
export const ticketSummaryAttributes = [
  'ticketId',
  'status',
  'channel',
  'customerId',
  'assigneeId',
  'team',
  'subject',
  'createdAt',
  'updatedAt',
  'priority',
  'urgency',
  'category',
  'tags',
  'dueAt',
] as const;

/**
 * What every list index copies: the fields the filters a key does not answer are checked on. Only
 * fields that change rarely (not updatedAt, which every customer message moves), so a message that
 * joins a ticket rewrites one list index entry at most (the updated-order one). DynamoDB allows 100
 * copied attributes summed over a table's indexes: 11 list indexes × 9 (a stack test checks it).
 */
export const ticketFilterAttributes = ['status', 'priority', 'urgency', 'category', 'channel', 'assigneeId', 'team', 'customerId', 'tags'] as const;

/** DynamoDB's limit on INCLUDE-projected attributes, summed over all of a table's indexes. */
export const MAX_PROJECTED_ATTRIBUTES = 100;

/**
 * The list indexes of GET /tickets: a partition key per filter that can lead a query, and a sort
 * key per order. `created`: newest first; `updated`: latest activity first; `priority`: most
 * urgent first, then soonest due; `due`: open tickets with a running deadline, soonest first.
 */
export const listOrders = {
  created: { sortKey: 'listKey', ascending: false },
  updated: { sortKey: 'updatedKey', ascending: false },
  priority: { sortKey: 'dueKey', ascending: true },
  due: { sortKey: 'slaDueKey', ascending: true },
} as const;
export type ListOrder = keyof typeof listOrders;

export const listIndexDesigns = [
  { name: 'byAssignee', partitionKey: 'assigneeKey', order: 'created' },
  { name: 'byCustomer', partitionKey: 'customerKey', order: 'created' },
  { name: 'byTeam', partitionKey: 'teamKey', order: 'created' },
  { name: 'byCategory', partitionKey: 'categoryKey', order: 'created' },
  { name: 'byPriority', partitionKey: 'priorityKey', order: 'created' },
  { name: 'byStatus', partitionKey: 'statusKey', order: 'created' },
  { name: 'all', partitionKey: 'allKey', order: 'created' },
  { name: 'byAssigneeQueue', partitionKey: 'assigneeKey', order: 'priority' },
  { name: 'byStatusQueue', partitionKey: 'statusKey', order: 'priority' },
  { name: 'byStatusUpdated', partitionKey: 'statusKey', order: 'updated' },
  { name: 'bySla', partitionKey: 'slaKey', order: 'due' },
] as const satisfies readonly { name: string; partitionKey: string; order: ListOrder }[];
export type ListIndexName = (typeof listIndexDesigns)[number]['name'];

export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB deletes the item (satisfaction links); readers check expiry themselves. */
  timeToLiveAttribute: 'ttl',
  indexes: [
    { name: 'byParent', partitionKey: 'parentKey', sortKey: 'childKey' },
    ...listIndexDesigns.map((i): IndexDesign => ({ name: i.name, partitionKey: i.partitionKey, sortKey: listOrders[i.order].sortKey, nonKeyAttributes: ticketFilterAttributes })),
  ] satisfies IndexDesign[],
} as const;

export type IndexName = (typeof tableDesign.indexes)[number]['name'];
