import { DateTime } from 'luxon';

// Who is on call: a rotation hands off at a wall-clock time in the clinic's zone (daily, or weekly
// on one weekday), and an override ("Dana covers Friday night") wins while it lasts.

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** What core reads of a rotation: names in order, resolved against the clinic's people by config. */
export interface Rotation {
  handoff: 'daily' | 'weekly';
  at: string;
  weekday: (typeof weekdays)[number];
  startsOn: string;
  people: string[];
  /** The clinic's IANA zone. */
  zone: string;
}

/** `who` covers [from, to): both instants (an ISO time without an offset is the clinic's). */
export interface Override {
  who: string;
  from: DateTime;
  to: DateTime;
}

export interface OnCall {
  now: string;
  next: string;
  /** When `next` takes over: the rotation's hand-off, or an override's start or end, whichever comes first. */
  handoffAt: DateTime;
}

/** An override's time as an instant: an offset when given, else the clinic's wall clock. */
export function overrideInstant(iso: string, zone: string): DateTime {
  return DateTime.fromISO(iso, { zone });
}

const dayNumber = (date: string) => Math.round(DateTime.fromISO(date, { zone: 'utc' }).toMillis() / 86_400_000);

/** The hand-off on a local calendar date; luxon moves a time the spring change skips forward by the gap. */
function handoffOn(date: DateTime, r: Rotation): DateTime {
  const [hour, minute] = r.at.split(':').map(Number);
  return DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone: r.zone });
}

/** The hand-off that began the shift holding `instant`, its number since the rotation's first, and the next hand-off. */
function shiftAt(r: Rotation, instant: DateTime): { index: number; nextAt: DateTime } {
  const period = r.handoff === 'daily' ? 1 : 7;
  const local = instant.setZone(r.zone).startOf('day');
  // The shift's starting date: the latest hand-off date (every day, or the weekday) not after the instant.
  let day = r.handoff === 'daily' ? local : local.minus({ days: (local.weekday - (weekdays.indexOf(r.weekday) + 1) + 7) % 7 });
  if (handoffOn(day, r) > instant) day = day.minus({ days: period });
  const start = DateTime.fromISO(r.startsOn, { zone: r.zone });
  const firstDay = r.handoff === 'daily' ? start : start.plus({ days: (weekdays.indexOf(r.weekday) + 1 - start.weekday + 7) % 7 });
  // Calendar days between local dates: a 23- or 25-hour day still counts as one.
  const index = Math.floor((dayNumber(day.toISODate()!) - dayNumber(firstDay.toISODate()!)) / period);
  return { index, nextAt: handoffOn(day.plus({ days: period }), r) };
}

const at = (people: string[], index: number) => people[((index % people.length) + people.length) % people.length]!;

function overrideAt(overrides: readonly Override[], instant: DateTime): Override | undefined {
  // The latest listed wins where two overlap: a correction is added after what it corrects.
  return [...overrides].reverse().find((o) => o.from <= instant && instant < o.to);
}

function whoAt(r: Rotation, overrides: readonly Override[], instant: DateTime): string {
  return overrideAt(overrides, instant)?.who ?? at(r.people, shiftAt(r, instant).index);
}

/** Who is on call at `instant`, who comes next, and when they take over. */
export function onCallAt(rotation: Rotation, overrides: readonly Override[], instant: DateTime): OnCall {
  const now = whoAt(rotation, overrides, instant);
  // The arrangement changes at the next hand-off, or where an override starts or ends; the first change that gives someone else.
  let t = instant;
  for (let i = 0; i < 50; i++) {
    const active = overrideAt(overrides, t);
    const starts = overrides.filter((o) => o.from > t).map((o) => o.from);
    const candidates = [shiftAt(rotation, t).nextAt, ...(active ? [active.to] : []), ...starts];
    t = DateTime.min(...candidates)!;
    const next = whoAt(rotation, overrides, t);
    if (next !== now || rotation.people.length === 1) return { now, next, handoffAt: t.setZone(rotation.zone) };
  }
  return { now, next: now, handoffAt: t.setZone(rotation.zone) };
}
