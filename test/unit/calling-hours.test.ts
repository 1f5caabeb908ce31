import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { stateOfPhone, stateOfZone } from '../../core/area-codes.ts';
import { callingHourRules } from '../../core/calling-hour-rules.ts';
import { carePlanSchema } from '../../core/care-plan.ts';
import { defaultQuietHours } from '../../core/quiet-hours.ts';
import { decideSend, planSchedule } from '../../core/schedule.ts';
import { allowedSendTime, sendWindowFor, wakingMillis } from '../../core/send-window.ts';

const at = (iso: string): DateTime => DateTime.fromISO(iso, { setZone: true });
const utc = (iso: string): string => at(iso).toUTC().toISO()!;

const miami = '+13055550123';
const oklahomaCity = '+14055550123';
const manhattan = '+12125550123';
const providence = '+14015550123';
const dallas = '+12145550123';

// A routine step (respects quiet hours) and the no-driving note (ignores them), planned at the anchor.
const lightMeal = carePlanSchema.parse([{ key: 'light-meal', template: 'light-meal', after: 'PT0S', grace: 'PT2H', toEscort: true }]);
const noDriving = carePlanSchema.parse([{ key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', grace: 'PT4H' }]);

function plan(anchorAt: string, zone: string, phone: string | undefined, overrides: Partial<Parameters<typeof planSchedule>[0]> = {}) {
  return planSchedule({ plan: lightMeal, anchorAt, zone, quietHours: defaultQuietHours, hasEscort: false,
    now: at(anchorAt).minus({ minutes: 1 }), phone, ...overrides });
}

describe('the state a number or a zone points to', () => {
  it.each([
    [miami, 'FL'], [oklahomaCity, 'OK'], ['+14105550123', 'MD'], ['+12065550123', 'WA'], [manhattan, 'NY'],
    ['+15551234567', undefined], ['+18005550123', undefined], ['+14165550123', undefined], ['+447700900123', undefined], [null, undefined],
  ])('reads %s as %s by its area code', (phone, state) => {
    expect(stateOfPhone(phone)).toBe(state);
  });

  it('names a state only for zones that lie in one', () => {
    expect(stateOfZone('America/Detroit')).toBe('MI');
    expect(stateOfZone('America/Kentucky/Louisville')).toBe('KY');
    expect(stateOfZone('America/New_York')).toBeUndefined();
  });

  it('cites a statute for every rule, and allows no hour the clinic default would not', () => {
    for (const rule of callingHourRules) {
      expect(rule.source).toMatch(/§|RCW|MCL|KRS/);
      for (const day of rule.week) if (day) expect(day.from >= '08:00' && day.to <= '21:00').toBe(true);
    }
  });
});

describe('calling hours by law as well as by clinic', () => {
  it('defers a 20:30 message to a Florida number in a zone of no strict state to 08:00 local, by state:FL', () => {
    const [step] = plan('2026-11-20T20:30:00-06:00', 'America/Chicago', miami);
    expect(step).toMatchObject({ dueAt: utc('2026-11-21T08:00:00-06:00'), deferredForQuietHours: true, deferredBy: 'state:FL' });
  });

  it('defers an Oklahoma number at 20:15 on the west coast to 08:00 Pacific time', () => {
    const [step] = plan('2026-11-20T20:15:00-08:00', 'America/Los_Angeles', oklahomaCity);
    expect(step).toMatchObject({ dueAt: utc('2026-11-21T08:00:00-08:00'), deferredBy: 'state:OK' });
  });

  it('holds a zone in a stricter state (Michigan, 09:00) although the number is from New York', () => {
    const [step] = plan('2026-11-20T08:30:00-05:00', 'America/Detroit', manhattan);
    expect(step).toMatchObject({ dueAt: utc('2026-11-20T09:00:00-05:00'), deferredBy: 'state:MI' });
  });

  it('applies the stricter of number and zone when they point to different states', () => {
    // Kentucky's zone allows from 10:00; a Florida number from 08:00: 10:00 holds.
    const [step] = plan('2026-11-20T09:00:00-05:00', 'America/Kentucky/Louisville', miami);
    expect(step).toMatchObject({ dueAt: utc('2026-11-20T10:00:00-05:00'), deferredBy: 'state:KY' });
  });

  it('names the clinic when its quiet hours hold a message the state would hold too, and the state when it holds longer', () => {
    expect(plan('2026-11-20T22:00:00-05:00', 'America/New_York', miami)[0]).toMatchObject({
      dueAt: utc('2026-11-21T08:00:00-05:00'), deferredBy: 'clinic-quiet-hours' });
    expect(plan('2026-11-20T22:00:00-05:00', 'America/Kentucky/Louisville', manhattan)[0]).toMatchObject({
      dueAt: utc('2026-11-21T10:00:00-05:00'), deferredBy: 'state:KY' });
  });

  it('keeps a number of no strict state to the clinic quiet hours alone', () => {
    const [step] = plan('2026-11-20T20:30:00-05:00', 'America/New_York', manhattan);
    expect(step).toMatchObject({ dueAt: utc('2026-11-20T20:30:00-05:00'), deferredForQuietHours: false });
    expect(step?.deferredBy).toBeUndefined();
  });

  it('follows a week: Rhode Island has no Sunday hours, Texas starts Sundays at noon', () => {
    // 2026-11-22 is a Sunday.
    expect(plan('2026-11-22T10:00:00-05:00', 'America/New_York', providence)[0]).toMatchObject({
      dueAt: utc('2026-11-23T09:00:00-05:00'), deferredBy: 'state:RI' });
    expect(plan('2026-11-22T10:00:00-06:00', 'America/Chicago', dallas)[0]).toMatchObject({
      dueAt: utc('2026-11-22T12:00:00-06:00'), deferredBy: 'state:TX' });
  });

  it('never defers a critical message (the no-driving note) for a state', () => {
    const [step] = plan('2026-11-20T20:30:00-05:00', 'America/New_York', miami, { plan: noDriving });
    expect(step).toMatchObject({ dueAt: utc('2026-11-20T20:30:00-05:00'), critical: true, deferredForQuietHours: false });
    expect(allowedSendTime(at('2026-11-20T23:30:00-05:00'), sendWindowFor({ quietHours: defaultQuietHours, zone: 'America/New_York', phone: miami }),
      { critical: true })).toMatchObject({ deferred: false });
  });

  it('times the escort by their own number', () => {
    const steps = plan('2026-11-20T20:30:00-05:00', 'America/New_York', manhattan, { hasEscort: true, escortPhone: miami });
    expect(steps.map((s) => [s.recipient, s.dueAt, s.deferredBy])).toEqual([
      ['patient', utc('2026-11-20T20:30:00-05:00'), undefined],
      ['escort', utc('2026-11-21T08:00:00-05:00'), 'state:FL'],
    ]);
  });

  it.each([
    // Spring forward (2026-03-08, 02:00 EST becomes 03:00 EDT): 08:00 is 12:00 UTC, not 13:00.
    ['spring forward', '2026-03-07T20:30:00-05:00', '2026-03-08T12:00:00.000Z'],
    // Fall back (2026-11-01, 02:00 EDT becomes 01:00 EST): 08:00 is 13:00 UTC, not 12:00.
    ['fall back', '2026-10-31T20:30:00-04:00', '2026-11-01T13:00:00.000Z'],
  ])('defers across a DST change (%s) to 08:00 by the wall clock', (_change, anchorAt, due) => {
    expect(plan(anchorAt, 'America/New_York', miami)[0]).toMatchObject({ dueAt: due, deferredBy: 'state:FL' });
  });
});

describe('the dispatcher under calling hours', () => {
  const input = { zone: 'America/New_York', quietHours: defaultQuietHours, critical: false, grace: 'PT2H', phone: miami };

  it('defers a job that fires at 20:10 for a Florida number, saying which law', () => {
    expect(decideSend({ ...input, dueAt: utc('2026-11-20T19:50:00-05:00'), now: at('2026-11-20T20:10:00-05:00') })).toEqual({
      action: 'defer', until: utc('2026-11-21T08:00:00-05:00'), reason: 'FL calling hours until 08:00 America/New_York', deferredBy: 'state:FL' });
  });

  it('counts only hours the state allows against the grace', () => {
    // Due 19:30: 30 min before 20:00, then 08:00 to 09:15 is 1 h 15: 1 h 45 of a 2 h grace.
    expect(decideSend({ ...input, dueAt: utc('2026-11-20T19:30:00-05:00'), now: at('2026-11-21T09:15:00-05:00') })).toEqual({ action: 'send' });
    // 08:00 to 09:45 more makes 2 h 15: past it.
    expect(decideSend({ ...input, dueAt: utc('2026-11-20T19:30:00-05:00'), now: at('2026-11-21T09:45:00-05:00') })).toMatchObject({ action: 'expire' });
    const window = sendWindowFor({ quietHours: defaultQuietHours, zone: 'America/New_York', phone: miami });
    expect(wakingMillis(at('2026-11-20T19:30:00-05:00'), at('2026-11-21T09:15:00-05:00'), window, Infinity)).toBe(105 * 60_000);
  });
});
