import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type LocalQueues, startQueues } from '../../infra/local/queues';
import { signWebRequest } from '../../shared/channels/web';
import { parseConfig } from '../../shared/config';
import { deployedFunctionEnv } from '../support/function-env';
import { captureOutput, emfMetrics, linesContaining } from '../support/output';

/**
 * The real webhook handler in front of a real queue (fauxqs), with Powertools logging and EMF
 * metrics on, as deployed: what it counts and logs for an accepted and a rejected message.
 */

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const EMAIL = 'mei.chen@example.com';
const PHONE = '+14155550123';
const TEXT = 'My order arrived damaged';

let queues: LocalQueues;
let handler: Handler;

beforeAll(async () => {
  queues = await startQueues(parseConfig({}), 30);
  deployedFunctionEnv({
    AWS_ENDPOINT_URL_SQS: queues.endpoint,
    INGEST_QUEUE_URL: queues.queues[0].url,
    SWITCHBOARD_WEB_SECRET: 'local-web-secret',
  });
  await jest.isolateModulesAsync(async () => {
    handler = (await import('../../functions/webhook/handler')).handler as unknown as Handler;
  });
}, 30_000);
afterAll(() => queues.close());

function post(body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{channel}',
    rawPath: '/webhooks/web',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    pathParameters: { channel: 'web' },
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/webhooks/web', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' } },
  } as unknown as APIGatewayProxyEventV2;
}

const payload = (messageId: string) => JSON.stringify({ messageId, customer: { email: EMAIL, phone: PHONE, name: 'Mei Chen' }, text: TEXT });

test('an accepted message is queued and counted by channel; a rejected one is counted by reason; neither logs personal data', async () => {
  const good = payload('wh-1');
  const accepted = await captureOutput(() => handler(post(good, signWebRequest('local-web-secret', good)), lambdaContext('webhook')));
  expect(accepted.result.statusCode).toBe(202);
  expect(emfMetrics(accepted.json)).toContainEqual({ name: 'MessagesReceived', value: 1, dimensions: expect.objectContaining({ channel: 'web' }) });
  const queued = await queues.client.send(new ReceiveMessageCommand({ QueueUrl: queues.queues[0].url, WaitTimeSeconds: 1 }));
  expect(queued.Messages?.map((m) => JSON.parse(m.Body!).providerMessageId)).toEqual(['wh-1']);

  const forged = payload('wh-2');
  const rejected = await captureOutput(() => handler(post(forged, signWebRequest('not-the-secret', forged)), lambdaContext('webhook')));
  expect(rejected.result.statusCode).toBe(401);
  expect(emfMetrics(rejected.json)).toContainEqual({ name: 'WebhooksRejected', value: 1, dimensions: expect.objectContaining({ reason: 'unauthorized' }) });

  expect(linesContaining([...accepted.lines, ...rejected.lines], [EMAIL, PHONE, TEXT, 'Mei Chen', '4155550123'])).toEqual([]);
});
