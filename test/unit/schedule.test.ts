import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { carePlanSchema, defaultCarePlan } from '../../core/care-plan.ts';
import type { CarePlan, CarePlanStepInput } from '../../core/care-plan.ts';
import { defaultQuietHours, endOfQuietHours, inQuietHours } from '../../core/quiet-hours.ts';
import type { QuietHours } from '../../core/quiet-hours.ts';
import { decideSend, planSchedule } from '../../core/schedule.ts';
import type { ScheduledStep } from '../../core/schedule.ts';

type PlanInput = Parameters<typeof planSchedule>[0];
type SendInput = Parameters<typeof decideSend>[0];

const denver = 'America/Denver';
const newYork = 'America/New_York';
const noQuietHours: QuietHours = { start: '00:00', end: '00:00' };
const afternoon: QuietHours = { start: '13:00', end: '15:00' };
const at = (iso: string): DateTime => DateTime.fromISO(iso, { setZone: true });

function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    plan: defaultCarePlan('session'),
    anchorAt: '2026-11-20T15:30:00-07:00',
    zone: denver,
    quietHours: defaultQuietHours,
    hasEscort: false,
    now: at('2026-11-20T15:31:00-07:00'),
    ...overrides,
  };
}

/** A one-step plan; `now` far before any anchor used with it so nothing expires. */
function oneStep(overrides: Partial<CarePlanStepInput> = {}): CarePlan {
  return carePlanSchema.parse([{ key: 'custom', template: 'custom', after: 'PT0S', ...overrides }]);
}
const longAgo = at('2026-01-01T00:00:00Z');

function stepOf(steps: ScheduledStep[], key: string, recipient: ScheduledStep['recipient'] = 'patient'): ScheduledStep {
  const found = steps.find((s) => s.key === key && s.recipient === recipient);
  if (!found) throw new Error(`no ${recipient} step ${key} in ${steps.map((s) => s.key).join(', ')}`);
  return found;
}

function onlyStep(overrides: Partial<PlanInput>): ScheduledStep {
  const [only] = planSchedule(planInput({ now: longAgo, ...overrides }));
  if (!only) throw new Error('expected one step');
  return only;
}

describe('planSchedule', () => {
  it('expands the default session plan for a 15:30 Denver session', () => {
    const steps = planSchedule(planInput());
    expect(steps.map((s) => [s.key, s.localDueAt])).toEqual([
      ['no-driving', '2026-11-20T15:30:00-07:00'],
      ['light-meal', '2026-11-20T17:30:00-07:00'],
      ['checkin-24h', '2026-11-21T15:30:00-07:00'],
    ]);
    expect(stepOf(steps, 'checkin-24h')).toEqual({
      key: 'checkin-24h',
      template: 'checkin-24h',
      recipient: 'patient',
      channel: 'preferred',
      critical: false,
      grace: 'PT6H',
      expectsReply: { within: 'PT6H', remindOnce: true },
      plannedAt: '2026-11-21T22:30:00.000Z',
      dueAt: '2026-11-21T22:30:00.000Z',
      localDueAt: '2026-11-21T15:30:00-07:00',
      deferredForQuietHours: false,
      status: 'scheduled',
    });
    expect(stepOf(steps, 'no-driving').critical).toBe(true);
  });

  it.each([
    { change: 'spring-forward', anchorAt: '2026-03-07T10:00:00-05:00', local: '2026-03-08T11:00:00-04:00', utc: '2026-03-08T15:00:00.000Z' },
    { change: 'fall-back', anchorAt: '2026-10-31T10:00:00-04:00', local: '2026-11-01T09:00:00-05:00', utc: '2026-11-01T14:00:00.000Z' },
  ])('counts PT24H across the $change change as elapsed time, landing at $local', ({ anchorAt, local, utc }) => {
    const step = onlyStep({ plan: oneStep({ after: 'PT24H' }), anchorAt, zone: newYork });
    expect(step.localDueAt).toBe(local);
    expect(step.dueAt).toBe(utc);
  });

  it.each([
    { name: 'P1D over spring-forward', after: 'P1D', localTime: undefined, anchorAt: '2026-03-07T10:00:00-05:00', local: '2026-03-08T10:00:00-04:00', utc: '2026-03-08T14:00:00.000Z' },
    { name: 'P14D at 10:00 over spring-forward', after: 'P14D', localTime: '10:00', anchorAt: '2026-03-01T22:00:00-05:00', local: '2026-03-15T10:00:00-04:00', utc: '2026-03-15T14:00:00.000Z' },
    { name: 'P14D at 10:00 over fall-back', after: 'P14D', localTime: '10:00', anchorAt: '2026-10-25T22:00:00-04:00', local: '2026-11-08T10:00:00-05:00', utc: '2026-11-08T15:00:00.000Z' },
    { name: 'P14D over fall-back', after: 'P14D', localTime: undefined, anchorAt: '2026-10-25T10:00:00-04:00', local: '2026-11-08T10:00:00-05:00', utc: '2026-11-08T15:00:00.000Z' },
  ])('keeps the wall clock for calendar days: $name lands at $local', ({ after, localTime, anchorAt, local, utc }) => {
    const step = onlyStep({ plan: oneStep({ after, localTime }), anchorAt, zone: newYork });
    expect(step.localDueAt).toBe(local);
    expect(step.dueAt).toBe(utc);
  });

  it('expands the default cessation plan across spring-forward in New York', () => {
    const steps = planSchedule(planInput({ plan: defaultCarePlan('cessation'), anchorAt: '2026-03-06T22:00:00-05:00', zone: newYork, now: at('2026-03-06T23:00:00-05:00') }));
    // 72 elapsed hours from 22:00 EST is 23:00 EDT, inside quiet hours: moved to 08:00.
    expect(stepOf(steps, 'withdrawal-checkin')).toMatchObject({
      plannedAt: '2026-03-10T03:00:00.000Z', localDueAt: '2026-03-10T08:00:00-04:00', deferredForQuietHours: true, status: 'scheduled',
    });
    expect(stepOf(steps, 'week-two-stabilisation')).toMatchObject({ localDueAt: '2026-03-20T10:00:00-04:00', dueAt: '2026-03-20T14:00:00.000Z' });
  });

  it.each([
    { name: 'a P1D step to 10:00 on the next local date', after: 'P1D', localTime: '10:00', anchorAt: '2026-11-20T22:00:00-07:00', local: '2026-11-21T10:00:00-07:00' },
    { name: 'a PT6H step that crosses local midnight to that new date', after: 'PT6H', localTime: '10:00', anchorAt: '2026-11-20T20:00:00-07:00', local: '2026-11-21T10:00:00-07:00' },
    { name: 'the local date, not the UTC date', after: 'PT0S', localTime: '16:00', anchorAt: '2026-11-21T02:00:00Z', local: '2026-11-20T16:00:00-07:00' },
  ])('snaps $name', ({ after, localTime, anchorAt, local }) => {
    expect(onlyStep({ plan: oneStep({ after, localTime }), anchorAt }).localDueAt).toBe(local);
  });

  it('moves a localTime inside a spring-forward gap forward by the gap (02:30 becomes 03:30)', () => {
    const step = onlyStep({ plan: oneStep({ after: 'P1D', localTime: '02:30' }), anchorAt: '2026-03-07T12:00:00-05:00', zone: newYork, quietHours: noQuietHours });
    expect(step.localDueAt).toBe('2026-03-08T03:30:00-04:00');
  });

  it('moves a localTime that falls in quiet hours to the end of quiet hours', () => {
    const step = onlyStep({ plan: oneStep({ after: 'P1D', localTime: '06:00' }) });
    expect(step).toMatchObject({ plannedAt: '2026-11-21T13:00:00.000Z', localDueAt: '2026-11-21T08:00:00-07:00', deferredForQuietHours: true });
  });

  it('plans in a half-hour zone (Asia/Kolkata)', () => {
    // 15:30 UTC is 21:00 IST, the first minute of quiet hours.
    const steps = planSchedule(planInput({ anchorAt: '2026-11-20T15:30:00Z', zone: 'Asia/Kolkata', now: at('2026-11-20T15:30:00Z') }));
    expect(steps.map((s) => [s.key, s.localDueAt, s.dueAt])).toEqual([
      ['no-driving', '2026-11-20T21:00:00+05:30', '2026-11-20T15:30:00.000Z'],
      ['light-meal', '2026-11-21T08:00:00+05:30', '2026-11-21T02:30:00.000Z'],
      ['checkin-24h', '2026-11-22T08:00:00+05:30', '2026-11-22T02:30:00.000Z'],
    ]);
  });

  it.each([
    { zone: 'Pacific/Kiritimati', local: '2026-11-22T10:00:00+14:00', utc: '2026-11-21T20:00:00.000Z' },
    { zone: 'Pacific/Auckland', local: '2026-11-22T10:00:00+13:00', utc: '2026-11-21T21:00:00.000Z' },
    { zone: 'Pacific/Pago_Pago', local: '2026-11-21T10:00:00-11:00', utc: '2026-11-21T21:00:00.000Z' },
  ])('counts P1D at 10:00 from the local date in $zone across the date line', ({ zone, local, utc }) => {
    const step = onlyStep({ plan: oneStep({ after: 'P1D', localTime: '10:00' }), anchorAt: '2026-11-20T19:00:00Z', zone });
    expect(step.localDueAt).toBe(local);
    expect(step.dueAt).toBe(utc);
  });

  it('plans week-two-stabilisation at 10:00 Auckland time, the previous day in UTC', () => {
    const steps = planSchedule(planInput({ plan: defaultCarePlan('cessation'), anchorAt: '2026-11-20T20:00:00Z', zone: 'Pacific/Auckland', now: at('2026-11-20T20:00:00Z') }));
    expect(stepOf(steps, 'week-two-stabilisation')).toMatchObject({ localDueAt: '2026-12-05T10:00:00+13:00', dueAt: '2026-12-04T21:00:00.000Z' });
  });

  it('moves a 22:30 light-meal to 08:00 next morning', () => {
    const steps = planSchedule(planInput({ anchorAt: '2026-11-20T20:30:00-07:00', now: at('2026-11-20T20:30:00-07:00') }));
    expect(stepOf(steps, 'light-meal')).toMatchObject({
      plannedAt: '2026-11-21T05:30:00.000Z', dueAt: '2026-11-21T15:00:00.000Z', localDueAt: '2026-11-21T08:00:00-07:00', deferredForQuietHours: true,
    });
  });

  it.each([
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, planned: '2026-11-20T22:30:00-07:00', due: '2026-11-21T08:00:00-07:00' },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, planned: '2026-11-21T03:00:00-07:00', due: '2026-11-21T08:00:00-07:00' },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, planned: '2026-11-20T21:00:00-07:00', due: '2026-11-21T08:00:00-07:00' },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, planned: '2026-11-20T08:00:00-07:00', due: '2026-11-20T08:00:00-07:00' },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, planned: '2026-11-20T20:59:00-07:00', due: '2026-11-20T20:59:00-07:00' },
    { quiet: '13:00..15:00', quietHours: afternoon, planned: '2026-11-20T14:00:00-07:00', due: '2026-11-20T15:00:00-07:00' },
    { quiet: '13:00..15:00', quietHours: afternoon, planned: '2026-11-20T13:00:00-07:00', due: '2026-11-20T15:00:00-07:00' },
    { quiet: '13:00..15:00', quietHours: afternoon, planned: '2026-11-20T15:00:00-07:00', due: '2026-11-20T15:00:00-07:00' },
    { quiet: '13:00..15:00', quietHours: afternoon, planned: '2026-11-20T22:30:00-07:00', due: '2026-11-20T22:30:00-07:00' },
    { quiet: 'none (00:00..00:00)', quietHours: noQuietHours, planned: '2026-11-21T03:00:00-07:00', due: '2026-11-21T03:00:00-07:00' },
  ])('with quiet hours $quiet, a step planned at $planned is due at $due', ({ quietHours, planned, due }) => {
    const step = onlyStep({ plan: oneStep(), anchorAt: planned, quietHours });
    expect(step.localDueAt).toBe(due);
    expect(step.deferredForQuietHours).toBe(planned !== due);
  });

  it('sends a critical step inside quiet hours at its time', () => {
    const step = onlyStep({ plan: oneStep({ quietHours: 'ignore' }), anchorAt: '2026-11-20T23:00:00-07:00' });
    expect(step).toMatchObject({ critical: true, localDueAt: '2026-11-20T23:00:00-07:00', deferredForQuietHours: false });
  });

  it('plans a session ending 23:50: no-driving at once, light-meal and checkin-24h at 08:00', () => {
    const steps = planSchedule(planInput({ anchorAt: '2026-11-20T23:50:00-07:00', now: at('2026-11-20T23:50:00-07:00') }));
    expect(steps.map((s) => [s.key, s.localDueAt, s.deferredForQuietHours, s.status])).toEqual([
      ['no-driving', '2026-11-20T23:50:00-07:00', false, 'scheduled'],
      ['light-meal', '2026-11-21T08:00:00-07:00', true, 'scheduled'],
      ['checkin-24h', '2026-11-22T08:00:00-07:00', true, 'scheduled'],
    ]);
    expect(stepOf(steps, 'checkin-24h').plannedAt).toBe('2026-11-22T06:50:00.000Z');
  });

  it('expires every step of an event that arrives 3 days late, with reasons, none at night', () => {
    const steps = planSchedule(planInput({ anchorAt: '2026-11-20T20:00:00-07:00', hasEscort: true, now: at('2026-11-23T20:00:00-07:00') }));
    expect(steps).toHaveLength(4);
    for (const step of steps) {
      expect(step.status).toBe('expired');
      expect(step.reason).toMatch(/ late, past its \d+ h grace \(due 2026-11-2\d \d\d:\d\d America\/Denver\)$/);
      if (!step.critical) expect(inQuietHours(at(step.localDueAt), defaultQuietHours)).toBe(false);
    }
    expect(stepOf(steps, 'light-meal').reason).toBe('2 d 12 h late, past its 2 h grace (due 2026-11-21 08:00 America/Denver)');
  });

  it('moves to 08:00 at planning a step that quiet hours interrupted within its grace', () => {
    // The event arrives at 21:15; the light-meal was due at 20:30, 30 min before quiet hours began.
    const steps = planSchedule(planInput({ anchorAt: '2026-11-20T18:30:00-07:00', now: at('2026-11-20T21:15:00-07:00') }));
    expect(steps.map((s) => [s.key, s.status])).toEqual([['no-driving', 'scheduled'], ['light-meal', 'scheduled'], ['checkin-24h', 'scheduled']]);
    expect(stepOf(steps, 'light-meal')).toMatchObject({ localDueAt: '2026-11-21T08:00:00-07:00', deferredForQuietHours: true, plannedAt: '2026-11-21T03:30:00.000Z' });
  });

  it('expires at planning a step already past its grace when quiet hours began', () => {
    // The light-meal was due at 18:00: three waking hours late by 21:00.
    const steps = planSchedule(planInput({ anchorAt: '2026-11-20T16:00:00-07:00', now: at('2026-11-20T21:15:00-07:00') }));
    expect(stepOf(steps, 'light-meal')).toMatchObject({ status: 'expired', reason: '3 h 15 min late, past its 2 h grace (due 2026-11-20 18:00 America/Denver)' });
  });

  it('adds an sms escort copy of no-driving right after the patient copy', () => {
    const steps = planSchedule(planInput({ hasEscort: true }));
    expect(steps.map((s) => [s.key, s.recipient, s.template])).toEqual([
      ['no-driving', 'patient', 'no-driving'],
      ['no-driving', 'escort', 'no-driving-escort'],
      ['light-meal', 'patient', 'light-meal'],
      ['checkin-24h', 'patient', 'checkin-24h'],
    ]);
    const patient = stepOf(steps, 'no-driving');
    expect(stepOf(steps, 'no-driving', 'escort')).toEqual({ ...patient, recipient: 'escort', template: 'no-driving-escort', channel: 'sms' });
  });

  it('gives the escort copy sms and no expected reply even when the patient copy has them', () => {
    const plan = oneStep({ toEscort: true, channel: 'email', expectsReply: { within: 'PT1H', remindOnce: false } });
    const steps = planSchedule(planInput({ plan, hasEscort: true, now: longAgo }));
    expect(stepOf(steps, 'custom').expectsReply).toEqual({ within: 'PT1H', remindOnce: false });
    expect(stepOf(steps, 'custom', 'escort')).toMatchObject({ channel: 'sms', template: 'custom-escort' });
    expect(stepOf(steps, 'custom', 'escort')).not.toHaveProperty('expectsReply');
  });

  it('adds no escort copy when the event names no escort', () => {
    expect(planSchedule(planInput({ hasEscort: false })).filter((s) => s.recipient === 'escort')).toEqual([]);
  });

  it('throws a RangeError naming an invalid zone', () => {
    expect(() => planSchedule(planInput({ zone: 'Mars/Olympus_Mons' }))).toThrow(RangeError);
    expect(() => planSchedule(planInput({ zone: 'Mars/Olympus_Mons' }))).toThrow(/Mars\/Olympus_Mons/);
  });

  it('throws a RangeError for an anchor that is not an ISO time', () => {
    expect(() => planSchedule(planInput({ anchorAt: 'yesterday' }))).toThrow(RangeError);
  });
});

describe('decideSend', () => {
  // Due 17:30 in Denver (MST, UTC-7).
  function sendInput(overrides: Partial<SendInput> = {}): SendInput {
    return {
      dueAt: '2026-11-21T00:30:00.000Z', zone: denver, quietHours: defaultQuietHours, critical: false, grace: 'PT2H',
      now: at('2026-11-20T17:30:00-07:00'), ...overrides,
    };
  }

  it.each([
    { when: 'on time', now: '2026-11-20T17:30:00-07:00' },
    { when: '1 h 59 min late', now: '2026-11-20T19:29:00-07:00' },
    { when: 'exactly at the end of its grace', now: '2026-11-20T19:30:00-07:00' },
  ])('sends a job that fires $when', ({ now }) => {
    expect(decideSend(sendInput({ now: at(now) }))).toEqual({ action: 'send' });
  });

  it.each([
    { when: 'one minute past its grace', now: '2026-11-20T19:31:00-07:00', reason: '2 h 1 min late, past its 2 h grace (due 2026-11-20 17:30 America/Denver)' },
    { when: '3 days late', now: '2026-11-23T17:30:00-07:00', reason: '3 d late, past its 2 h grace (due 2026-11-20 17:30 America/Denver)' },
  ])('expires a job that fires $when, saying how late', ({ now, reason }) => {
    expect(decideSend(sendInput({ now: at(now) }))).toEqual({ action: 'expire', reason });
  });

  it('defers a late job that fires in quiet hours to 08:00 when its grace allows', () => {
    const decision = decideSend(sendInput({ dueAt: '2026-11-21T03:30:00.000Z', grace: 'PT12H', now: at('2026-11-20T21:10:00-07:00') }));
    expect(decision).toEqual({ action: 'defer', until: '2026-11-21T15:00:00.000Z', reason: 'quiet hours until 08:00 America/Denver', deferredBy: 'clinic-quiet-hours' });
  });

  it('defers when the end of quiet hours is exactly the end of its grace', () => {
    const decision = decideSend(sendInput({ dueAt: '2026-11-21T03:30:00.000Z', grace: 'PT11H30M', now: at('2026-11-20T21:10:00-07:00') }));
    expect(decision).toMatchObject({ action: 'defer', until: '2026-11-21T15:00:00.000Z' });
  });

  it('defers to 08:00 a job that quiet hours interrupted 30 min late, though 08:00 is past due + grace', () => {
    const decision = decideSend(sendInput({ dueAt: '2026-11-21T03:30:00.000Z', now: at('2026-11-20T21:10:00-07:00') }));
    expect(decision).toEqual({ action: 'defer', until: '2026-11-21T15:00:00.000Z', reason: 'quiet hours until 08:00 America/Denver', deferredBy: 'clinic-quiet-hours' });
  });

  it('expires at night a job already past its grace when quiet hours began', () => {
    const decision = decideSend(sendInput({ dueAt: '2026-11-21T01:30:00.000Z', now: at('2026-11-20T21:10:00-07:00') }));
    expect(decision).toEqual({ action: 'expire', reason: '2 h 40 min late, past its 2 h grace (due 2026-11-20 18:30 America/Denver)' });
  });

  it('counts neither the night nor its extra fall-back hour as lateness', () => {
    // Due 20:30 MDT; picked up at 08:45 MST: 13 h 15 min elapsed, 1 h 15 min of it outside quiet hours.
    const base = { dueAt: '2026-11-01T02:30:00.000Z', now: at('2026-11-01T08:45:00-07:00') };
    expect(decideSend(sendInput({ ...base, grace: 'PT2H' }))).toEqual({ action: 'send' });
    expect(decideSend(sendInput({ ...base, grace: 'PT1H' }))).toEqual({
      action: 'expire', reason: '13 h 15 min late, past its 1 h grace (due 2026-10-31 20:30 America/Denver)',
    });
  });

  it('sends a critical job at night', () => {
    expect(decideSend(sendInput({ dueAt: '2026-11-21T06:50:00.000Z', critical: true, now: at('2026-11-20T23:55:00-07:00') }))).toEqual({ action: 'send' });
  });

  it('defers a job that fires before its due time until then', () => {
    expect(decideSend(sendInput({ now: at('2026-11-20T17:29:00-07:00') }))).toMatchObject({ action: 'defer', until: '2026-11-21T00:30:00.000Z' });
  });

  it('throws a RangeError naming an invalid zone', () => {
    expect(() => decideSend(sendInput({ zone: 'America/Atlantis' }))).toThrow(/America\/Atlantis/);
    expect(() => decideSend(sendInput({ zone: 'America/Atlantis' }))).toThrow(RangeError);
  });
});

describe('inQuietHours', () => {
  it.each([
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, time: '20:59', expected: false },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, time: '21:00', expected: true },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, time: '23:59', expected: true },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, time: '00:00', expected: true },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, time: '07:59', expected: true },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, time: '08:00', expected: false },
    { quiet: '21:00..08:00', quietHours: defaultQuietHours, time: '12:00', expected: false },
    { quiet: '13:00..15:00', quietHours: afternoon, time: '12:59', expected: false },
    { quiet: '13:00..15:00', quietHours: afternoon, time: '13:00', expected: true },
    { quiet: '13:00..15:00', quietHours: afternoon, time: '14:59', expected: true },
    { quiet: '13:00..15:00', quietHours: afternoon, time: '15:00', expected: false },
    { quiet: '13:00..15:00', quietHours: afternoon, time: '23:00', expected: false },
    { quiet: '08:00..08:00', quietHours: { start: '08:00', end: '08:00' }, time: '08:00', expected: false },
    { quiet: '08:00..08:00', quietHours: { start: '08:00', end: '08:00' }, time: '03:00', expected: false },
  ])('with quiet hours $quiet, $time is quiet: $expected', ({ quietHours, time, expected }) => {
    expect(inQuietHours(at(`2026-11-20T${time}:00-07:00`), quietHours)).toBe(expected);
  });
});

describe('endOfQuietHours', () => {
  it.each([
    { name: 'a 22:30 time to 08:00 next morning', quietHours: defaultQuietHours, local: '2026-11-20T22:30:00-07:00', expected: '2026-11-21T08:00:00-07:00' },
    { name: 'a 03:00 time to 08:00 the same morning', quietHours: defaultQuietHours, local: '2026-11-21T03:00:00-07:00', expected: '2026-11-21T08:00:00-07:00' },
    { name: '21:00 exactly to 08:00 next morning', quietHours: defaultQuietHours, local: '2026-11-20T21:00:00-07:00', expected: '2026-11-21T08:00:00-07:00' },
    { name: 'a 14:00 time to 15:00 the same day', quietHours: afternoon, local: '2026-11-20T14:00:00-07:00', expected: '2026-11-20T15:00:00-07:00' },
    { name: 'a time outside quiet hours to itself', quietHours: defaultQuietHours, local: '2026-11-20T12:34:00-07:00', expected: '2026-11-20T12:34:00-07:00' },
  ])('moves $name', ({ quietHours, local, expected }) => {
    expect(endOfQuietHours(at(local), quietHours).toISO({ suppressMilliseconds: true })).toBe(expected);
  });

  it('ends at 08:00 local after the fall-back night in New York', () => {
    const end = endOfQuietHours(at('2026-10-31T22:30:00-04:00').setZone(newYork), defaultQuietHours);
    expect(end.toISO({ suppressMilliseconds: true })).toBe('2026-11-01T08:00:00-05:00');
  });
});
