import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { agentCsatAttributes, countedEntry, type CsatRequestState, type CsatScore, type CsatToken, type CustomerCsat, staleEntries } from '../csat/csat';
import type { CsatStore } from '../csat/ports';
import { unlessConditionFails } from './dynamodb-client';
import { keys, stripStorage } from './keys';
import { tableDesign } from './table-design';

/**
 * Satisfaction requests and scores: the request on its ticket, the links' token hashes
 * (`CSAT-TOKEN#<sha256>`, deleted by DynamoDB's TTL once expired), the score as the customer's
 * (`CSAT#<ticketId>`, a child of `CUSTOMER#<id>` on byParent) and the agent's counters.
 */
export class DynamoDbCsatStore implements CsatStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async requestOn(ticketId: string, request: CsatRequestState): Promise<boolean> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticketId),
          UpdateExpression: 'SET csatRequest = :request',
          ConditionExpression: 'attribute_exists(pk) AND #status = :solved AND attribute_not_exists(csat)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':request': request, ':solved': 'solved' },
        }),
      ),
    );
    return out !== undefined;
  }

  async linkRequest(ticketId: string, replyId: string, linkedAt: string, expiresAt: string): Promise<CsatRequestState | undefined> {
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.ticket(ticketId),
          // The first link's time stays: a score replied after it counts even if a retried send links again.
          UpdateExpression: 'SET csatRequest.linkedAt = if_not_exists(csatRequest.linkedAt, :linkedAt), csatRequest.expiresAt = :expiresAt',
          ConditionExpression: 'csatRequest.replyId = :replyId AND attribute_not_exists(csat)',
          ExpressionAttributeValues: { ':linkedAt': linkedAt, ':expiresAt': expiresAt, ':replyId': replyId },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out?.Attributes?.csatRequest as CsatRequestState | undefined;
  }

  async saveToken(token: CsatToken): Promise<void> {
    const ttl = Math.ceil(Date.parse(token.expiresAt) / 1000);
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...keys.csatToken(token.tokenHash), ...token, [tableDesign.timeToLiveAttribute]: ttl } }));
  }

  async token(tokenHash: string): Promise<CsatToken | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.csatToken(tokenHash), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { [tableDesign.timeToLiveAttribute]: _ttl, ...token } = stripStorage<CsatToken & Record<string, unknown>>(out.Item);
    return token as CsatToken;
  }

  /** An update rather than a put, so it keeps `settled` and fails while another settler's lease lasts. */
  async claimSettling(entry: CustomerCsat, now: string, leaseUntil: string): Promise<boolean> {
    const fields: Record<string, unknown> = { parentKey: keys.customerParent(entry.customerId), childKey: keys.csatChild(entry.at, entry.ticketId), ...entry, claimedUntil: leaseUntil };
    const names = Object.fromEntries(Object.keys(fields).map((f, i) => [`#f${i}`, f]));
    const values = Object.fromEntries(Object.values(fields).map((v, i) => [`:f${i}`, v]));
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.csat(entry.ticketId),
          UpdateExpression: `SET ${Object.keys(fields).map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#settled) AND (attribute_not_exists(#claimed) OR #claimed < :now)',
          ExpressionAttributeNames: { ...names, '#settled': 'settled', '#claimed': 'claimedUntil' },
          ExpressionAttributeValues: { ...values, ':now': now },
        }),
      ),
    );
    return out !== undefined;
  }

  /**
   * One conditional update: the counters go up and the ticket's entry joins the recently counted
   * set, unless the entry is already there. Entries older than a day are pruned afterwards.
   */
  async countForAgent(agentId: string, ticketId: string, score: CsatScore, at: string, now: Date): Promise<void> {
    const entry = countedEntry(at, ticketId);
    const out = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.agent(agentId),
          UpdateExpression: 'ADD #count :one, #total :score, #perScore :one, #counted :entries',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(#counted, :entry)',
          ExpressionAttributeNames: {
            '#count': agentCsatAttributes.count,
            '#total': agentCsatAttributes.total,
            '#perScore': agentCsatAttributes.score(score),
            '#counted': agentCsatAttributes.counted,
          },
          ExpressionAttributeValues: { ':one': 1, ':score': score, ':entries': new Set([entry]), ':entry': entry },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    const stale = staleEntries((out?.Attributes?.[agentCsatAttributes.counted] as Set<string> | undefined) ?? [], now);
    if (stale.length === 0) return;
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.agent(agentId),
          UpdateExpression: 'DELETE #counted :stale',
          ExpressionAttributeNames: { '#counted': agentCsatAttributes.counted },
          ExpressionAttributeValues: { ':stale': new Set(stale) },
        }),
      )
      .catch(() => undefined); // Pruning is housekeeping: the next count prunes again.
  }

  async markSettled(ticketId: string): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.csat(ticketId),
          UpdateExpression: 'SET settled = :true REMOVE claimedUntil',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':true': true },
        }),
      ),
    );
  }
}
