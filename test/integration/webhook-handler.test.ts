import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from '../../infra/local/lambda-context';
import { type LocalQueues, startQueues } from '../../infra/local/queues';
import { twilioSignature } from '../../shared/channels/sms';
import { signWebRequest } from '../../shared/channels/signatures';
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
    SWITCHBOARD_SMS_SECRET: 'twilio-auth-token',
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

const GATEWAY_HOST = 'abc123.execute-api.us-east-1.amazonaws.com';

/** A Twilio webhook as API Gateway hands it over: the host and scheme in headers, the body base64. */
function twilioPost(params: Record<string, string>, signedUrl: string, query = ''): APIGatewayProxyEventV2 {
  const body = new URLSearchParams(params).toString();
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{channel}',
    rawPath: '/webhooks/sms',
    rawQueryString: query,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      host: GATEWAY_HOST,
      'x-forwarded-proto': 'https',
      'x-twilio-signature': twilioSignature('twilio-auth-token', signedUrl, [...new URLSearchParams(body)]),
    },
    pathParameters: { channel: 'sms' },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
    requestContext: { domainName: GATEWAY_HOST, http: { method: 'POST', path: '/webhooks/sms', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'TwilioProxy/1.1' } },
  } as unknown as APIGatewayProxyEventV2;
}

test('Twilio signs the public URL: rebuilt behind API Gateway (query string included), it verifies; signed for another URL, it does not', async () => {
  const params = { MessageSid: 'SMgw1', From: PHONE, To: '+14155550100', Body: TEXT, NumMedia: '0' };
  const ok = await handler(twilioPost(params, `https://${GATEWAY_HOST}/webhooks/sms?tenant=7`, 'tenant=7'), lambdaContext('webhook'));
  expect(ok.statusCode).toBe(200);
  expect(ok.body).toContain('<Response');
  const wrongUrl = await handler(twilioPost(params, `https://${GATEWAY_HOST}/webhooks/other`), lambdaContext('webhook'));
  expect(wrongUrl.statusCode).toBe(401);
});

test('a delivery status callback is acknowledged and counted by kind, never queued', async () => {
  const params = { MessageSid: 'SMgw2', MessageStatus: 'delivered', SmsStatus: 'delivered', From: '+14155550100', To: PHONE, AccountSid: 'AC1' };
  const out = await captureOutput(() => handler(twilioPost(params, `https://${GATEWAY_HOST}/webhooks/sms`), lambdaContext('webhook')));
  expect(out.result.statusCode).toBe(200);
  expect(emfMetrics(out.json)).toContainEqual({ name: 'ProviderEventsIgnored', value: 1, dimensions: expect.objectContaining({ kind: 'status' }) });
  const after = await queues.client.send(new ReceiveMessageCommand({ QueueUrl: queues.queues[0].url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
  expect((after.Messages ?? []).filter((m) => JSON.parse(m.Body!).providerMessageId === 'SMgw2')).toEqual([]);
});
