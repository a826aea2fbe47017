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
 * | ticket   | TICKET#<id>                | TICKET   | —                                   | status, channel, assignee, customer, all |
 * | audit    | TICKET#<id>                | AUDIT#<at>#<n> | —                             | —                   |
 * | message  | MESSAGE#<channel>:<pmid>   | MESSAGE  | TICKET#<id> / MSG#<receivedAt>#<id> | —                   |
 * | reply    | REPLY#<id>                 | REPLY    | TICKET#<id> / MSG#<createdAt>#<id>  | —                   |
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

/** What a ticket list shows. Only attributes that change rarely, so a merged message (which touches
 * updatedAt and lastMessageAt) writes no list index. */
export const ticketSummaryAttributes = ['ticketId', 'status', 'channel', 'customerId', 'assigneeId', 'subject', 'createdAt'] as const;

const listIndex = (name: string, partitionKey: string): IndexDesign => ({
  name,
  partitionKey,
  sortKey: 'listKey',
  nonKeyAttributes: ticketSummaryAttributes,
});

export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB deletes the item (satisfaction links); readers check expiry themselves. */
  timeToLiveAttribute: 'ttl',
  indexes: [
    { name: 'byParent', partitionKey: 'parentKey', sortKey: 'childKey' },
    listIndex('byStatus', 'statusKey'),
    listIndex('byChannel', 'channelKey'),
    listIndex('byAssignee', 'assigneeKey'),
    listIndex('byCustomer', 'customerKey'),
    listIndex('all', 'allKey'),
  ] satisfies IndexDesign[],
} as const;

export type IndexName = (typeof tableDesign.indexes)[number]['name'];
