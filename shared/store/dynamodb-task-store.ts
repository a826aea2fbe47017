import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SubTask, TaskListRequest } from '../tickets/tasks';
import { childrenPage, unlessConditionFails } from './dynamodb-client';
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
    const page = await childrenPage(this.db, this.table, { parent: keys.taskOwnerParent(owner), prefix: `${status}#`, after, limit });
    return { tasks: page.items.map((i) => stripStorage<SubTask>(i)), ...(page.hasMore ? { lastKey: String(page.items.at(-1)!.childKey) } : {}) };
  }

}
