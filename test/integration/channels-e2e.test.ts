import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { localClient } from '../../infra/local/dynamodb';
import { documentClient } from '../../shared/store/dynamodb-client';
import { issueDevToken } from '../../infra/local/dev-tokens';
import { type LocalSwitchboard, startLocal } from '../../infra/local/runtime';
import { eventually } from '../support/eventually';
import { signWeChatQuery } from '../../shared/channels/wechat';
import { parseConfig } from '../../shared/config';
import { localOutbox, type OutboxEntry } from '../../shared/delivery/outbox';
import { postSigned, sampleBodies } from '../support/channel-requests';
import { conversation } from '../support/timeline';

/**
 * Every channel end to end in local mode, as `npm start` runs it: the provider's documented payload,
 * signed its way, to a ticket; an agent's reply to the local outbox, in the provider's request format.
 */

jest.setTimeout(30_000);

const config = parseConfig({ channels: { sms: { from: '+14155550100' }, email: { from: 'help@example.com' } } });
let local: LocalSwitchboard;
let agentToken: string;

beforeAll(async () => {
  local = await startLocal({ config, port: 0, visibilityTimeoutSeconds: 1 });
  agentToken = await issueDevToken(local.signingKey, { sub: 'alice', role: 'agent' });
}, 60_000);
// Closing waits for work in flight (a workflow task, a poll) to finish.
afterAll(() => local?.close(), 30_000);

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${local.url}${path}`, { ...init, headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

type Detail = { ticket: { ticketId: string; customerId: string; lastChannel: string }; timeline: { type: string; channel: string; direction: string; text: string; delivery?: { status: string } }[] };

/** The ticket holding a message from this channel whose text contains `text`. */
async function ticketWith(channel: string, text: string): Promise<Detail> {
  return eventually(async () => {
    const list = (await (await api('/tickets?limit=100')).json()) as { tickets: { ticketId: string }[] };
    for (const { ticketId } of list.tickets) {
      const detail = (await (await api(`/tickets/${ticketId}`)).json()) as Detail;
      if (conversation(detail).some((m) => m.channel === channel && m.text.includes(text))) return detail;
    }
    return undefined;
  });
}

async function outboxAfter(count: number): Promise<OutboxEntry[]> {
  return eventually(async () => {
    const { entries } = (await (await fetch(`${local.url}/dev/outbox`)).json()) as { entries: OutboxEntry[] };
    return entries.length > count ? entries.slice(count) : undefined;
  });
}

const outboxSize = async () => ((await (await fetch(`${local.url}/dev/outbox`)).json()) as { entries: unknown[] }).entries.length;

async function reply(ticketId: string, text: string) {
  const res = await api(`/tickets/${ticketId}/replies`, { method: 'POST', body: JSON.stringify({ text }) });
  expect(res.status).toBe(202);
  return (await res.json()) as { replyId: string; channel: string; delivery: { status: string } };
}

const http = (entry: OutboxEntry) => entry.request as { method: string; url: string; headers: Record<string, string>; body: string };

test.each([
  ['sms', 'arrived damaged', 200, 'text/xml'],
  ['whatsapp', 'Does it come in another color?', 200, undefined],
  ['wechat', 'this is a test', 200, 'text/plain'],
  ['telegram', '/start', 200, undefined],
  ['email', 'Saying Hello', 202, 'application/json'],
] as const)('%s: the documented payload becomes a ticket, and a reply reaches the outbox in the provider\'s format', async (channel, text, status, contentType) => {
  const before = await outboxSize();
  const res = await postSigned(local.url, channel);
  expect(res.status).toBe(status);
  if (contentType) expect(res.headers.get('content-type')).toContain(contentType);
  if (channel === 'sms') expect(await res.text()).toContain('<Response');
  if (channel === 'wechat') expect(await res.text()).toBe('success');

  const detail = await ticketWith(channel, text);
  expect(detail.ticket.lastChannel).toBe(channel);
  const sent = await reply(detail.ticket.ticketId, `Thanks, we are on it (${channel}).`);
  expect(sent).toMatchObject({ channel, delivery: { status: 'queued' } });
  const entries = await outboxAfter(before);

  switch (channel) {
    case 'sms':
      expect(http(entries[0]!).url).toMatch(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/.+\/Messages\.json$/);
      expect(http(entries[0]!).headers.Authorization ?? http(entries[0]!).headers.authorization).toBe('Basic [redacted]');
      expect(Object.fromEntries(new URLSearchParams(http(entries[0]!).body))).toMatchObject({ To: '+14155550123', From: '+14155550100' });
      break;
    case 'whatsapp':
      expect(http(entries[0]!).url).toBe('https://graph.facebook.com/v21.0/106540352242922/messages');
      expect(JSON.parse(http(entries[0]!).body)).toMatchObject({ messaging_product: 'whatsapp', to: '14155550123', type: 'text' });
      break;
    case 'wechat': {
      const send = await eventually(async () => (await outboxAfter(before)).find((e) => http(e).url.includes('/message/custom/send')));
      expect(JSON.parse(http(send).body)).toMatchObject({ touser: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', msgtype: 'text' });
      break;
    }
    case 'telegram':
      // Credentials are not shown, even local ones.
      expect(http(entries[0]!).url).toBe('https://api.telegram.org/bot[redacted]/sendMessage');
      expect(JSON.parse(http(entries[0]!).body)).toMatchObject({ chat_id: 1111111, text: 'Thanks, we are on it (telegram).' });
      break;
    case 'email':
      expect(entries[0]!.kind).toBe('ses');
      expect(entries[0]!.request).toMatchObject({ FromEmailAddress: 'help@example.com', Destination: { ToAddresses: ['smith@home.example'] } }); // the message's Reply-To
      break;
  }
  const after = await eventually(async () => {
    const d = (await (await api(`/tickets/${detail.ticket.ticketId}`)).json()) as Detail;
    return conversation(d).some((m) => m.direction === 'outbound' && m.delivery?.status === 'sent') ? d : undefined;
  });
  expect(conversation(after).at(-1)).toMatchObject({ direction: 'outbound', channel });
});

test('voice: a Connect invocation joins the caller\'s ticket and answers the flow with its id and status', async () => {
  const sms = await ticketWith('sms', 'arrived damaged');
  const res = await postSigned(local.url, 'voice');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ticketId: sms.ticket.ticketId, ticketStatus: 'new', outcome: 'merged' });
  // A second invocation of the same contact is the same message.
  expect(await (await postSigned(local.url, 'voice')).json()).toMatchObject({ ticketId: sms.ticket.ticketId, outcome: 'duplicate' });
});

test('web: the form becomes a ticket; a reply on a channel without a reply API is recorded only', async () => {
  expect((await postSigned(local.url, 'web')).status).toBe(202);
  const detail = await ticketWith('web', 'arrived damaged');
  expect(await reply(detail.ticket.ticketId, 'Noted')).toMatchObject({ channel: 'web', delivery: { status: 'recorded' } });
});

test('WhatsApp and WeChat URL verification answer the challenge only with the right token', async () => {
  const ok = await fetch(`${local.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=local-whatsapp-secret&hub.challenge=1158201444`);
  expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
  expect((await fetch(`${local.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status).toBe(403);

  const query = new URLSearchParams({ ...signWeChatQuery('local-wechat-secret', Math.floor(Date.now() / 1000), 'n1'), echostr: 'abc123' });
  const wechat = await fetch(`${local.url}/webhooks/wechat?${query}`);
  expect([wechat.status, await wechat.text()]).toEqual([200, 'abc123']);
  query.set('signature', '0'.repeat(40));
  expect((await fetch(`${local.url}/webhooks/wechat?${query}`)).status).toBeGreaterThanOrEqual(401);
});

test('a wrong signature is refused on every channel, and nothing is stored', async () => {
  for (const channel of ['sms', 'whatsapp', 'telegram', 'email', 'voice', 'web']) {
    const res = await fetch(`${local.url}/webhooks/${channel}`, { method: 'POST', headers: { 'content-type': channel === 'sms' ? 'application/x-www-form-urlencoded' : channel === 'email' ? 'message/rfc822' : 'application/json' }, body: sampleBodies[channel] });
    expect({ channel, status: res.status, type: res.headers.get('content-type') }).toEqual({ channel, status: 401, type: 'application/problem+json' });
  }
});

test('a customer known by phone and email is one customer whether they text or email', async () => {
  const web = JSON.stringify({ messageId: 'known-1', customer: { phone: '+14155550199', email: 'li.wei@example.com' }, text: 'Where is my refund?' });
  await postSigned(local.url, 'web', web);
  const first = await ticketWith('web', 'Where is my refund?');
  const sms = new URLSearchParams({ MessageSid: 'SMknown2', From: '+14155550199', To: '+14155550100', Body: 'Any news on the refund?', NumMedia: '0' }).toString();
  await postSigned(local.url, 'sms', sms);
  const mail = ['From: Li Wei <Li.Wei@Example.com>', 'To: help@example.com', 'Subject: Refund', 'Message-ID: <known-3@example.com>', 'Date: Mon, 23 Nov 2026 09:00:00 +0000', '', 'Still waiting for the refund.', ''].join('\r\n');
  await postSigned(local.url, 'email', mail);
  const bySms = await ticketWith('sms', 'Any news on the refund?');
  const byMail = await ticketWith('email', 'Still waiting for the refund.');
  expect(new Set([first.ticket.ticketId, bySms.ticket.ticketId, byMail.ticket.ticketId]).size).toBe(1);
});

test('a status change the config names reaches the customer through the bus rule, the delivery queue and the outbox', async () => {
  const detail = await ticketWith('telegram', '/start');
  // Solved as an agent's change will solve it (the agent API comes later), then announced on the bus.
  const db = documentClient(localClient(local.dynamoEndpoint));
  await db.send(new UpdateCommand({ TableName: local.tableName, Key: { pk: `TICKET#${detail.ticket.ticketId}`, sk: 'TICKET' }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'solved' } }));
  db.destroy();
  const before = await outboxSize();
  const bus = new EventBridgeClient({ endpoint: local.bus.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const change = { eventId: `${detail.ticket.ticketId}:v9`, version: 1, occurredAt: new Date().toISOString(), ticketId: detail.ticket.ticketId, customerId: detail.ticket.customerId, from: 'open', to: 'solved', actor: { type: 'agent', id: 'alice' } };
  await bus.send(new PutEventsCommand({ Entries: [{ EventBusName: 'switchboard', Source: 'switchboard', DetailType: 'TicketStatusChanged', Detail: JSON.stringify(change) }] }));
  bus.destroy();
  const [notification] = await outboxAfter(before);
  expect(JSON.parse(http(notification!).body)).toMatchObject({ chat_id: 1111111, text: expect.stringContaining('has been solved') });
});

test('an oversized body is a 413 on every channel, before anything else is looked at', async () => {
  for (const channel of ['sms', 'whatsapp', 'wechat', 'telegram', 'email', 'web', 'voice']) {
    const res = await postSigned(local.url, channel, 'x'.repeat(config.webhook.maxBodyBytes + 1));
    expect({ channel, status: res.status }).toEqual({ channel, status: 413 });
  }
});

test('a provider delivering the same message twice stores it once', async () => {
  const body = new URLSearchParams({ MessageSid: 'SMtwice', From: '+14155550177', To: '+14155550100', Body: 'Is my order shipped yet?', NumMedia: '0' }).toString();
  expect((await postSigned(local.url, 'sms', body)).status).toBe(200);
  expect((await postSigned(local.url, 'sms', body)).status).toBe(200);
  const detail = await ticketWith('sms', 'Is my order shipped yet?');
  // Once the ingest queue is empty both deliveries have been placed: the second as a duplicate.
  await eventually(async () => {
    const ingest = local.queues.queues.find((q) => q.spec.id === 'ingest')!;
    const out = await local.queues.client.send(new GetQueueAttributesCommand({ QueueUrl: ingest.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return Number(out.Attributes!.ApproximateNumberOfMessages) + Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible) === 0 ? true : undefined;
  });
  const again = (await (await api(`/tickets/${detail.ticket.ticketId}`)).json()) as Detail;
  expect(conversation(again).filter((m) => m.text === 'Is my order shipped yet?')).toHaveLength(1);
});

test('a provider outage is retried with backoff: the reply shows retrying, and its job stays away far longer than the queue\'s own timeout', async () => {
  const body = new URLSearchParams({ MessageSid: 'SMoutage', From: '+14155550188', To: '+14155550100', Body: 'Hello during an outage', NumMedia: '0' }).toString();
  await postSigned(local.url, 'sms', body);
  const detail = await ticketWith('sms', 'Hello during an outage');
  const twilioDown = (entry: OutboxEntry) =>
    entry.kind === 'http' && entry.request.url.startsWith('https://api.twilio.com/') ? { status: 503, body: JSON.stringify({ code: 20503, message: 'Service unavailable' }) } : undefined;
  localOutbox.respondWith(twilioDown);
  try {
    const before = await outboxSize();
    await reply(detail.ticket.ticketId, 'We are looking into it.');
    await eventually(async () => {
      const d = (await (await api(`/tickets/${detail.ticket.ticketId}`)).json()) as Detail;
      return conversation(d).some((m) => m.direction === 'outbound' && m.delivery?.status === 'retrying') ? true : undefined;
    });
    // The queue here gives a message back after 1 s; the first backoff is 30 s.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await outboxSize()).toBe(before + 1);
  } finally {
    localOutbox.respondWith(undefined);
  }
});
