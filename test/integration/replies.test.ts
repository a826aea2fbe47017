import { channels } from '../../shared/channels/registry';
import { replyAddresses } from '../../shared/channels/reply-addresses';
import { parseConfig } from '../../shared/config';
import { Outbox } from '../../shared/delivery/outbox';
import { ingestMessage } from '../../shared/ingest/ingest-message';
import type { JobQueue } from '../../shared/queue/sqs-job-queue';
import { createReply, type DeliverDeps, deliverReply, notifyStatusChange } from '../../shared/replies/deliver';
import type { DeliveryJob } from '../../shared/replies/reply';
import { DynamoDbIntakeStore } from '../../shared/store/dynamodb-intake-store';
import { DynamoDbReplyStore } from '../../shared/store/dynamodb-reply-store';
import { DynamoDbTicketQueries } from '../../shared/store/ticket-queries';
import { dynamoForTests } from '../support/dynamo';
import { inbound, RecordingPublisher } from '../support/messages';
import { problemOfAsync } from '../support/problems';
import { conversation } from '../support/timeline';

let dynamo: Awaited<ReturnType<typeof dynamoForTests>>;
beforeAll(async () => {
  dynamo = await dynamoForTests();
});
afterAll(() => dynamo.close());

const PHONE = '+14155550123';
const agent = { sub: 'agent-ana', groups: ['agent' as const] };

class RecordingJobs implements JobQueue<DeliveryJob> {
  readonly jobs: DeliveryJob[] = [];
  constructor(private readonly failure?: Error) {}
  async enqueue(job: DeliveryJob) {
    if (this.failure) throw this.failure;
    this.jobs.push(job);
  }
}

async function setup(configOverrides: Record<string, unknown> = {}) {
  const table = await dynamo.freshTable();
  const config = parseConfig({ channels: { sms: { from: '+14155550100' }, email: { from: 'help@example.com' } }, delivery: { maxAttempts: 3 }, ...configOverrides });
  const publisher = new RecordingPublisher();
  const outbox = new Outbox();
  const store = new DynamoDbReplyStore(dynamo.doc, table);
  const deps: DeliverDeps = {
    store,
    config,
    channels,
    replyAddresses,
    now: () => new Date('2026-11-23T10:00:00.000Z'),
    transport: outbox,
    secretsOf: async (_c, fields) => Object.fromEntries(fields.map((f) => [f, `secret-${f}`])),
    publisher,
  };
  const ingestDeps = { store: new DynamoDbIntakeStore(dynamo.doc, table), publisher: new RecordingPublisher(), mergeWindowMs: 86_400_000 };
  const smsTicket = async (overrides: Parameters<typeof inbound>[0] = {}) =>
    (await ingestMessage(ingestDeps, inbound({ channel: 'sms', customer: { handles: [{ kind: 'phone', value: PHONE }] }, replyTo: PHONE, ...overrides }))).ticketId;
  let n = 0;
  const reply = (ticketId: string, text = 'We are on it.', extra: { channel?: string; idempotencyKey?: string; jobs?: RecordingJobs } = {}) =>
    createReply(
      { ...deps, queue: extra.jobs ?? jobs, random: () => `r${++n}` },
      { ticketId, caller: agent, request: { text, ...(extra.channel ? { channel: extra.channel } : {}) }, ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey } : {}) },
    );
  const jobs = new RecordingJobs();
  return { table, deps, store, outbox, publisher, jobs, ingestDeps, smsTicket, reply, queries: new DynamoDbTicketQueries(dynamo.doc, table) };
}

test('a reply is on the ticket at once, queued, sets the first-response time, then goes out on Twilio in its format', async () => {
  const { deps, store, outbox, publisher, jobs, smsTicket, reply, queries } = await setup();
  const ticketId = await smsTicket();
  const created = await reply(ticketId);
  expect(created).toMatchObject({ ticketId, channel: 'sms', to: PHONE, direction: 'outbound', kind: 'reply', author: { type: 'agent', id: 'agent-ana' }, delivery: { status: 'queued', attempts: 0 } });
  expect(jobs.jobs).toEqual([{ kind: 'reply', replyId: created.replyId }]);
  expect((await store.ticket(ticketId))!.firstResponseAt).toBe(created.createdAt);

  const outcome = await deliverReply(deps, created.replyId, 1);
  expect(outcome).toMatchObject({ retry: false, deadLetter: false, delivery: { status: 'sent', attempts: 1 } });
  expect(outbox.entries).toHaveLength(1);
  const request = outbox.entries[0]!.request as { url: string; headers: Record<string, string>; body: string };
  expect(request.url).toBe('https://api.twilio.com/2010-04-01/Accounts/secret-accountSid/Messages.json');
  expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({ To: PHONE, From: '+14155550100', Body: 'We are on it.' });

  const detail = (await queries.ticketDetail(ticketId))!;
  expect(conversation(detail).map((m) => [m.direction, (m as { delivery?: { status: string } }).delivery?.status])).toEqual([
    ['inbound', undefined],
    ['outbound', 'sent'],
  ]);
  expect(detail.ticket.lastDelivery).toMatchObject({ replyId: created.replyId, status: 'sent' });
  expect(publisher.types()).toEqual(['ReplyDelivered']);
});

test('a second delivery of the same job sends nothing more', async () => {
  const { deps, outbox, smsTicket, reply } = await setup();
  const { replyId } = await reply(await smsTicket());
  await deliverReply(deps, replyId, 1);
  await deliverReply(deps, replyId, 2);
  expect(outbox.entries).toHaveLength(1);
});

test('the first response time is the first reply\'s, not a later one\'s', async () => {
  const { deps, store, smsTicket, reply } = await setup();
  const ticketId = await smsTicket();
  const first = await reply(ticketId);
  await reply(ticketId, 'And another thing', {});
  (deps as { now: () => Date }).now = () => new Date('2026-11-23T11:00:00.000Z');
  await reply(ticketId, 'Later');
  expect((await store.ticket(ticketId))!.firstResponseAt).toBe(first.createdAt);
});

test('a provider outage is retried with backoff, then the reply is failed with the provider reason and dead-lettered', async () => {
  const { deps, outbox, publisher, store, smsTicket, reply } = await setup();
  const ticketId = await smsTicket();
  const { replyId } = await reply(ticketId);
  outbox.respondWith(() => ({ status: 503, body: JSON.stringify({ code: 20500, message: 'Service unavailable', status: 503 }) }));
  const first = await deliverReply(deps, replyId, 1);
  expect(first).toMatchObject({ retry: true, deadLetter: false, delivery: { status: 'retrying', attempts: 1 } });
  expect(await deliverReply(deps, replyId, 2)).toMatchObject({ retry: true });
  const last = await deliverReply(deps, replyId, 3);
  expect(last).toMatchObject({ retry: false, deadLetter: true, delivery: { status: 'failed', attempts: 3, retryable: true } });
  expect(last.delivery!.reason).toContain('20500');
  expect((await store.ticket(ticketId))!.lastDelivery).toMatchObject({ status: 'failed', reason: last.delivery!.reason });
  expect(publisher.types()).toEqual(['ReplyDeliveryFailed']);

  // A redrive from the dead-letter queue tries again, and a recovered provider takes it.
  outbox.respondWith(undefined);
  expect(await deliverReply(deps, replyId, 1)).toMatchObject({ delivery: { status: 'sent', attempts: 4 } });
  expect((await store.ticket(ticketId))!.lastDelivery).toMatchObject({ status: 'sent' });
});

test('a refusal (an invalid number) fails at once, without retries or dead-lettering', async () => {
  const { deps, outbox, smsTicket, reply } = await setup();
  const { replyId } = await reply(await smsTicket());
  outbox.respondWith(() => ({ status: 400, body: JSON.stringify({ code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 }) }));
  expect(await deliverReply(deps, replyId, 1)).toMatchObject({ retry: false, deadLetter: false, delivery: { status: 'failed', retryable: false } });
  expect(await deliverReply(deps, replyId, 2)).toEqual({ retry: false, deadLetter: false });
  expect(outbox.entries).toHaveLength(1);
});

test('a network error is retried', async () => {
  const { deps, outbox, smsTicket, reply } = await setup();
  const { replyId } = await reply(await smsTicket());
  outbox.respondWith(() => new Error('ECONNRESET'));
  expect(await deliverReply(deps, replyId, 1)).toMatchObject({ retry: true, delivery: { status: 'retrying' } });
});

test('the same Idempotency-Key makes one reply, sent once, however many jobs the retries queued', async () => {
  const { deps, outbox, jobs, smsTicket, reply } = await setup();
  const ticketId = await smsTicket();
  const a = await reply(ticketId, 'Once', { idempotencyKey: 'k-1' });
  const b = await reply(ticketId, 'Once', { idempotencyKey: 'k-1' });
  expect(b.replyId).toBe(a.replyId);
  // The first request may have stopped before queueing: a retry queues again while nothing was attempted.
  expect(jobs.jobs.every((j) => j.replyId === a.replyId)).toBe(true);
  for (const [n, job] of jobs.jobs.entries()) await deliverReply(deps, job.replyId, n + 1);
  expect(outbox.entries).toHaveLength(1);
  const c = await reply(ticketId, 'Once', { idempotencyKey: 'k-1' });
  expect(c.delivery.status).toBe('sent');
  expect(jobs.jobs).toHaveLength(2);
});

test('concurrent attempts at one reply send it once: the first takes it, the other comes back later', async () => {
  const { deps, outbox, smsTicket, reply } = await setup();
  const { replyId } = await reply(await smsTicket());
  const outcomes = await Promise.all([deliverReply(deps, replyId, 1), deliverReply(deps, replyId, 1), deliverReply(deps, replyId, 1)]);
  expect(outbox.entries).toHaveLength(1);
  expect(outcomes.filter((o) => o.delivery?.status === 'sent')).toHaveLength(1);
  expect(outcomes.filter((o) => !o.delivery).every((o) => !o.deadLetter)).toBe(true);
});

test('an attempt that crashed while holding a reply lets another take it once its hold lapses', async () => {
  const { deps, outbox, store, smsTicket, reply } = await setup();
  const { replyId } = await reply(await smsTicket());
  expect(await store.claimDelivery(replyId, '2026-11-23T10:00:00.000Z', '2026-11-23T10:01:00.000Z')).toBeDefined();
  expect(await deliverReply(deps, replyId, 2)).toMatchObject({ retry: true });
  expect(outbox.entries).toHaveLength(0);
  (deps as { now: () => Date }).now = () => new Date('2026-11-23T10:02:00.000Z');
  expect(await deliverReply(deps, replyId, 3)).toMatchObject({ delivery: { status: 'sent' } });
});

test('a job that finds its reply sent finishes recording it: the ticket and the event, which a crash could have skipped', async () => {
  const { deps, publisher, store, smsTicket, reply } = await setup();
  const ticketId = await smsTicket();
  const { replyId } = await reply(ticketId);
  const failing = { ...deps, publisher: { publish: async () => Promise.reject(new Error('bus down')) } };
  await expect(deliverReply(failing, replyId, 1)).rejects.toThrow('bus down');
  expect(publisher.types()).toEqual([]);
  await deliverReply(deps, replyId, 2);
  expect(publisher.types()).toEqual(['ReplyDelivered']);
  expect((await store.ticket(ticketId))!.lastDelivery).toMatchObject({ replyId, status: 'sent' });
});

test('a queue that refuses the job is a 503, and the reply shows it failed', async () => {
  const { store, smsTicket, reply } = await setup();
  const ticketId = await smsTicket();
  const error = await reply(ticketId, 'Hello', { jobs: new RecordingJobs(new Error('down')), idempotencyKey: 'k' }).catch((e: unknown) => e);
  expect((error as { problem: { status: number } }).problem.status).toBe(503);
  const detail = await new DynamoDbTicketQueries(dynamo.doc, (store as unknown as { table: string }).table).ticketDetail(ticketId);
  expect(conversation(detail!).find((m) => m.direction === 'outbound')).toMatchObject({ delivery: { status: 'failed', retryable: true } });

  // The agent sends it again with the same key: the same reply, queued this time.
  const jobs = new RecordingJobs();
  const again = await reply(ticketId, 'Hello', { jobs, idempotencyKey: 'k' });
  expect(again.delivery.status).toBe('queued');
  expect(jobs.jobs).toEqual([{ kind: 'reply', replyId: again.replyId }]);
});

test('an explicit channel needs an address there: 409 naming where the customer can be reached; 400 for a channel that is not enabled', async () => {
  const { smsTicket, reply } = await setup({ channels: { sms: { from: '+14155550100' }, telegram: { enabled: false } } });
  const ticketId = await smsTicket();
  expect(await problemOfAsync(() => reply(ticketId, 'x', { channel: 'email' }))).toMatchObject({ status: 409, reachableOn: expect.arrayContaining(['sms']) });
  expect(await problemOfAsync(() => reply(ticketId, 'x', { channel: 'telegram' }))).toMatchObject({ status: 400, errors: [{ field: 'channel' }] });
  expect(await problemOfAsync(() => reply('tkt_0000000000000000'))).toMatchObject({ status: 404 });
});

test('a customer known by email and phone can be answered by email explicitly, threaded', async () => {
  const { deps, outbox, ingestDeps, reply } = await setup();
  const { ticketId } = await ingestMessage(
    ingestDeps,
    inbound({ channel: 'email', providerMessageId: 'CAF=abc@mail.example.com', replyTo: 'ana@example.com', customer: { handles: [{ kind: 'email', value: 'ana@example.com' }] } }),
  );
  const created = await reply(ticketId, 'Replacement sent.');
  expect(created).toMatchObject({ channel: 'email', to: 'ana@example.com', inReplyTo: 'CAF=abc@mail.example.com' });
  await deliverReply(deps, created.replyId, 1);
  const email = outbox.entries[0]!;
  expect(email.kind).toBe('ses');
  expect(JSON.stringify(email.request)).toContain('<CAF=abc@mail.example.com>');
});

test('a phone call is answered on record only: nothing is queued or sent', async () => {
  const { jobs, ingestDeps, reply } = await setup();
  const { ticketId } = await ingestMessage(ingestDeps, inbound({ channel: 'voice', customer: { handles: [{ kind: 'channel-user', value: 'voice:contact-1' }] } }));
  const created = await reply(ticketId, 'Called back, all settled.');
  expect(created).toMatchObject({ channel: 'voice', delivery: { status: 'recorded' } });
  expect(created.to).toBeUndefined();
  expect(jobs.jobs).toEqual([]);
});

test('after a call, a reply goes by SMS to the caller when the ticket has their text thread', async () => {
  const { smsTicket, ingestDeps, reply } = await setup();
  const ticketId = await smsTicket();
  await ingestMessage(ingestDeps, inbound({ channel: 'voice', at: '2026-11-23T09:30:00.000Z', customer: { handles: [{ kind: 'phone', value: PHONE }] } }));
  expect(await reply(ticketId)).toMatchObject({ channel: 'sms', to: PHONE });
});

const solvedEvent = (ticketId: string, customerId: string, to = 'solved') => ({
  eventId: `${ticketId}:v3`,
  version: 1 as const,
  occurredAt: '2026-11-23T12:00:00.000Z',
  ticketId,
  customerId,
  from: 'open' as const,
  to: to as 'solved',
  actor: { type: 'agent' as const, id: 'agent-ana' },
});

/** Sets a ticket's status as an agent's change will (the agent API comes later). */
async function setStatus(ingestDeps: { store: DynamoDbIntakeStore | { getTicket: unknown } }, ticketId: string, status: 'solved' | 'pending') {
  const intake = ingestDeps.store as DynamoDbIntakeStore;
  const ticket = (await intake.getTicket(ticketId))!;
  await intake.changeTicket(ticket, { version: ticket.version + 1, action: 'ticket.status-changed', actor: { type: 'agent', id: 'agent-ana' }, at: '2026-11-23T12:00:00.000Z', before: { status: ticket.status }, after: { status } }, { status, ...(status === 'solved' ? { solvedAt: '2026-11-23T12:00:00.000Z' } : {}) });
}

test('a solved ticket tells the customer on their channel, once however often the event arrives', async () => {
  const { deps, outbox, store, smsTicket, ingestDeps } = await setup();
  const ticketId = await smsTicket();
  const { customerId } = (await store.ticket(ticketId))!;
  await setStatus(ingestDeps, ticketId, 'solved');
  await notifyStatusChange(deps, solvedEvent(ticketId, customerId), 1);
  await notifyStatusChange(deps, solvedEvent(ticketId, customerId), 2);
  expect(outbox.entries).toHaveLength(1);
  const body = Object.fromEntries(new URLSearchParams((outbox.entries[0]!.request as { body: string }).body));
  expect(body.Body).toBe(`Your request ${ticketId} has been solved. Reply to this message if you need anything else.`);
});

test('a late event about a status the ticket has left since tells the customer nothing', async () => {
  const { deps, outbox, store, smsTicket } = await setup();
  const ticketId = await smsTicket();
  const { customerId } = (await store.ticket(ticketId))!;
  await notifyStatusChange(deps, solvedEvent(ticketId, customerId), 1);
  expect(outbox.entries).toHaveLength(0);
});

test('statuses the config does not name are not notified; configured ones use their template or the default', async () => {
  const { deps, outbox, store, smsTicket, ingestDeps } = await setup({ notifications: { on: ['pending'], templates: {} } });
  const ticketId = await smsTicket();
  const { customerId } = (await store.ticket(ticketId))!;
  await setStatus(ingestDeps, ticketId, 'solved');
  await notifyStatusChange(deps, solvedEvent(ticketId, customerId, 'solved'), 1);
  expect(outbox.entries).toHaveLength(0);
  await setStatus(ingestDeps, ticketId, 'pending');
  await notifyStatusChange(deps, { ...solvedEvent(ticketId, customerId, 'pending'), eventId: 'e-2' }, 1);
  expect(Object.fromEntries(new URLSearchParams((outbox.entries[0]!.request as { body: string }).body)).Body).toBe(`Your request ${ticketId} is now pending.`);
});

test('an email answering an older ticket of the same customer joins that ticket, not the current one', async () => {
  const { ingestDeps } = await setup();
  const email = (id: string, at: string, thread?: { providerMessageIds?: string[]; ticketId?: string }) =>
    inbound({ channel: 'email', providerMessageId: id, at, customer: { handles: [{ kind: 'email', value: 'ana@example.com' }] }, ...(thread ? { thread: { providerMessageIds: [], ...thread } } : {}) });
  const first = await ingestMessage(ingestDeps, email('m1@x', '2026-11-20T09:00:00.000Z'));
  // Solved and past the merge window: the next message opens a second ticket.
  await (ingestDeps.store as DynamoDbIntakeStore).changeTicket((await ingestDeps.store.getTicket(first.ticketId))!, { version: 2, action: 'ticket.status-changed', actor: { type: 'agent', id: 'a' }, at: '2026-11-20T10:00:00.000Z', before: { status: 'new' }, after: { status: 'solved' } }, { status: 'solved', solvedAt: '2026-11-20T10:00:00.000Z' });
  const second = await ingestMessage(ingestDeps, email('m2@x', '2026-11-23T09:00:00.000Z'));
  expect(second.ticketId).not.toBe(first.ticketId);
  const third = await ingestMessage(ingestDeps, email('m3@x', '2026-11-23T09:10:00.000Z'));
  expect(third).toMatchObject({ outcome: 'merged', ticketId: second.ticketId });

  // By References to the first ticket's message: its ticket is solved long ago, so it goes to the current one.
  expect((await ingestMessage(ingestDeps, email('m4@x', '2026-11-23T09:20:00.000Z', { providerMessageIds: ['m1@x'] }))).ticketId).toBe(second.ticketId);

  // A third ticket, then an answer quoting the second by reference: it joins the second.
  await (ingestDeps.store as DynamoDbIntakeStore).changeTicket((await ingestDeps.store.getTicket(second.ticketId))!, { version: 2, action: 'ticket.status-changed', actor: { type: 'agent', id: 'a' }, at: '2026-11-23T09:30:00.000Z', before: { status: 'new' }, after: { status: 'pending' } }, { status: 'pending' });
  const byRef = await ingestMessage(ingestDeps, email('m5@x', '2026-11-23T09:40:00.000Z', { providerMessageIds: ['m3@x'] }));
  expect(byRef).toMatchObject({ ticketId: second.ticketId });
  expect((await ingestDeps.store.getTicket(second.ticketId))!.status).toBe('open');
  const bySubject = await ingestMessage(ingestDeps, email('m6@x', '2026-11-23T09:50:00.000Z', { ticketId: second.ticketId }));
  expect(bySubject.ticketId).toBe(second.ticketId);
});

test('a ticket reference to another customer\'s ticket is not followed', async () => {
  const { ingestDeps } = await setup();
  const theirs = await ingestMessage(ingestDeps, inbound({ channel: 'email', customer: { handles: [{ kind: 'email', value: 'bo@example.com' }] } }));
  const mine = await ingestMessage(ingestDeps, inbound({ channel: 'email', customer: { handles: [{ kind: 'email', value: 'ana@example.com' }] }, thread: { ticketId: theirs.ticketId, providerMessageIds: [] } }));
  expect(mine.ticketId).not.toBe(theirs.ticketId);
});

test('a customer message answering a sent reply (an email reply naming its SES id) threads to the reply\'s ticket', async () => {
  const { deps, outbox, ingestDeps, reply } = await setup();
  const { ticketId } = await ingestMessage(
    ingestDeps,
    inbound({ channel: 'email', providerMessageId: 'first@mail.example.com', replyTo: 'ana@example.com', customer: { handles: [{ kind: 'email', value: 'ana@example.com' }] } }),
  );
  const { replyId } = await reply(ticketId, 'Could you send a photo?');
  const sent = await deliverReply(deps, replyId, 1);
  expect(outbox.entries[0]!.kind).toBe('ses');
  const sesId = sent.delivery!.providerMessageId!;
  const intake = ingestDeps.store as DynamoDbIntakeStore;
  const { threadTickets, message } = await intake.lookup('email:answer@mail.example.com', [{ kind: 'email', value: 'ana@example.com' }], [`email:${sesId}`]);
  expect(threadTickets).toEqual([ticketId]);
  expect(message).toBeUndefined();
  // The alias is not a message on the timeline.
  const detail = await new DynamoDbTicketQueries(dynamo.doc, (ingestDeps.store as unknown as { table: string }).table).ticketDetail(ticketId);
  expect(conversation(detail!).map((m) => m.direction)).toEqual(['inbound', 'outbound']);
});
