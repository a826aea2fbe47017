import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A queue of small jobs (ids, never message text), one SQS message each. */
export interface JobQueue<T> {
  /** Resolves once the job is durably queued; throws otherwise. */
  enqueue(job: T): Promise<void>;
}

export class SqsJobQueue<T> implements JobQueue<T> {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(job: T): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }));
  }
}
