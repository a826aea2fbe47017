import fc from 'fast-check';
import { parseConfig, priorities } from '../../../shared/config';
import { checkSla, pauseSla, resumeSla, startSla, type SlaAction, type SlaState, type SlaTicket } from '../../../shared/sla/sla';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Defaults: critical is 15 min / 4 h, normal 24 h / 3 days, warning at 75 %, escalation at the breach then an hour later. */
const config = parseConfig({}).sla;
const T0 = new Date('2026-03-02T09:00:00.000Z'); // a Monday
const after = (ms: number) => new Date(T0.getTime() + ms);
const iso = (ms: number) => after(ms).toISOString();
const critical: SlaTicket = { status: 'open', priority: 'critical', channel: 'web' };

/** Checks at each time in turn, carrying the state along. */
function run(ticket: SlaTicket, times: readonly number[], state: SlaState = startSla(T0.toISOString(), 1), sla = config) {
  const checks = [];
  for (const t of times) {
    const check = checkSla(ticket, state, after(t), sla);
    checks.push(check);
    state = check.state;
  }
  return checks;
}

describe('a ticket nobody answers', () => {
  test.each<[string, number, SlaAction[], number | undefined]>([
    ['at creation, the first-response warning is next', 0, [], 11.25 * MINUTE],
    ['75 % of the first-response target', 11.25 * MINUTE, [{ kind: 'warning', clock: 'firstResponse', dueAt: iso(15 * MINUTE) }], 15 * MINUTE],
    [
      'the first-response breach, and the first escalation level with it',
      15 * MINUTE,
      [
        { kind: 'breach', clock: 'firstResponse', dueAt: iso(15 * MINUTE) },
        { kind: 'escalate', level: 1, actions: ['notify-supervisor', 'raise-priority'] },
      ],
      75 * MINUTE,
    ],
    ['nothing new in between', 30 * MINUTE, [], 75 * MINUTE],
    ['an hour after the breach, the second level', 75 * MINUTE, [{ kind: 'escalate', level: 2, actions: ['escalation-queue'] }], 3 * HOUR],
    ['75 % of the resolution target', 3 * HOUR, [{ kind: 'warning', clock: 'resolution', dueAt: iso(4 * HOUR) }], 4 * HOUR],
    ['the resolution breach, and then nothing is left', 4 * HOUR, [{ kind: 'breach', clock: 'resolution', dueAt: iso(4 * HOUR) }], undefined],
    ['later checks find nothing', 5 * HOUR, [], undefined],
  ])('%s', (_, at, actions, next) => {
    const times = [0, 11.25 * MINUTE, 15 * MINUTE, 30 * MINUTE, 75 * MINUTE, 3 * HOUR, 4 * HOUR, 5 * HOUR].filter((t) => t <= at);
    const check = run(critical, times).at(-1)!;
    expect(check.actions).toEqual(actions);
    expect(check.nextCheckAt).toBe(next === undefined ? undefined : iso(next));
  });

  test('the state records due times, when warnings were given and when breaches happened', () => {
    const [, warned, breached] = run(critical, [0, 12 * MINUTE, 20 * MINUTE]);
    expect(warned!.state).toMatchObject({ firstResponseDueAt: iso(15 * MINUTE), resolutionDueAt: iso(4 * HOUR), warnings: { firstResponse: iso(12 * MINUTE) } });
    expect(breached!.state).toMatchObject({ breaches: { firstResponse: iso(15 * MINUTE) }, escalationLevel: 1 });
  });

  test('one late check gives everything that came due, in the order it did', () => {
    const [check] = run(critical, [5 * HOUR]);
    expect(check!.actions.map((a) => (a.kind === 'escalate' ? `escalate ${a.level}` : `${a.kind} ${a.clock}`))).toEqual([
      'warning firstResponse',
      'breach firstResponse',
      'escalate 1',
      'escalate 2',
      'warning resolution',
      'breach resolution',
    ]);
    expect(check!.state.escalationLevel).toBe(2);
    expect(check!.state.breaches).toEqual({ firstResponse: iso(15 * MINUTE), resolution: iso(4 * HOUR) });
  });

  test('escalation counts wall time after the breach, even on a business calendar', () => {
    const sla = parseConfig({ sla: { calendar: { type: 'business', timezone: 'UTC' } } }).sla;
    // Friday 17:45: the 15 working minutes run out at 18:00, the second level is an hour later, after hours.
    const friday = new Date('2026-03-06T17:45:00.000Z');
    const state = startSla(friday.toISOString(), 1);
    const breached = checkSla(critical, state, new Date('2026-03-06T18:00:00.000Z'), sla);
    expect(breached.nextCheckAt).toBe('2026-03-06T19:00:00.000Z');
    expect(checkSla(critical, breached.state, new Date('2026-03-06T19:00:00.000Z'), sla).actions).toEqual([{ kind: 'escalate', level: 2, actions: ['escalation-queue'] }]);
  });

  test('a level never comes before the one under it', () => {
    const sla = parseConfig({
      sla: {
        escalation: [
          { after: 'PT2H', actions: ['notify-supervisor'] },
          { after: 'PT30M', actions: ['escalation-queue'] },
        ],
      },
    }).sla;
    const [breached, between, late] = run(critical, [15 * MINUTE, HOUR, 135 * MINUTE], undefined, sla);
    expect(breached!.nextCheckAt).toBe(iso(135 * MINUTE));
    expect(between!.actions).toEqual([]);
    expect(late!.actions).toEqual([
      { kind: 'escalate', level: 1, actions: ['notify-supervisor'] },
      { kind: 'escalate', level: 2, actions: ['escalation-queue'] },
    ]);
  });
});

describe('first response', () => {
  test('once answered, that clock gives no warning or breach and has no due time', () => {
    const answered = { ...critical, firstResponseAt: iso(5 * MINUTE) };
    const checks = run(answered, [12 * MINUTE, 20 * MINUTE]);
    for (const check of checks) {
      expect(check.actions).toEqual([]);
      expect(check.state.firstResponseDueAt).toBeUndefined();
      expect(check.nextCheckAt).toBe(iso(3 * HOUR));
    }
  });

  test('a late answer keeps its breach; escalation then waits for a clock still running to breach', () => {
    const [breached] = run(critical, [15 * MINUTE]);
    const answered = { ...critical, firstResponseAt: iso(20 * MINUTE) };
    const [quiet, resolutionBreach, escalated] = run(answered, [2 * HOUR, 4 * HOUR, 5 * HOUR], breached!.state);
    expect(quiet!.actions).toEqual([]);
    expect(quiet!.state.breaches).toEqual({ firstResponse: iso(15 * MINUTE) });
    expect(quiet!.nextCheckAt).toBe(iso(3 * HOUR));
    expect(resolutionBreach!.actions).toEqual([
      { kind: 'warning', clock: 'resolution', dueAt: iso(4 * HOUR) },
      { kind: 'breach', clock: 'resolution', dueAt: iso(4 * HOUR) },
    ]);
    expect(resolutionBreach!.nextCheckAt).toBe(iso(5 * HOUR));
    expect(escalated!.actions).toEqual([{ kind: 'escalate', level: 2, actions: ['escalation-queue'] }]);
  });
});

describe('pending', () => {
  const answered = { ...critical, firstResponseAt: iso(5 * MINUTE) };

  test('stops the resolution clock; resuming moves its deadline out by the time paused', () => {
    const paused = pauseSla(run(answered, [HOUR])[0]!.state, iso(HOUR));
    const [waiting] = run({ ...answered, status: 'pending' }, [2 * HOUR, 10 * HOUR], paused);
    expect(waiting!.actions).toEqual([]);
    expect(waiting!.nextCheckAt).toBeUndefined();
    expect(waiting!.state.resolutionDueAt).toBeUndefined();

    const resumed = resumeSla(waiting!.state, iso(3 * HOUR), config);
    expect(resumed.pausedMs).toBe(2 * HOUR);
    expect(resumed.pausedSince).toBeUndefined();
    const [back, warned, breached] = run(answered, [3 * HOUR, 5 * HOUR, 6 * HOUR], resumed);
    expect(back!.actions).toEqual([]);
    expect(back!.state.resolutionDueAt).toBe(iso(6 * HOUR));
    expect(back!.nextCheckAt).toBe(iso(5 * HOUR));
    expect(warned!.actions).toEqual([{ kind: 'warning', clock: 'resolution', dueAt: iso(6 * HOUR) }]);
    expect(breached!.actions).toEqual([
      { kind: 'breach', clock: 'resolution', dueAt: iso(6 * HOUR) },
      { kind: 'escalate', level: 1, actions: ['notify-supervisor', 'raise-priority'] },
    ]);
  });

  test('a pending status stops the resolution clock even before pauseSla is called', () => {
    const [check] = run({ ...answered, status: 'pending' }, [5 * HOUR]);
    expect(check!.actions).toEqual([]);
    expect(check!.state.resolutionDueAt).toBeUndefined();
  });

  test('on a business calendar, only working time paused counts', () => {
    const sla = parseConfig({ sla: { calendar: { type: 'business', timezone: 'UTC' } } }).sla;
    const paused = pauseSla(startSla(T0.toISOString(), 1), '2026-03-06T17:00:00.000Z');
    expect(resumeSla(paused, '2026-03-09T10:00:00.000Z', sla).pausedMs).toBe(2 * HOUR);
  });

  test('pausing twice keeps the first pause; resuming when not paused changes nothing', () => {
    const once = pauseSla({ ...startSla(T0.toISOString(), 1), resolutionDueAt: iso(4 * HOUR) }, iso(HOUR));
    expect(once).not.toHaveProperty('resolutionDueAt');
    expect(pauseSla(once, iso(2 * HOUR))).toBe(once);
    const running = startSla(T0.toISOString(), 1);
    expect(resumeSla(running, iso(HOUR), config)).toBe(running);
  });
});

describe('priority', () => {
  test('a raise moves the deadlines earlier, and what is now overdue is given at once', () => {
    const normal = { ...critical, priority: 'normal' as const };
    const [before] = run(normal, [HOUR]);
    expect(before!.state).toMatchObject({ firstResponseDueAt: iso(DAY), resolutionDueAt: iso(3 * DAY) });
    expect(before!.nextCheckAt).toBe(iso(18 * HOUR));

    const [raised] = run(critical, [HOUR], before!.state);
    expect(raised!.state).toMatchObject({ firstResponseDueAt: iso(15 * MINUTE), resolutionDueAt: iso(4 * HOUR) });
    expect(raised!.actions).toEqual([
      { kind: 'warning', clock: 'firstResponse', dueAt: iso(15 * MINUTE) },
      { kind: 'breach', clock: 'firstResponse', dueAt: iso(15 * MINUTE) },
      { kind: 'escalate', level: 1, actions: ['notify-supervisor', 'raise-priority'] },
    ]);
  });

  test('a breach stays recorded when the priority is lowered again', () => {
    const [breached] = run(critical, [HOUR]);
    const [lowered] = run({ ...critical, priority: 'low' }, [70 * MINUTE], breached!.state);
    expect(lowered!.actions).toEqual([]);
    expect(lowered!.state.breaches.firstResponse).toBe(iso(15 * MINUTE));
    expect(lowered!.state.firstResponseDueAt).toBe(iso(2 * DAY));
  });
});

describe('solved and closed', () => {
  test.each(['solved', 'closed'] as const)('%s: nothing more is due, and no due times are kept', (status) => {
    const [overdue] = run(critical, [20 * MINUTE]);
    const [done] = run({ ...critical, status }, [DAY], overdue!.state);
    expect(done!.actions).toEqual([]);
    expect(done!.nextCheckAt).toBeUndefined();
    expect(done!.state).not.toHaveProperty('firstResponseDueAt');
    expect(done!.state).not.toHaveProperty('resolutionDueAt');
    expect(done!.state.breaches).toEqual(overdue!.state.breaches);
  });
});

describe('repeated checks', () => {
  const slaConfig = fc
    .record({
      warningAt: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      escalation: fc.array(
        fc.record({ after: fc.constantFrom('PT0S', 'PT10M', 'PT1H', 'PT3H', 'P1D'), actions: fc.constant(['notify-supervisor']) }),
        { maxLength: 3 },
      ),
      calendar: fc.constantFrom<object>(
        { type: 'calendar' },
        { type: 'business', timezone: 'Europe/Berlin' },
        { type: 'business', timezone: 'America/New_York', hours: { mon: [['09:00', '12:00'], ['13:00', '18:00']], sat: [['10:00', '24:00']] } },
      ),
    })
    .map((sla) => parseConfig({ sla }).sla);

  const scenario = fc.record({
    sla: slaConfig,
    ticket: fc.record(
      {
        status: fc.constantFrom('new', 'open', 'pending'),
        priority: fc.constantFrom(...priorities),
        channel: fc.constant('web'),
        firstResponseAt: fc.nat(3 * DAY).map(iso),
      },
      { requiredKeys: ['status', 'priority', 'channel'] },
    ),
    start: fc.record({ pausedMs: fc.nat(DAY), pausedSince: fc.option(fc.nat(DAY).map(iso), { nil: undefined }) }).map(({ pausedMs, pausedSince }) => ({
      ...startSla(T0.toISOString(), 1),
      pausedMs,
      ...(pausedSince && { pausedSince }),
    })),
    times: fc.array(fc.nat(10 * DAY), { minLength: 1, maxLength: 12 }).map((ts) => ts.sort((a, b) => a - b)),
  });

  const key = (action: SlaAction) => JSON.stringify(action);

  test('give each action once, and the same ones as a single check at the last time', () => {
    fc.assert(
      fc.property(scenario, ({ sla, ticket, start, times }) => {
        const given = run(ticket as SlaTicket, times, start, sla).flatMap((check) => check.actions.map(key));
        expect(new Set(given).size).toBe(given.length);
        const once = checkSla(ticket as SlaTicket, start, after(times.at(-1)!), sla).actions.map(key);
        expect([...given].sort()).toEqual([...once].sort());
      }),
    );
  });

  test('nothing is given before nextCheckAt, which is always in the future', () => {
    fc.assert(
      fc.property(scenario, ({ sla, ticket, start, times }) => {
        let state = start;
        let next: number | undefined = T0.getTime();
        for (const t of times) {
          const now = after(t);
          const check = checkSla(ticket as SlaTicket, state, now, sla);
          if (next === undefined || now.getTime() < next) expect(check.actions).toEqual([]);
          if (check.nextCheckAt !== undefined) expect(Date.parse(check.nextCheckAt)).toBeGreaterThan(now.getTime());
          expect(checkSla(ticket as SlaTicket, check.state, now, sla).actions).toEqual([]);
          state = check.state;
          next = check.nextCheckAt === undefined ? undefined : Date.parse(check.nextCheckAt);
        }
      }),
    );
  });
});
