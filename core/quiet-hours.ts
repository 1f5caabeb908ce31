import { DateTime } from 'luxon';
import { z } from 'zod';
import { localTimeSchema } from './time-zone.ts';

export const quietHoursSchema = z.strictObject({ start: localTimeSchema, end: localTimeSchema });
export type QuietHours = z.infer<typeof quietHoursSchema>;
export const defaultQuietHours: QuietHours = { start: '21:00', end: '08:00' };

/** Quiet hours are [start, end) in local wall-clock minutes; start > end wraps midnight; start == end means none. */
export function inQuietHours(local: DateTime, quietHours: QuietHours): boolean {
  if (!local.isValid) throw new RangeError(`invalid date-time: ${local.invalidExplanation ?? local.invalidReason}`);
  const start = minuteOfDay(quietHours.start);
  const end = minuteOfDay(quietHours.end);
  const t = local.hour * 60 + local.minute;
  if (start === end) return false;
  return start < end ? t >= start && t < end : t >= start || t < end;
}

/**
 * The next instant the quiet period containing `local` ends, in local's zone.
 * A time outside quiet hours is returned unchanged (nothing to wait for).
 */
export function endOfQuietHours(local: DateTime, quietHours: QuietHours): DateTime {
  if (!inQuietHours(local, quietHours)) return local;
  const start = minuteOfDay(quietHours.start);
  const wraps = start > minuteOfDay(quietHours.end);
  // Wrapping hours (21:00..08:00) end tomorrow when we are on the evening side of midnight.
  const endsTomorrow = wraps && local.hour * 60 + local.minute >= start;
  return atLocalTime(endsTomorrow ? local.plus({ days: 1 }) : local, quietHours.end);
}

/**
 * When a message meant for `local` may go: then, or at the end of the quiet hours it falls in
 * (`deferred`). A critical message (the same-day no-driving reminder) ignores quiet hours.
 */
export function nextAllowedTime(local: DateTime, quietHours: QuietHours, options: { critical: boolean }): { at: DateTime; deferred: boolean } {
  if (options.critical || !inQuietHours(local, quietHours)) return { at: local, deferred: false };
  return { at: endOfQuietHours(local, quietHours), deferred: true };
}

/** The next instant quiet hours begin after `local`, which is outside them. */
function nextStartOfQuietHours(local: DateTime, quietHours: QuietHours): DateTime {
  const today = atLocalTime(local, quietHours.start);
  return today > local ? today : atLocalTime(local.plus({ days: 1 }), quietHours.start);
}

// Enough for a year of nights; a step later than that is past any grace.
const maxPeriods = 800;

/**
 * Milliseconds of waking time (outside quiet hours) from `from` to `to`, in from's zone. Counting
 * stops once it passes `atMost`; Infinity when the span is too long to count.
 */
export function wakingMillisBetween(from: DateTime, to: DateTime, quietHours: QuietHours, atMost: number): number {
  if (quietHours.start === quietHours.end) return to.toMillis() - from.toMillis();
  let waking = 0;
  let t = from;
  for (let i = 0; t < to; i++) {
    if (waking > atMost) return waking;
    if (i >= maxPeriods) return Number.POSITIVE_INFINITY;
    if (inQuietHours(t, quietHours)) {
      const end = endOfQuietHours(t, quietHours);
      // A wall-clock end skipped by a DST change could fall before t: move on by a minute.
      t = end > t ? end : t.plus({ minutes: 1 });
      continue;
    }
    const next = DateTime.min(nextStartOfQuietHours(t, quietHours), to);
    waking += next.toMillis() - t.toMillis();
    t = next;
  }
  return waking;
}

export function atLocalTime(local: DateTime, hhmm: string): DateTime {
  const { hour, minute } = wallClock(hhmm);
  return local.set({ hour, minute, second: 0, millisecond: 0 });
}

function minuteOfDay(hhmm: string): number {
  const { hour, minute } = wallClock(hhmm);
  return hour * 60 + minute;
}

function wallClock(hhmm: string): { hour: number; minute: number } {
  const [hour = 0, minute = 0] = hhmm.split(':').map(Number);
  return { hour, minute };
}
