import { DateTime } from 'luxon';
import { stateOfPhone, stateOfZone } from './area-codes.ts';
import { callingHourRule, type CallingHourRule } from './calling-hour-rules.ts';
import { atLocalTime, endOfQuietHours, nextAllowedTime, wakingMillisBetween, type QuietHours } from './quiet-hours.ts';

/** The rule that held a message back: the clinic's quiet hours, or a state's calling-hour law. */
export type DeferredBy = 'clinic-quiet-hours' | `state:${string}`;

/**
 * When a recipient may be messaged: the clinic's quiet hours, and the calling-hour law of every
 * state the recipient's number (its area code) or zone points to. The strictest of them holds.
 */
export interface SendWindow {
  quietHours: QuietHours;
  states: readonly CallingHourRule[];
}

export interface AllowedTime {
  at: DateTime;
  deferred: boolean;
  deferredBy?: DeferredBy;
}

/** The window of a recipient: the number and the zone each name a state, and both count. */
export function sendWindowFor(input: { quietHours: QuietHours; zone: string; phone?: string | null | undefined }): SendWindow {
  const named = [stateOfPhone(input.phone), stateOfZone(input.zone)].filter((s): s is string => s !== undefined);
  const states = [...new Set(named)].sort().flatMap((s) => {
    const rule = callingHourRule(s);
    return rule ? [rule] : [];
  });
  return { quietHours: input.quietHours, states };
}

/**
 * When a message meant for `local` may go, and which rule decided: `local` itself, or the first
 * instant every rule allows. A critical message (the no-driving reminder, crisis answers, staff
 * alerts) is never held back. The deciding rule is the one that moved the time last.
 */
export function allowedSendTime(local: DateTime, window: SendWindow, options: { critical: boolean }): AllowedTime {
  if (window.states.length === 0) {
    const clinic = nextAllowedTime(local, window.quietHours, options);
    return clinic.deferred ? { ...clinic, deferredBy: 'clinic-quiet-hours' } : clinic;
  }
  if (options.critical) return { at: local, deferred: false };
  const limits = limitsOf(window);
  let at = local;
  let by: DeferredBy | undefined;
  // Each pass moves `at` to where one more rule allows it; a week of passes settles any mix.
  for (let pass = 0; pass < 16; pass++) {
    let moved = false;
    for (const limit of limits) {
      const next = limit.nextAllowed(at);
      if (next > at) [at, by, moved] = [next, limit.by, true];
    }
    if (!moved) break;
  }
  return by ? { at, deferred: true, deferredBy: by } : { at: local, deferred: false };
}

// Enough for a year of nights; a step later than that is past any grace.
const maxPeriods = 800;

/**
 * Milliseconds from `from` to `to` in which every rule of the window allows messages (the time a
 * step's grace counts), in from's zone. Stops counting once past `atMost`; Infinity when the span
 * is too long to count.
 */
export function wakingMillis(from: DateTime, to: DateTime, window: SendWindow, atMost: number): number {
  if (window.states.length === 0) return wakingMillisBetween(from, to, window.quietHours, atMost);
  const limits = limitsOf(window);
  let waking = 0;
  let t = from;
  for (let i = 0; t < to; i++) {
    if (waking > atMost) return waking;
    if (i >= maxPeriods) return Number.POSITIVE_INFINITY;
    const allowed = allowedSendTime(t, window, { critical: false });
    if (allowed.deferred) {
      // A wall-clock time skipped by a DST change could fall before t: move on by a minute.
      t = allowed.at > t ? allowed.at : t.plus({ minutes: 1 });
      continue;
    }
    const next = DateTime.min(to, ...limits.map((l) => l.nextClosing(t)));
    waking += next.toMillis() - t.toMillis();
    t = next > t ? next : t.plus({ minutes: 1 });
  }
  return Math.min(waking, to.toMillis() - from.toMillis());
}

interface Limit {
  by: DeferredBy;
  /** `local` when this rule allows it, else the next instant it does. */
  nextAllowed(local: DateTime): DateTime;
  /** For a `local` this rule allows: the next instant it stops allowing. */
  nextClosing(local: DateTime): DateTime;
}

function limitsOf(window: SendWindow): Limit[] {
  return [clinicLimit(window.quietHours), ...window.states.map(stateLimit)];
}

function clinicLimit(quietHours: QuietHours): Limit {
  return {
    by: 'clinic-quiet-hours',
    nextAllowed: (local) => endOfQuietHours(local, quietHours),
    nextClosing: (local) => {
      if (quietHours.start === quietHours.end) return local.plus({ years: 10 });
      const today = atLocalTime(local, quietHours.start);
      return today > local ? today : atLocalTime(local.plus({ days: 1 }), quietHours.start);
    },
  };
}

function stateLimit(rule: CallingHourRule): Limit {
  const hours = (day: DateTime) => {
    const w = rule.week[day.weekday - 1];
    return w ? { from: atLocalTime(day, w.from), to: atLocalTime(day, w.to) } : undefined;
  };
  return {
    by: `state:${rule.state}`,
    nextAllowed(local) {
      for (let i = 0; i < 8; i++) {
        const day = hours(local.plus({ days: i }));
        if (!day) continue;
        if (i > 0 || local < day.from) return day.from;
        if (local < day.to) return local;
      }
      return local.plus({ days: 8 });
    },
    nextClosing(local) {
      const day = hours(local);
      return day && local < day.to ? day.to : local;
    },
  };
}
