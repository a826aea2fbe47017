import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { MacroNames } from '../tickets/macro-reply';
import { keys } from './keys';

/** The two names a macro's placeholders need, each one projected GetItem. */
export class DynamoDbMacroNames implements MacroNames {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  customerName(customerId: string): Promise<string | undefined> {
    return this.name(keys.customer(customerId), 'displayName');
  }

  agentName(agentId: string): Promise<string | undefined> {
    return this.name(keys.agent(agentId), 'name');
  }

  private async name(key: Record<string, string>, attribute: string): Promise<string | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: key, ProjectionExpression: '#name', ExpressionAttributeNames: { '#name': attribute } }));
    const value = out.Item?.[attribute];
    return typeof value === 'string' && value.trim() ? value : undefined;
  }
}
