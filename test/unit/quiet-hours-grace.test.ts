import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { defaultQuietHours, wakingMillisBetween, type QuietHours } from '../../core/quiet-hours.ts';
import { decideSend } from '../../core/schedule.ts';

// Quiet hours pause a step's grace: the night never makes a message late, and never makes one go out.

type SendInput = Parameters<typeof decideSend>[0];
const at = (iso: string): DateTime => DateTime.fromISO(iso, { setZone: true });
const utc = (iso: string): string => at(iso).toUTC().toISO() ?? '';
const afternoon: QuietHours = { start: '13:00', end: '15:00' };

/** A check-in (grace 2 h, not critical) due `due` local time, its job picked up at `now`. */
function checkin(due: string, now: string, overrides: Partial<SendInput> = {}): SendInput {
  const zone = overrides.zone ?? 'America/Denver';
  return { dueAt: utc(due), zone, quietHours: defaultQuietHours, critical: false, grace: 'PT2H', now: at(now), ...overrides };
}

describe('a step that meets quiet hours', () => {
  it.each([
    { zone: 'America/Denver', due: '2026-11-20T20:59:30-07:00', now: '2026-11-20T21:00:01-07:00', until: '2026-11-21T08:00:00-07:00' },
    { zone: 'Asia/Kathmandu', due: '2026-11-20T20:59:30+05:45', now: '2026-11-20T21:00:01+05:45', until: '2026-11-21T08:00:00+05:45' },
    { zone: 'Pacific/Kiritimati', due: '2026-11-20T20:59:30+14:00', now: '2026-11-20T21:00:01+14:00', until: '2026-11-21T08:00:00+14:00' },
  ])('moves a check-in due 20:59:30 and picked up at 21:00:01 to 08:00 ($zone), as if planned for 21:00', ({ zone, due, now, until }) => {
    expect(decideSend(checkin(due, now, { zone }))).toEqual({ action: 'defer', until: utc(until), reason: `quiet hours until 08:00 ${zone}`, deferredBy: 'clinic-quiet-hours' });
  });

  it('moves it to 08:00 when its job comes back at 07:59 after a night-long outage', () => {
    expect(decideSend(checkin('2026-11-20T20:59:30-07:00', '2026-11-21T07:59:00-07:00'))).toMatchObject({ action: 'defer', until: utc('2026-11-21T08:00:00-07:00') });
  });

  it.each([
    { now: '2026-11-21T08:01:00-07:00', expected: { action: 'send' } },
    { now: '2026-11-21T09:59:29-07:00', expected: { action: 'send' } },
    { now: '2026-11-21T10:00:01-07:00', expected: { action: 'expire', reason: '13 h late, past its 2 h grace (due 2026-11-20 20:59 America/Denver)' } },
  ])('after a night-long outage, at $now counts only the waking time since it was due', ({ now, expected }) => {
    expect(decideSend(checkin('2026-11-20T20:59:30-07:00', now))).toEqual(expected);
  });

  it('waits for 08:00 across the fall-back night, and for 08:00 across the spring-forward night', () => {
    expect(decideSend(checkin('2026-10-31T20:59:30-06:00', '2026-10-31T21:00:01-06:00'))).toMatchObject({ action: 'defer', until: utc('2026-11-01T08:00:00-07:00') });
    expect(decideSend(checkin('2026-03-07T20:59:30-07:00', '2026-03-07T21:00:01-07:00'))).toMatchObject({ action: 'defer', until: utc('2026-03-08T08:00:00-06:00') });
  });

  it('counts the waking time either side of a spring-forward night', () => {
    // 20:30 MST to 08:45 MDT: 11 h 15 min elapsed, 1 h 15 min of it outside quiet hours.
    const base = checkin('2026-03-07T20:30:00-07:00', '2026-03-08T08:45:00-06:00');
    expect(decideSend(base)).toEqual({ action: 'send' });
    expect(decideSend({ ...base, grace: 'PT1H' })).toEqual({ action: 'expire', reason: '11 h 15 min late, past its 1 h grace (due 2026-03-07 20:30 America/Denver)' });
  });

  it('counts elapsed time for a critical step, which quiet hours never hold back', () => {
    const late = checkin('2026-11-20T20:00:00-07:00', '2026-11-21T00:30:00-07:00', { critical: true, grace: 'PT4H' });
    expect(decideSend(late)).toEqual({ action: 'expire', reason: '4 h 30 min late, past its 4 h grace (due 2026-11-20 20:00 America/Denver)' });
    expect(decideSend({ ...late, now: at('2026-11-20T23:55:00-07:00') })).toEqual({ action: 'send' });
  });

  it('pauses the grace over afternoon quiet hours too', () => {
    const due = '2026-11-20T12:30:00-07:00';
    expect(decideSend(checkin(due, '2026-11-20T15:20:00-07:00', { quietHours: afternoon, grace: 'PT1H' }))).toEqual({ action: 'send' });
    expect(decideSend(checkin(due, '2026-11-20T15:45:00-07:00', { quietHours: afternoon, grace: 'PT1H' }))).toMatchObject({ action: 'expire' });
  });
});

describe('wakingMillisBetween', () => {
  const minutes = (n: number) => n * 60_000;
  it.each([
    { name: 'a span inside waking hours', from: '2026-11-20T10:00:00-07:00', to: '2026-11-20T11:30:00-07:00', expected: minutes(90) },
    { name: 'a span over one night', from: '2026-11-20T20:30:00-07:00', to: '2026-11-21T08:30:00-07:00', expected: minutes(60) },
    { name: 'a span inside quiet hours', from: '2026-11-20T22:00:00-07:00', to: '2026-11-21T07:00:00-07:00', expected: 0 },
    { name: 'three days', from: '2026-11-20T08:00:00-07:00', to: '2026-11-23T08:00:00-07:00', expected: minutes(3 * 13 * 60) },
  ])('counts $name', ({ from, to, expected }) => {
    expect(wakingMillisBetween(at(from).setZone('America/Denver'), at(to), defaultQuietHours, Number.POSITIVE_INFINITY)).toBe(expected);
  });

  it('counts elapsed time when there are no quiet hours', () => {
    expect(wakingMillisBetween(at('2026-11-20T22:00:00-07:00'), at('2026-11-21T07:00:00-07:00'), { start: '00:00', end: '00:00' }, 0)).toBe(minutes(540));
  });

  it('stops counting a long span once past the limit, and gives up on quiet hours that leave a minute a day', () => {
    expect(wakingMillisBetween(at('2026-01-01T08:00:00-07:00'), at('2027-01-01T08:00:00-07:00'), defaultQuietHours, minutes(60))).toBeLessThan(minutes(14 * 60));
    expect(wakingMillisBetween(at('2026-01-01T08:00:00-07:00'), at('2028-01-01T08:00:00-07:00'), { start: '00:01', end: '00:00' }, minutes(60 * 24 * 30)))
      .toBe(Number.POSITIVE_INFINITY);
  });
});
