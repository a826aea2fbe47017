import { parseConfig } from '../../../shared/config';
import { policyFor } from '../../../shared/sla/policy';

const HOUR = 3_600_000;
const slaWith = (policies: unknown[]) => parseConfig({ sla: { policies } }).sla;
const hours = (h: number) => `PT${h}H`;
/** A policy whose first-response target (in hours) names it in the expectations. */
const policy = (priority: string, firstResponseHours: number, limits: { tier?: string; channel?: string } = {}) => ({
  priority,
  ...limits,
  firstResponse: hours(firstResponseHours),
  resolution: hours(100),
});

describe('the policy of a ticket', () => {
  const config = slaWith([
    policy('high', 1),
    policy('high', 2, { channel: 'sms' }),
    policy('high', 3, { tier: 'vip' }),
    policy('high', 4, { tier: 'vip', channel: 'sms' }),
    policy('normal', 5),
  ]);

  test.each([
    [{ channel: 'email' }, 1],
    [{ channel: 'sms' }, 2],
    [{ channel: 'email', tier: 'vip' }, 3],
    [{ channel: 'sms', tier: 'vip' }, 4],
    [{ channel: 'sms', tier: 'gold' }, 2],
    [{ channel: 'email', tier: 'gold' }, 1],
  ])('the most specific match wins: %o → policy %d', (ticket, expected) => {
    expect(policyFor(config, { priority: 'high', ...ticket }).firstResponseMs).toBe(expected * HOUR);
  });

  test('the targets are the policy\'s durations in ms', () => {
    expect(policyFor(parseConfig({}).sla, { priority: 'critical', channel: 'web' })).toEqual({ firstResponseMs: 15 * 60_000, resolutionMs: 4 * HOUR });
  });

  test('on a tie, the first in the config wins', () => {
    const tied = slaWith([policy('high', 1, { channel: 'sms' }), policy('high', 2, { channel: 'sms' }), policy('low', 3)]);
    expect(policyFor(tied, { priority: 'high', channel: 'sms' }).firstResponseMs).toBe(HOUR);
  });

  test('the ticket\'s own priority beats a more specific policy of another priority', () => {
    const mixed = slaWith([policy('normal', 1, { tier: 'vip', channel: 'sms' }), policy('high', 2)]);
    expect(policyFor(mixed, { priority: 'high', tier: 'vip', channel: 'sms' }).firstResponseMs).toBe(2 * HOUR);
  });

  test.each([
    // Less urgent first, nearest first; then more urgent, nearest first.
    [['low', 'critical'], 'high', 'low'],
    [['normal', 'critical'], 'high', 'normal'],
    [['critical'], 'low', 'critical'],
    [['high', 'critical'], 'normal', 'high'],
    [['low', 'normal'], 'critical', 'normal'],
  ] as const)('with policies for %j only, a %s ticket borrows the %s policy', (configured, priority, expected) => {
    const config = slaWith(configured.map((p, i) => policy(p, i + 1)));
    expect(policyFor(config, { priority, channel: 'web' }).firstResponseMs).toBe((configured.indexOf(expected as never) + 1) * HOUR);
  });

  test('a priority whose policies are all for other tiers or channels is passed over like a missing one', () => {
    const config = slaWith([policy('high', 1, { tier: 'vip' }), policy('normal', 2), policy('critical', 3)]);
    expect(policyFor(config, { priority: 'high', channel: 'web' }).firstResponseMs).toBe(2 * HOUR);
    expect(policyFor(config, { priority: 'high', channel: 'web', tier: 'vip' }).firstResponseMs).toBe(HOUR);
  });

  test('no matching policy at any priority is an error that says what to add', () => {
    // The config schema refuses this; policyFor still says what is wrong if it meets one.
    const config = { ...parseConfig({}).sla, policies: [{ priority: 'high' as const, tier: 'vip', firstResponse: hours(1), resolution: hours(2) }] };
    expect(() => policyFor(config, { priority: 'high', channel: 'web' })).toThrow(/add a policy without tier and channel/);
  });
});
