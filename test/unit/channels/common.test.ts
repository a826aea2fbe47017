import { acceptedResponse, asContract, clamp, failure, ignoredKind, redact, sentAtFromMillis, sentAtFromUnix, tryJson } from '../../../shared/channels/common';
import { inbound } from '../../support/messages';
import { problemOf } from '../../support/problems';

const RECEIVED_AT = '2026-11-23T09:00:00.000Z';

describe('channel helpers', () => {
  test('clamp cuts to the limit without leaving half a surrogate pair', () => {
    expect(clamp('abc', 3)).toBe('abc');
    expect(clamp('abcd', 3)).toBe('abc');
    expect(clamp('ab👍', 3)).toBe('ab');
    expect(clamp('ab👍', 4)).toBe('ab👍');
  });

  test('redact removes every secret value, extra values and credential query parameters', () => {
    const secrets = { authToken: 'token-0123456789', accountSid: 'AC0123456789', short: 'abc' };
    expect(redact('auth token-0123456789 for AC0123456789 (abc)', secrets)).toBe('auth [redacted] for [redacted] (abc)');
    expect(redact('GET /send?access_token=TEMP1234&x=1 and ?appid=wx&secret=s3cr3t', {}, undefined)).toBe('GET /send?access_token=[redacted]&x=1 and ?appid=wx&secret=[redacted]');
    expect(redact('temporary TEMP-TOKEN-1', {}, 'TEMP-TOKEN-1')).toBe('temporary [redacted]');
  });

  test('a provider time becomes sentAt unless it is missing or absurd', () => {
    expect(sentAtFromUnix(1795414800, RECEIVED_AT)).toBe('2026-11-23T06:20:00.000Z');
    expect(sentAtFromUnix('1795414800', RECEIVED_AT)).toBe('2026-11-23T06:20:00.000Z');
    // A day ahead of Switchboard's clock is still believed; a second more is not.
    expect(sentAtFromUnix(1795424400 + 86_400, RECEIVED_AT)).toBe('2026-11-24T09:00:00.000Z');
    for (const absurd of [undefined, '', '1795414800.5', '-1', 0, 946_684_799, 1795424400 + 86_401]) {
      expect(sentAtFromUnix(absurd, RECEIVED_AT)).toBe(RECEIVED_AT);
    }
    expect(sentAtFromMillis(Date.parse('Mon, 23 Nov 2026 08:00:00 +0000'), RECEIVED_AT)).toBe('2026-11-23T08:00:00.000Z');
    expect(sentAtFromMillis(NaN, RECEIVED_AT)).toBe(RECEIVED_AT);
  });

  test('tryJson reads JSON and gives undefined for anything else', () => {
    expect(tryJson('{"ok":true}')).toEqual({ ok: true });
    expect(tryJson('<html>')).toBeUndefined();
  });

  test('an ignored kind keeps to a small safe vocabulary', () => {
    expect(ignoredKind('event', 'SUBSCRIBE')).toBe('event:subscribe');
    expect(ignoredKind('message', 'x'.repeat(41))).toBe('message:other');
    expect(ignoredKind('message', 'a b')).toBe('message:other');
  });

  test('a failure\'s reason is cut to 300 characters', () => {
    expect(failure(true, 'y'.repeat(1000))).toEqual({ ok: false, retryable: true, reason: 'y'.repeat(300) });
  });

  test('asContract passes a valid message and turns an invalid one into a 400 problem', () => {
    const message = inbound();
    expect(asContract(message)).toEqual(message);
    expect(problemOf(() => asContract({ ...message, sentAt: 'yesterday' }))).toMatchObject({ status: 400, errors: [{ field: 'sentAt' }] });
  });

  test('acceptedResponse is a 202 naming the queued messages', () => {
    const messages = [inbound({ providerMessageId: 'm1' }), inbound({ providerMessageId: 'm2' })];
    expect(acceptedResponse(messages)).toEqual({ statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"accepted":["m1","m2"]}' });
    expect(JSON.parse(acceptedResponse(messages, { ignored: ['spam'] }).body!)).toEqual({ accepted: ['m1', 'm2'], ignored: ['spam'] });
  });
});
