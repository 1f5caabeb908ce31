import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { onCallAt, overrideInstant, type Override, type Rotation } from '../../core/on-call.ts';

// Hand-offs are wall-clock times in the clinic's zone: a 23- or 25-hour day moves the instant, never the person.

const daily = (zone: string, overrides: Partial<Rotation> = {}): Rotation =>
  ({ handoff: 'daily', at: '08:00', weekday: 'monday', startsOn: '2026-01-01', people: ['Ana', 'Ben', 'Cleo'], zone, ...overrides });
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const whoAt = (r: Rotation, iso: string, overrides: Override[] = []) => onCallAt(r, overrides, utc(iso));
// Days since 2026-01-01 decide the person: day n is people[n % 3].
const personOn = (date: string) => ['Ana', 'Ben', 'Cleo'][Math.round(DateTime.fromISO(date, { zone: 'utc' }).diff(DateTime.fromISO('2026-01-01', { zone: 'utc' }), 'days').days) % 3];

describe('a daily rotation across a DST change', () => {
  it('hands off at 08:00 EDT on the spring-forward day in New York, an hour earlier in UTC than the day before', () => {
    const r = daily('America/New_York');
    // 2026-03-08: clocks go 02:00 EST -> 03:00 EDT; 08:00 is 12:00Z that day, 13:00Z the day before.
    expect(whoAt(r, '2026-03-08T12:30:00Z').now).toBe(personOn('2026-03-08'));
    expect(whoAt(r, '2026-03-08T11:30:00Z').now).toBe(personOn('2026-03-07'));
    const before = whoAt(r, '2026-03-07T20:00:00Z');
    expect(before.handoffAt.toUTC().toISO()).toBe('2026-03-08T12:00:00.000Z');
    expect(before.next).toBe(personOn('2026-03-08'));
  });

  it('hands off at 08:00 EST on the fall-back day in New York, an hour later in UTC', () => {
    const r = daily('America/New_York');
    // 2026-11-01: clocks go 02:00 EDT -> 01:00 EST; 08:00 is 13:00Z that day.
    expect(whoAt(r, '2026-11-01T12:30:00Z').now).toBe(personOn('2026-10-31'));
    expect(whoAt(r, '2026-11-01T13:00:00Z').now).toBe(personOn('2026-11-01'));
    expect(whoAt(r, '2026-10-31T20:00:00Z').handoffAt.toUTC().toISO()).toBe('2026-11-01T13:00:00.000Z');
  });

  it('follows Lord Howe Island half-hour DST (+10:30 to +11 on 2026-10-04)', () => {
    const r = daily('Australia/Lord_Howe');
    // 08:00 local is 21:30Z the day before at +10:30, 21:00Z at +11.
    expect(whoAt(r, '2026-10-02T21:30:00Z').now).toBe(personOn('2026-10-03'));
    expect(whoAt(r, '2026-10-03T21:15:00Z').now).toBe(personOn('2026-10-04'));
    expect(whoAt(r, '2026-10-03T20:45:00Z').now).toBe(personOn('2026-10-03'));
    expect(whoAt(r, '2026-10-03T12:00:00Z').handoffAt.toUTC().toISO()).toBe('2026-10-03T21:00:00.000Z');
  });

  it('moves a hand-off the spring change skips (02:15 on Lord Howe) forward by the half-hour gap', () => {
    const r = daily('Australia/Lord_Howe', { at: '02:15' });
    // 02:00 -> 02:30 local: 02:15 does not exist; 02:45 +11 is 15:45Z.
    const s = whoAt(r, '2026-10-03T12:00:00Z');
    expect(s.handoffAt.toUTC().toISO()).toBe('2026-10-03T15:45:00.000Z');
    expect(s.handoffAt.toFormat('HH:mm')).toBe('02:45');
  });
});

describe('a weekly rotation', () => {
  const weekly: Rotation = { handoff: 'weekly', at: '08:00', weekday: 'monday', startsOn: '2026-03-02', people: ['Ana', 'Ben'], zone: 'America/New_York' };

  it.each([
    ['Monday 2026-03-02 09:00 EST, the first shift', '2026-03-02T14:00:00Z', 'Ana'],
    ['Sunday 2026-03-08, the spring-forward day, still the first week', '2026-03-08T20:00:00Z', 'Ana'],
    ['Monday 2026-03-09 07:30 EDT, before the hand-off', '2026-03-09T11:30:00Z', 'Ana'],
    ['Monday 2026-03-09 08:30 EDT, after it', '2026-03-09T12:30:00Z', 'Ben'],
    ['the third week', '2026-03-18T12:00:00Z', 'Ana'],
  ])('gives %s to the right person', (_when, iso, who) => {
    expect(whoAt(weekly, iso).now).toBe(who);
  });

  it('names the next person and the hand-off at 08:00 local on the next Monday', () => {
    const s = whoAt(weekly, '2026-03-05T12:00:00Z');
    expect(s).toMatchObject({ now: 'Ana', next: 'Ben' });
    expect(s.handoffAt.toUTC().toISO()).toBe('2026-03-09T12:00:00.000Z');
  });

  it('starts on the first hand-off weekday on or after startsOn', () => {
    expect(whoAt({ ...weekly, startsOn: '2026-02-26' }, '2026-03-02T14:00:00Z').now).toBe('Ana');
  });
});

describe('an override', () => {
  const r = daily('America/New_York', { people: ['Ana', 'Ben'], startsOn: '2026-12-01' });
  const dana: Override = { who: 'Dana', from: overrideInstant('2026-12-04T18:00', r.zone), to: overrideInstant('2026-12-05T08:00', r.zone) };

  it('wins while it lasts ("Dana covers Friday night"), and hands back at its end', () => {
    const night = whoAt(r, '2026-12-05T01:00:00Z', [dana]);
    expect(night.now).toBe('Dana');
    expect(night.handoffAt.toISO()).toBe('2026-12-05T08:00:00.000-05:00');
    expect(night.next).toBe('Ana');
  });

  it('is announced as next before it starts', () => {
    const evening = whoAt(r, '2026-12-04T21:00:00Z', [dana]);
    expect(evening).toMatchObject({ now: 'Ben', next: 'Dana' });
    expect(evening.handoffAt.toISO()).toBe('2026-12-04T18:00:00.000-05:00');
  });

  it('leaves the rotation alone outside its hours', () => {
    expect(whoAt(r, '2026-12-05T14:00:00Z', [dana]).now).toBe('Ana');
    expect(whoAt(r, '2026-12-06T14:00:00Z', [dana]).now).toBe('Ben');
  });
});
