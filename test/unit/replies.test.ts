import fc from 'fast-check';
import { channels } from '../../shared/channels/registry';
import { replyAddresses } from '../../shared/channels/reply-addresses';
import { parseConfig } from '../../shared/config';
import { backoffSeconds } from '../../shared/queue/backoff';
import { afterAttempt, chooseRoute, fillTemplate, needsAttempt, notificationIdFor, parseReplyRequest, replyIdFor, type RouteInput } from '../../shared/replies/reply';
import { problemOf } from '../support/problems';

const config = parseConfig({ channels: { whatsapp: { phoneNumberId: '106540352242922' }, telegram: { enabled: false } } });
const settingsOf = (c: string) => {
  const s = (config.channels as Record<string, { enabled: boolean }>)[c];
  return s?.enabled ? (s as Record<string, unknown>) : undefined;
};
const base: RouteInput = {
  lastChannel: 'sms',
  recent: [{ channel: 'sms', providerMessageId: 'SM1', replyTo: 'whatsapp:+14155550123' }],
  handles: [
    { kind: 'phone', value: '+14155550123' },
    { kind: 'email', value: 'ana@example.com' },
  ],
  replyAddresses,
  settingsOf,
};

describe('where a reply goes', () => {
  test('the channels that can be addressed are exactly the channels that can send, using the same rule', () => {
    expect(Object.keys(replyAddresses).sort()).toEqual(Object.values(channels).filter((c) => c.send).map((c) => c.name).sort());
    for (const [name, addressOf] of Object.entries(replyAddresses)) expect(channels[name]!.replyAddress).toBe(addressOf);
  });

  test('by default, to the last channel, at the address the customer wrote from, answering their message', () => {
    expect(chooseRoute(base)).toEqual({ channel: 'sms', to: 'whatsapp:+14155550123', inReplyTo: 'SM1' });
  });

  test('the latest message on the channel gives the address', () => {
    const recent = [{ channel: 'sms', providerMessageId: 'SM2', replyTo: '+14155550999' }, ...base.recent];
    expect(chooseRoute({ ...base, recent })).toMatchObject({ to: '+14155550999', inReplyTo: 'SM2' });
  });

  test('an explicit channel uses the customer\'s handles when they never wrote there', () => {
    expect(chooseRoute({ ...base, requested: 'email' })).toEqual({ channel: 'email', to: 'ana@example.com' });
    expect(chooseRoute({ ...base, requested: 'whatsapp' })).toEqual({ channel: 'whatsapp', to: '106540352242922:14155550123' });
  });

  test('after a call (no reply API), the most recent channel on the ticket that can send', () => {
    const recent = [{ channel: 'voice', providerMessageId: 'c-1' }, ...base.recent];
    expect(chooseRoute({ ...base, lastChannel: 'voice', recent })).toMatchObject({ channel: 'sms' });
  });

  test('with no channel that can send, the reply is recorded on the last channel only', () => {
    expect(chooseRoute({ ...base, lastChannel: 'voice', recent: [{ channel: 'voice', providerMessageId: 'c-1' }], handles: [] })).toEqual({ channel: 'voice' });
    expect(chooseRoute({ ...base, requested: 'web' })).toEqual({ channel: 'web' });
  });

  test('a channel that is not enabled is a 400 naming the field; no address there is a 409 naming where they can be reached', () => {
    expect(problemOf(() => chooseRoute({ ...base, requested: 'telegram' }))).toMatchObject({ status: 400, errors: [{ field: 'channel' }] });
    expect(problemOf(() => chooseRoute({ ...base, requested: 'fax' }))).toMatchObject({ status: 400 });
    expect(problemOf(() => chooseRoute({ ...base, requested: 'wechat' }))).toMatchObject({ status: 409, reachableOn: expect.arrayContaining(['sms', 'email', 'whatsapp']) });
  });
});

describe('a delivery attempt\'s outcome', () => {
  const at = '2026-11-23T10:00:00.000Z';
  test('sent is final', () => {
    expect(afterAttempt({ ok: true, providerMessageId: 'SM9' }, 1, false, at)).toEqual({ delivery: { status: 'sent', attempts: 1, at, providerMessageId: 'SM9' }, retry: false });
  });
  test('a refusal is final at once; a retryable failure retries until the queue\'s last chance, then fails as retryable', () => {
    expect(afterAttempt({ ok: false, retryable: false, reason: 'no' }, 1, false, at)).toMatchObject({ retry: false, delivery: { status: 'failed', retryable: false } });
    expect(afterAttempt({ ok: false, retryable: true, reason: 'busy' }, 4, false, at)).toMatchObject({ retry: true, delivery: { status: 'retrying', reason: 'busy', attempts: 4 } });
    expect(afterAttempt({ ok: false, retryable: true, reason: 'busy' }, 5, true, at)).toMatchObject({ retry: false, delivery: { status: 'failed', retryable: true } });
  });
  test('what an attempt may take: not final, not held by a live attempt', () => {
    const later = '2026-11-23T10:05:00.000Z';
    expect(needsAttempt({ status: 'queued', attempts: 0, at }, at)).toBe(true);
    expect(needsAttempt({ status: 'retrying', attempts: 2, at }, at)).toBe(true);
    expect(needsAttempt({ status: 'failed', attempts: 5, at, retryable: true }, at)).toBe(true);
    expect(needsAttempt({ status: 'failed', attempts: 1, at, retryable: false }, at)).toBe(false);
    expect(needsAttempt({ status: 'sent', attempts: 1, at }, at)).toBe(false);
    expect(needsAttempt({ status: 'recorded', attempts: 0, at }, at)).toBe(false);
    expect(needsAttempt({ status: 'sending', attempts: 0, at, leaseUntil: '2026-11-23T10:01:00.000Z' }, at)).toBe(false);
    expect(needsAttempt({ status: 'sending', attempts: 0, at, leaseUntil: '2026-11-23T10:01:00.000Z' }, later)).toBe(true);
  });
  test('backoff doubles from 30 s, capped at 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffSeconds)).toEqual([30, 60, 120, 240, 480, 900]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), (n) => backoffSeconds(n) <= 900 && backoffSeconds(n + 1) >= backoffSeconds(n)));
  });
});

describe('reply requests and ids', () => {
  test('text is required, at most 4096 characters; channel optional; nothing else', () => {
    expect(parseReplyRequest('{"text":"  Hi  "}')).toEqual({ text: 'Hi' });
    const fields = (body: string) => (problemOf(() => parseReplyRequest(body)) as { errors?: { field: string }[] }).errors?.map((e) => e.field);
    expect(fields('{"text":""}')).toEqual(['text']);
    expect(fields(JSON.stringify({ text: 'x'.repeat(4097) }))).toEqual(['text']);
    expect(fields('{"text":"x","cc":"y"}')).toEqual(['(body)']);
    expect(fields('{"text":"x","channel":"SMS!"}')).toEqual(['channel']);
    expect(problemOf(() => parseReplyRequest('not json'))).toMatchObject({ status: 400 });
  });
  test('an Idempotency-Key fixes the id per ticket and author; without one each reply is new', () => {
    const random = () => Math.random().toString();
    expect(replyIdFor('t1', 'a', 'k', random)).toBe(replyIdFor('t1', 'a', 'k', random));
    expect(replyIdFor('t1', 'a', 'k', random)).not.toBe(replyIdFor('t2', 'a', 'k', random));
    expect(replyIdFor('t1', 'a', 'k', random)).not.toBe(replyIdFor('t1', 'b', 'k', random));
    expect(replyIdFor('t1', 'a', undefined, random)).not.toBe(replyIdFor('t1', 'a', undefined, random));
    expect(replyIdFor('t1', 'a', undefined, random)).toMatch(/^rpl_[0-9a-f]{16}$/);
    expect(notificationIdFor('e1')).toBe(notificationIdFor('e1'));
  });
  test('templates fill the ticket id and status', () => {
    expect(fillTemplate('{ticketId} is {status}; {other}', { ticketId: 'tkt_1', status: 'solved' })).toBe('tkt_1 is solved; {other}');
  });
});
