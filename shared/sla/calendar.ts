import type * as Luxon from 'luxon';
import type { BusinessCalendar, SlaConfig } from '../config';

/**
 * Working time: what SLA targets are measured in. A calendar clock counts every millisecond; a
 * business clock counts only the calendar's working hours, in its own time zone.
 */
export interface WorkClock {
  /** The instant `ms` of working time after `start`: the earliest such instant, so `add(t, 0)` is `t` and a sum that uses up an interval exactly lands on its end. */
  add(start: Date, ms: number): Date;
  /** Working time between two instants (0 if to ≤ from). */
  elapsed(from: Date, to: Date): number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far `add` looks for working time before deciding the calendar has too little of it to be meant. */
const SEARCH_DAYS = 3 * 366;
/** In `Date.getUTCDay()` order. */
const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** [start, end) pairs, sorted and disjoint: a weekday's as minutes after local midnight, a date's as instants. */
type Spans = readonly (readonly [number, number])[];

/**
 * The clock of an SLA calendar. Throws an Error if a business calendar names an unknown time zone,
 * has an interval that does not end after it starts, or has no working hours at all (which would
 * leave nothing ever due); call it when the config is loaded to fail at start-up.
 */
export function clockFor(calendar: SlaConfig['calendar']): WorkClock {
  return calendar.type === 'calendar' ? wallClock : businessClock(calendar);
}

const wallClock: WorkClock = {
  add(start, ms) {
    checkInstant(start);
    checkDuration(ms);
    return new Date(start.getTime() + ms);
  },
  elapsed(from, to) {
    checkInstant(from);
    checkInstant(to);
    return Math.max(0, to.getTime() - from.getTime());
  },
};

/**
 * Working intervals are each weekday's [start, end) in local wall time, turned into instants with
 * the zone's offsets at that date, so 09:00–18:00 is 09:00–18:00 on either side of a DST change and
 * the change day itself counts whatever real time its wall-clock interval spans. A local time that
 * does not exist (the spring-forward gap) moves forward to the end of the gap; one that happens
 * twice (fall-back) is its first occurrence. That one mapping, non-decreasing in local time, keeps
 * intervals in order and never overlapping, and splitting an interval never changes its total.
 */
function businessClock(calendar: BusinessCalendar): WorkClock {
  // Only business hours need time zones: luxon loads with the first business calendar.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { IANAZone } = require('luxon') as typeof Luxon;
  const zone = IANAZone.create(calendar.timezone);
  if (!zone.isValid) throw new Error(`SLA calendar: unknown time zone "${calendar.timezone}"; use an IANA name such as Europe/Berlin`);
  const week = weekHours(calendar.hours);
  const holidays = new Set(calendar.holidays);
  const offsetMs = (t: number) => zone.offset(t) * MINUTE_MS;

  /** Local calendar days are numbered like UTC ones: days since 1970-01-01. */
  const localDay = (t: number) => Math.floor((t + offsetMs(t)) / DAY_MS);

  /** The instant a local wall time (as ms since the epoch, read as if UTC) stands for. */
  const instantOf = (wall: number): number => {
    // Offsets a day either side cover every instant this wall time can be, barring two changes in two days.
    const candidates = new Set([offsetMs(wall - DAY_MS), offsetMs(wall), offsetMs(wall + DAY_MS)]);
    let earliest = Infinity;
    for (const offset of candidates) if (offsetMs(wall - offset) === offset) earliest = Math.min(earliest, wall - offset);
    if (earliest !== Infinity) return earliest;
    // In a gap: the change happened between reading the wall time with the later offset and with the earlier one.
    let before = wall - Math.max(...candidates);
    let after = wall - Math.min(...candidates);
    const offsetBefore = offsetMs(before);
    while (after - before > 1) {
      const mid = Math.floor((before + after) / 2);
      if (offsetMs(mid) === offsetBefore) before = mid;
      else after = mid;
    }
    return after;
  };

  // A clock lives for one check or so, and each check adds from the same start several times.
  const days = new Map<number, Spans>();
  const intervalsOn = (day: number) => {
    let intervals = days.get(day);
    if (!intervals) {
      const midnight = day * DAY_MS;
      const date = new Date(midnight);
      intervals = holidays.has(date.toISOString().slice(0, 10))
        ? []
        : week[date.getUTCDay()]!.map(([from, to]) => [instantOf(midnight + from * MINUTE_MS), instantOf(midnight + to * MINUTE_MS)] as const).filter(([from, to]) => to > from);
      days.set(day, intervals);
    }
    return intervals;
  };

  return {
    add(start, ms) {
      checkInstant(start);
      checkDuration(ms);
      const t = start.getTime();
      if (ms === 0) return new Date(t);
      let remaining = ms;
      const first = localDay(t);
      for (let day = first; day <= first + SEARCH_DAYS; day++) {
        for (const [from, to] of intervalsOn(day)) {
          const begin = Math.max(from, t);
          if (begin >= to) continue;
          if (remaining <= to - begin) return new Date(begin + remaining);
          remaining -= to - begin;
        }
      }
      throw new Error(`SLA calendar: ${ms} ms of working time after ${start.toISOString()} is more than 3 years away; the calendar has too few working hours for its SLA targets`);
    },
    elapsed(from, to) {
      checkInstant(from);
      checkInstant(to);
      const a = from.getTime();
      const b = to.getTime();
      let total = 0;
      if (b <= a) return total;
      for (let day = localDay(a), last = localDay(b); day <= last; day++) {
        for (const [start, end] of intervalsOn(day)) total += Math.max(0, Math.min(end, b) - Math.max(start, a));
      }
      return total;
    },
  };
}

function weekHours(hours: BusinessCalendar['hours']): readonly Spans[] {
  const week = weekdays.map((day) => {
    const intervals = (hours[day] ?? [])
      .map(([from, to]) => {
        const start = minutesOf(from);
        const end = minutesOf(to);
        if (end <= start) {
          throw new Error(`SLA calendar: ${day} ${from}–${to} does not end after it starts; split a shift across midnight into ${from}–24:00 and 00:00–${to} of the next day`);
        }
        return [start, end] as const;
      })
      .sort((x, y) => x[0] - y[0]);
    // Overlapping or touching intervals are one stretch of work.
    const merged: [number, number][] = [];
    for (const [start, end] of intervals) {
      const last = merged.at(-1);
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
  });
  if (week.every((day) => day.length === 0)) {
    throw new Error('SLA calendar has no working hours: give at least one weekday hours such as { "mon": [["09:00", "18:00"]] }, or use { "type": "calendar" }');
  }
  return week;
}

function minutesOf(hhmm: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (!(minutes >= 0 && minutes <= 24 * 60)) throw new Error(`SLA calendar: "${hhmm}" is not a time of day from 00:00 to 24:00`);
  return minutes;
}

function checkInstant(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new RangeError('SLA clock: invalid date');
}

function checkDuration(ms: number): void {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`SLA clock: cannot add ${ms} ms; working time to add must be finite and not negative`);
}
