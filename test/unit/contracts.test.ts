import { allEvents, EVENT_SOURCE } from '../../events';
import { inboundMessage, inboundMessageExample } from '../../events/inbound-message';
import { durationToMs, loadConfigFile, parseConfig } from '../../shared/config';
import { join } from 'node:path';

describe('event contracts', () => {
  test.each(allEvents.map((e) => [e.detailType, e] as const))('%s: its example matches its schema', (_name, definition) => {
    expect(definition.source).toBe(EVENT_SOURCE);
    expect(definition.schema.safeParse(definition.example).success).toBe(true);
  });

  test('detail-types are unique', () => {
    expect(new Set(allEvents.map((e) => e.detailType)).size).toBe(allEvents.length);
  });

  test('no event carries message text or customer handles', () => {
    for (const e of allEvents) {
      const fields = Object.keys(e.example as object);
      expect(fields).not.toEqual(expect.arrayContaining(['text']));
      expect(JSON.stringify(e.example)).not.toMatch(/@|\+\d{6,}/);
    }
  });

  test('the canonical inbound message example matches its schema; a non-E.164 phone does not', () => {
    expect(inboundMessage.safeParse(inboundMessageExample).success).toBe(true);
    const bad = { ...inboundMessageExample, customer: { handles: [{ kind: 'phone', value: '415-555-0123' }] } };
    expect(inboundMessage.safeParse(bad).success).toBe(false);
  });
});

describe('config', () => {
  test('cdk.json holds a valid config', () => {
    expect(loadConfigFile(join(__dirname, '..', '..', 'cdk.json')).mergeWindow).toBe('PT24H');
  });

  test('defaults fill an empty config', () => {
    expect(parseConfig({})).toMatchObject({ mergeWindow: 'PT24H', webhook: { maxBodyBytes: 131072, maxClockSkewSeconds: 300 }, channels: { web: { enabled: true } } });
  });

  test.each([
    [{ mergeWindow: 'P1M' }, 'mergeWindow'],
    [{ mergeWindow: 'soon' }, 'mergeWindow'],
    [{ webhook: { maxBodyBytes: 10 } }, 'webhook.maxBodyBytes'],
    [{ defaultPhoneRegion: 'usa' }, 'defaultPhoneRegion'],
    [{ surprise: true }, '(root)'],
  ])('%j is rejected naming %s', (input, field) => {
    expect(() => parseConfig(input)).toThrow(field);
  });

  test('durations', () => {
    expect(durationToMs('PT24H')).toBe(86_400_000);
    expect(durationToMs('P1DT30M')).toBe(88_200_000);
    expect(durationToMs('PT0.5S')).toBe(500);
  });
});
