import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type LocalEventBus, startEventBus } from '../../infra/local/event-bus';
import { dynamoForTests } from '../support/dynamo';
import { inbound } from '../support/messages';
import { deployedFunctionEnv } from '../support/function-env';
import { captureOutput, emfMetrics, linesContaining } from '../support/output';

/**
 * The real ingest handler against dynalite and the local bus, with Powertools logging and EMF
 * metrics on, as deployed: what operators see for a placed message and for one that fails.
 */

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const EMAIL = 'mei.chen@example.com';
const PHONE = '+14155550123';
const TEXT = 'My order arrived damaged';

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
let bus: LocalEventBus;
let handler: Handler;

beforeAll(async () => {
  dynamo = await dynamoForTests();
  bus = await startEventBus(undefined, async () => undefined);
  deployedFunctionEnv({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
    TABLE_NAME: await dynamo.freshTable(),
    EVENT_BUS_NAME: 'switchboard',
  });
  await jest.isolateModulesAsync(async () => {
    handler = (await import('../../functions/ingest/handler')).handler as unknown as Handler;
  });
});
afterAll(async () => {
  await bus.close();
  await dynamo.close();
});

const record = (messageId: string, body: string, receiveCount = 1): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:switchboard-ingest',
    awsRegion: 'us-east-1',
  }) as unknown as SQSRecord;

const run = (records: SQSRecord[]) => captureOutput(() => handler({ Records: records }, lambdaContext('ingest')));

test('a placed message is logged by ids, counted, and its events published; a failed one is logged, counted and handed back to the queue', async () => {
  const good = inbound({ providerMessageId: 'ok-1', text: TEXT, customer: { handles: [{ kind: 'email', value: EMAIL }, { kind: 'phone', value: PHONE }], displayName: 'Mei Chen' } });
  // Valid JSON with the customer's data in it, but not a canonical message: ingest must refuse it.
  const bad = JSON.stringify({ from: EMAIL, phone: PHONE, text: TEXT });

  const { result: response, lines, json } = await run([record('sqs-good', JSON.stringify(good)), record('sqs-bad', bad, 3)]);

  expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'sqs-bad' }]);
  expect(json).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'message placed', outcome: 'created', sqsMessageId: 'sqs-good' }));
  expect(json).toContainEqual(
    expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('message not placed'), sqsMessageId: 'sqs-bad', receiveCount: 3, error: expect.objectContaining({ name: expect.any(String) }) }),
  );
  expect(emfMetrics(json).map((m) => m.name)).toEqual(expect.arrayContaining(['TicketsCreated', 'IngestFailures']));
  expect([...bus.delivered.values()].flat()).toEqual(
    expect.arrayContaining([expect.objectContaining({ 'detail-type': 'TicketCreated' }), expect.objectContaining({ 'detail-type': 'MessageReceived' })]),
  );

  // Nothing personal in any line: not the text, the email, the phone number or the name.
  expect(linesContaining(lines, [EMAIL, PHONE, TEXT, 'Mei Chen', '4155550123'])).toEqual([]);
});
