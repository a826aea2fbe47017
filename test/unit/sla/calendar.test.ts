import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { BusinessCalendar } from '../../../shared/config';
import { clockFor } from '../../../shared/sla/calendar';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Hours = BusinessCalendar['hours'];

const nineToSix: Hours = Object.fromEntries(weekdays.slice(0, 5).map((d) => [d, [['09:00', '18:00']]]));
const everyDayNineToSix: Hours = Object.fromEntries(weekdays.map((d) => [d, [['09:00', '18:00']]]));
const business = (timezone: string, hours: Hours = nineToSix, holidays: string[] = []) => clockFor({ type: 'business', timezone, hours, holidays });

/** An instant from a local wall time in a zone. */
const at = (zone: string, wall: string) => DateTime.fromISO(wall, { zone }).toJSDate();
/** The local wall time of an instant, weekday first, for readable expectations. */
const wall = (zone: string, date: Date) => DateTime.fromJSDate(date, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');

describe('business hours', () => {
  test('Friday 17:00 plus two working hours is Monday 10:00', () => {
    const clock = business('UTC');
    const due = clock.add(new Date('2026-03-06T17:00:00Z'), 2 * HOUR);
    expect(due.toISOString()).toBe('2026-03-09T10:00:00.000Z');
    expect(wall('UTC', due)).toBe('Mon 2026-03-09 10:00');
  });

  test('outside hours, working time starts at the next opening', () => {
    const clock = business('UTC');
    expect(clock.add(new Date('2026-03-07T12:00:00Z'), 30 * MINUTE).toISOString()).toBe('2026-03-09T09:30:00.000Z');
    expect(clock.add(new Date('2026-03-09T06:00:00Z'), 30 * MINUTE).toISOString()).toBe('2026-03-09T09:30:00.000Z');
    expect(clock.elapsed(new Date('2026-03-06T17:00:00Z'), new Date('2026-03-09T10:00:00Z'))).toBe(2 * HOUR);
  });

  test('adding nothing is the start itself, even outside hours', () => {
    const saturday = new Date('2026-03-07T12:00:00Z');
    expect(business('UTC').add(saturday, 0)).toEqual(saturday);
  });

  test('time that uses up an interval exactly ends at its close, not the next opening', () => {
    expect(business('UTC').add(new Date('2026-03-06T17:00:00Z'), HOUR).toISOString()).toBe('2026-03-06T18:00:00.000Z');
  });

  test('holidays are skipped, by the local date', () => {
    const clock = business('Asia/Shanghai', nineToSix, ['2026-03-09']);
    const due = clock.add(at('Asia/Shanghai', '2026-03-06T17:00'), 2 * HOUR);
    expect(wall('Asia/Shanghai', due)).toBe('Tue 2026-03-10 10:00');
    expect(clock.elapsed(at('Asia/Shanghai', '2026-03-09T00:00'), at('Asia/Shanghai', '2026-03-10T00:00'))).toBe(0);
  });

  test('Asia/Shanghai is UTC+8 all year', () => {
    const clock = business('Asia/Shanghai');
    for (const [start, expected] of [
      ['2026-03-06T09:00:00Z', '2026-03-09T02:00:00.000Z'],
      ['2026-10-30T09:00:00Z', '2026-11-02T02:00:00.000Z'],
    ] as const) {
      expect(clock.add(new Date(start), 2 * HOUR).toISOString()).toBe(expected);
    }
  });

  test('split days count only their working intervals', () => {
    const split: Hours = { mon: [['09:00', '12:00'], ['13:00', '18:00']] };
    const clock = business('UTC', split);
    expect(clock.add(new Date('2026-03-09T11:00:00Z'), 2 * HOUR).toISOString()).toBe('2026-03-09T14:00:00.000Z');
    expect(clock.add(new Date('2026-03-09T11:30:00Z'), 30 * MINUTE).toISOString()).toBe('2026-03-09T12:00:00.000Z');
    expect(clock.add(new Date('2026-03-09T12:15:00Z'), MINUTE).toISOString()).toBe('2026-03-09T13:01:00.000Z');
    expect(clock.elapsed(new Date('2026-03-09T00:00:00Z'), new Date('2026-03-10T00:00:00Z'))).toBe(8 * HOUR);
  });

  test('24:00 ends a day at the next midnight', () => {
    const evenings = business('UTC', { mon: [['18:00', '24:00']] });
    expect(evenings.add(new Date('2026-03-09T23:00:00Z'), HOUR).toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(evenings.add(new Date('2026-03-09T23:00:00Z'), 2 * HOUR).toISOString()).toBe('2026-03-16T19:00:00.000Z');

    const allWeekdays = business('Europe/Berlin', Object.fromEntries(weekdays.slice(0, 5).map((d) => [d, [['00:00', '24:00']]])));
    expect(wall('Europe/Berlin', allWeekdays.add(at('Europe/Berlin', '2026-03-06T23:00'), 2 * HOUR))).toBe('Mon 2026-03-09 01:00');
  });

  test('overlapping intervals count once', () => {
    const clock = business('UTC', { mon: [['13:00', '18:00'], ['09:00', '14:00']] });
    expect(clock.elapsed(new Date('2026-03-09T00:00:00Z'), new Date('2026-03-10T00:00:00Z'))).toBe(9 * HOUR);
  });

  test('a calendar clock is wall time', () => {
    const clock = clockFor({ type: 'calendar' });
    expect(clock.add(new Date('2026-03-06T17:00:00Z'), 2 * HOUR).toISOString()).toBe('2026-03-06T19:00:00.000Z');
    expect(clock.elapsed(new Date('2026-03-06T19:00:00Z'), new Date('2026-03-06T17:00:00Z'))).toBe(0);
  });
});

describe('daylight saving time', () => {
  test.each([
    // Europe/Berlin springs forward on 2026-03-29 and falls back on 2026-10-25.
    ['Europe/Berlin', '2026-03-27T17:00', 2 * HOUR, 'Mon 2026-03-30 10:00', '2026-03-30T08:00:00.000Z'],
    ['Europe/Berlin', '2026-03-23T09:00', 6 * 9 * HOUR, 'Mon 2026-03-30 18:00', '2026-03-30T16:00:00.000Z'],
    ['Europe/Berlin', '2026-10-23T17:00', 2 * HOUR, 'Mon 2026-10-26 10:00', '2026-10-26T09:00:00.000Z'],
    // America/New_York springs forward on 2026-03-08 and falls back on 2026-11-01.
    ['America/New_York', '2026-03-06T17:00', 2 * HOUR, 'Mon 2026-03-09 10:00', '2026-03-09T14:00:00.000Z'],
    ['America/New_York', '2026-10-30T17:00', 2 * HOUR, 'Mon 2026-11-02 10:00', '2026-11-02T15:00:00.000Z'],
  ])('%s: %s plus %d ms of 09–18 weekdays is %s local', (zone, start, ms, local, utc) => {
    const due = business(zone).add(at(zone, start), ms);
    expect(wall(zone, due)).toBe(local);
    expect(due.toISOString()).toBe(utc);
  });

  test.each([
    ['Europe/Berlin', '2026-03-29'],
    ['Europe/Berlin', '2026-10-25'],
    ['America/New_York', '2026-03-08'],
    ['America/New_York', '2026-11-01'],
  ])('%s: 09:00–18:00 on the change day %s is still nine hours, at the local times', (zone, date) => {
    const clock = business(zone, everyDayNineToSix);
    const dayBefore = DateTime.fromISO(date, { zone }).minus({ days: 1 });
    const due = clock.add(dayBefore.set({ hour: 17 }).toJSDate(), 2 * HOUR);
    expect(wall(zone, due)).toBe(`Sun ${date} 10:00`);
    expect(clock.elapsed(at(zone, `${date}T00:00`), at(zone, `${date}T23:59`))).toBe(9 * HOUR);
  });

  test.each([
    ['Europe/Berlin', '2026-03-29', 23],
    ['Europe/Berlin', '2026-10-25', 25],
    ['America/New_York', '2026-03-08', 23],
    ['America/New_York', '2026-11-01', 25],
  ])('%s: a whole-day interval on %s counts the real length of that day (%d h)', (zone, date, hours) => {
    const clock = business(zone, { sun: [['00:00', '24:00']] });
    const from = at(zone, `${date}T00:00`);
    expect(clock.elapsed(from, new Date(from.getTime() + 2 * DAY))).toBe(hours * HOUR);
  });

  test('a start in the spring-forward gap moves forward to the end of the gap', () => {
    // 02:00–03:00 does not exist in New York on 2026-03-08.
    const clock = business('America/New_York', { sun: [['02:30', '04:00']] });
    expect(clock.elapsed(new Date('2026-03-08T00:00:00Z'), new Date('2026-03-09T00:00:00Z'))).toBe(HOUR);
    expect(clock.add(new Date('2026-03-08T05:00:00Z'), MINUTE).toISOString()).toBe('2026-03-08T07:01:00.000Z');
    expect(wall('America/New_York', clock.add(new Date('2026-03-08T05:00:00Z'), MINUTE))).toBe('Sun 2026-03-08 03:01');
  });

  test('an interval across the spring-forward gap is an hour shorter; across the fall-back, an hour longer', () => {
    const spring = business('America/New_York', { sun: [['01:00', '03:00']] });
    expect(spring.elapsed(new Date('2026-03-08T00:00:00Z'), new Date('2026-03-09T00:00:00Z'))).toBe(HOUR);
    const fall = business('America/New_York', { sun: [['00:00', '03:00']] });
    expect(fall.elapsed(new Date('2026-11-01T00:00:00Z'), new Date('2026-11-02T00:00:00Z'))).toBe(4 * HOUR);
  });

  test('a local time that happens twice is its first occurrence', () => {
    // 01:00–02:00 happens twice in New York on 2026-11-01: first in EDT (05:00Z), then in EST (06:00Z).
    const clock = business('America/New_York', { sun: [['01:30', '02:00']] });
    expect(clock.add(new Date('2026-11-01T00:00:00Z'), MINUTE).toISOString()).toBe('2026-11-01T05:31:00.000Z');
    expect(clock.elapsed(new Date('2026-11-01T00:00:00Z'), new Date('2026-11-02T00:00:00Z'))).toBe(90 * MINUTE);
  });
});

describe('a calendar that cannot work', () => {
  test('no working hours at all is refused up front', () => {
    expect(() => business('UTC', {})).toThrow(/no working hours/);
    expect(() => business('UTC', { mon: [], sat: [] })).toThrow(/no working hours/);
  });

  test('an interval that does not end after it starts is refused, naming it', () => {
    expect(() => business('UTC', { mon: [['18:00', '09:00']] })).toThrow(/mon 18:00–09:00/);
    expect(() => business('UTC', { mon: [['09:00', '09:00']] })).toThrow(/does not end after it starts/);
  });

  test('an unknown time zone is refused', () => {
    expect(() => business('Mars/Olympus_Mons')).toThrow(/unknown time zone/);
  });

  test('working time more than three years away throws instead of searching forever', () => {
    const oneMinuteAWeek = business('UTC', { mon: [['09:00', '09:01']] });
    expect(() => oneMinuteAWeek.add(new Date('2026-03-09T00:00:00Z'), 7 * DAY)).toThrow(/more than 3 years/);
  });

  test('negative or invalid input is refused', () => {
    expect(() => business('UTC').add(new Date('2026-03-09T00:00:00Z'), -1)).toThrow(RangeError);
    expect(() => business('UTC').add(new Date('nonsense'), 1)).toThrow(RangeError);
    expect(() => clockFor({ type: 'calendar' }).add(new Date('2026-03-09T00:00:00Z'), Number.NaN)).toThrow(RangeError);
  });

  test('thirty days of business time is added a day at a time, not a minute at a time', () => {
    const clock = business('Europe/Berlin', nineToSix, ['2026-04-03', '2026-04-06']);
    const started = performance.now();
    const due = clock.add(at('Europe/Berlin', '2026-03-02T09:00'), 30 * DAY);
    expect(performance.now() - started).toBeLessThan(1000);
    // 720 h is 80 nine-hour days: 16 weeks, plus the two holidays.
    expect(wall('Europe/Berlin', due)).toBe('Tue 2026-06-23 18:00');
  });
});

describe('properties', () => {
  // Zones with DST at 02:00 or 03:00, at midnight (Santiago, Havana), by half an hour (Lord Howe), and none.
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'America/Havana'];
  const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

  /** A day's intervals: sorted distinct boundaries, paired, on a grid of `step` minutes. */
  const dayHours = (step: number) =>
    fc.uniqueArray(fc.integer({ min: 0, max: 1440 / step }), { maxLength: 6 }).map((points) => {
      const sorted = points.map((p) => p * step).sort((a, b) => a - b);
      const intervals: [string, string][] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) intervals.push([hhmm(sorted[i]!), hhmm(sorted[i + 1]!)]);
      return intervals;
    });

  const calendar = (step: number) =>
    fc
      .record({
        timezone: fc.constantFrom(...zones),
        week: fc.tuple(...weekdays.map(() => dayHours(step))),
        start: fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }),
        holidayOffsets: fc.uniqueArray(fc.integer({ min: -2, max: 120 }), { maxLength: 15 }),
      })
      .filter(({ week }) => week.some((day) => day.length > 0))
      .map(({ timezone, week, start, holidayOffsets }) => {
        const hours: Hours = Object.fromEntries(weekdays.map((d, i) => [d, week[i]!]));
        const startDay = DateTime.fromJSDate(start, { zone: timezone }).startOf('day');
        const holidays = holidayOffsets.map((n) => startDay.plus({ days: n }).toISODate()!);
        const weekly = week.flat().reduce((sum, [from, to]) => sum + minutesOf(to) - minutesOf(from), 0) * MINUTE;
        return { calendar: { type: 'business' as const, timezone, hours, holidays }, start, weekly };
      });

  const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
  /** Up to eight weeks of the calendar's working time, so the answer is always within reach. */
  const amount = fc.double({ min: 0, max: 8, noNaN: true });
  const msOf = (weeks: number, weekly: number) => Math.floor(weeks * weekly);

  test('elapsed undoes add, from starts inside or outside working hours', () => {
    fc.assert(
      fc.property(calendar(1), amount, ({ calendar, start, weekly }, weeks) => {
        const clock = clockFor(calendar);
        const ms = msOf(weeks, weekly);
        expect(clock.elapsed(start, clock.add(start, ms))).toBe(ms);
      }),
    );
  });

  test('add is monotone in the time added', () => {
    fc.assert(
      fc.property(calendar(5), amount, amount, ({ calendar, start, weekly }, a, b) => {
        const clock = clockFor(calendar);
        const [less, more] = [msOf(a, weekly), msOf(b, weekly)].sort((x, y) => x - y);
        expect(clock.add(start, less!).getTime()).toBeLessThanOrEqual(clock.add(start, more!).getTime());
      }),
    );
  });

  test('elapsed adds up over consecutive spans', () => {
    fc.assert(
      fc.property(calendar(5), fc.nat(30 * DAY), fc.nat(30 * DAY), ({ calendar, start }, x, y) => {
        const clock = clockFor(calendar);
        const middle = new Date(start.getTime() + x);
        const end = new Date(middle.getTime() + y);
        expect(clock.elapsed(start, middle) + clock.elapsed(middle, end)).toBe(clock.elapsed(start, end));
      }),
    );
  });

  // On whole hours no interval starts inside a repeated (fall-back) hour, whose second pass reads earlier than the start.
  test('a deadline falls inside working hours or exactly at an interval end, never on a day off or a holiday', () => {
    fc.assert(
      fc.property(calendar(60), amount, ({ calendar, start, weekly }, weeks) => {
        const clock = clockFor(calendar);
        const due = clock.add(start, Math.max(1, msOf(weeks, weekly)));
        // The last working millisecond before the deadline is inside an interval, whatever the deadline is.
        const last = DateTime.fromMillis(due.getTime() - 1, { zone: calendar.timezone });
        const minute = last.hour * 60 + last.minute;
        const day = weekdays[last.weekday - 1]!;
        expect(calendar.holidays).not.toContain(last.toISODate());
        expect(calendar.hours[day]?.some(([from, to]) => minutesOf(from) <= minute && minute < minutesOf(to))).toBe(true);
      }),
    );
  });

  test('a calendar clock is plain addition and subtraction', () => {
    const clock = clockFor({ type: 'calendar' });
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), fc.nat(400 * DAY), (start, ms) => {
        expect(clock.add(start, ms).getTime()).toBe(start.getTime() + ms);
        expect(clock.elapsed(start, new Date(start.getTime() + ms))).toBe(ms);
      }),
    );
  });
});
