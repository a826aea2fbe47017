import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SubTask, TaskListRequest } from '../tickets/tasks';
import { unlessConditionFails } from './dynamodb-client';
import { keys, stripStorage } from './keys';

/** Sub-tasks' own items: where GET /tasks finds an agent's or a team's work. The ticket holds the authoritative copy. */
export interface TaskStore {
  /**
   * Writes the task's item as the ticket has it, on its owner's partition under its status, unless
   * the item already holds this version or a later one: writing it again is harmless, and a late
   * write never takes it back.
   */
  putTask(task: SubTask): Promise<void>;
  /** A page of the owner's tasks in one status, oldest first, after the request's position. */
  listTasks(request: TaskListRequest): Promise<{ tasks: SubTask[]; lastKey?: string }>;
}

export class DynamoDbTaskStore implements TaskStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putTask(task: SubTask): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.task(task.taskId), parentKey: keys.taskOwnerParent(task), childKey: keys.taskChild(task.status, task.createdAt, task.taskId), ...task },
          ConditionExpression: 'attribute_not_exists(pk) OR version < :version',
          ExpressionAttributeValues: { ':version': task.version },
        }),
      ),
    );
  }

  async listTasks({ owner, status, limit, after }: TaskListRequest): Promise<{ tasks: SubTask[]; lastKey?: string }> {
    // After a cursor: BETWEEN it (dropped) and the end of the status's range (`$` sorts right after `#`).
    const range = after === undefined ? 'begins_with(childKey, :prefix)' : 'childKey BETWEEN :from AND :to';
    const values = after === undefined ? { ':prefix': `${status}#` } : { ':from': after, ':to': `${status}$` };
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byParent',
          KeyConditionExpression: `parentKey = :parent AND ${range}`,
          ExpressionAttributeValues: { ':parent': keys.taskOwnerParent(owner), ...values },
          Limit: limit + 1 - items.length + (after === undefined ? 0 : 1),
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []).filter((i) => i.childKey !== after));
      start = out.LastEvaluatedKey;
    } while (start && items.length <= limit);
    const page = items.slice(0, limit);
    return { tasks: page.map((i) => stripStorage<SubTask>(i)), ...(items.length > limit ? { lastKey: String(page.at(-1)!.childKey) } : {}) };
  }
}
