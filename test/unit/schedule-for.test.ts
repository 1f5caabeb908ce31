import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { carePlanSchema, defaultCarePlan } from '../../core/care-plan.ts';
import { clinicEventSchema, type PlanEvent } from '../../core/events.ts';
import { defaultQuietHours, nextAllowedTime } from '../../core/quiet-hours.ts';
import { scheduleFor, type ClinicRules } from '../../core/schedule.ts';
import { zoneFor } from '../../core/time-zone.ts';

const clinic: ClinicRules = {
  timezone: 'America/Denver',
  quietHours: defaultQuietHours,
  plans: { session: defaultCarePlan('session'), cessation: defaultCarePlan('cessation') },
  treatments: { 'esketamine-nasal': carePlanSchema.parse([{ key: 'rems-observed', template: 'light-meal', after: 'PT2H' }]) },
};

function session(overrides: { timezone?: string; escort?: boolean; treatment?: string } = {}): PlanEvent {
  const event = clinicEventSchema.parse({
    type: 'session.completed',
    id: 'evt-1',
    clinicId: 'clinic-a',
    patient: { id: 'p-1', firstName: 'Sam', phone: '+15551234567', channel: 'sms', smsConsent: true,
      ...(overrides.timezone ? { timezone: overrides.timezone } : {}) },
    ...(overrides.escort ? { escort: { name: 'Alex', phone: '+15557654321' } } : {}),
    session: { id: 's-1', endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv', ...(overrides.treatment ? { treatment: overrides.treatment } : {}) },
  });
  if (event.type === 'plan.cancelled') throw new Error('expected a plan event');
  return event;
}

describe('zoneFor', () => {
  it.each([
    ['a plan: the zone it was made in', { zone: 'Europe/Madrid', timezone: 'America/New_York' }, 'Europe/Madrid'],
    ["a patient with a zone: theirs", { timezone: 'America/New_York' }, 'America/New_York'],
    ["a patient without one: the clinic's", { timezone: null }, 'America/Denver'],
    ["an event's patient without one: the clinic's", {}, 'America/Denver'],
  ])('reads %s', (_what, of, zone) => {
    expect(zoneFor(of, clinic)).toBe(zone);
  });
});

describe('nextAllowedTime', () => {
  const inZone = (iso: string) => DateTime.fromISO(iso, { zone: 'America/Denver' });

  it('moves a 22:30 message to 08:00 next morning', () => {
    const allowed = nextAllowedTime(inZone('2026-11-23T22:30'), defaultQuietHours, { critical: false });
    expect(allowed.deferred).toBe(true);
    expect(allowed.at.toISO()).toBe('2026-11-24T08:00:00.000-07:00');
  });

  it('lets a critical message go at 22:30', () => {
    const allowed = nextAllowedTime(inZone('2026-11-23T22:30'), defaultQuietHours, { critical: true });
    expect(allowed).toMatchObject({ deferred: false });
    expect(allowed.at.toISO()).toBe('2026-11-23T22:30:00.000-07:00');
  });

  it('lets a 10:00 message go at 10:00', () => {
    expect(nextAllowedTime(inZone('2026-11-23T10:00'), defaultQuietHours, { critical: false }).deferred).toBe(false);
  });
});

describe('scheduleFor', () => {
  const now = DateTime.fromISO('2026-11-23T15:30:00-07:00');

  it("plans a session in the patient's zone, keyed by the session", () => {
    const planned = scheduleFor(session({ timezone: 'America/New_York' }), clinic, now);
    expect(planned).toMatchObject({ kind: 'session', reference: 's-1', anchorAt: '2026-11-23T15:30:00-07:00', zone: 'America/New_York' });
    expect(planned.steps.map((s) => s.key)).toEqual(['no-driving', 'light-meal', 'checkin-24h']);
  });

  it("plans in the clinic's zone when the patient has none, with the escort's copy when one is named", () => {
    const planned = scheduleFor(session({ escort: true }), clinic, now);
    expect(planned.zone).toBe('America/Denver');
    expect(planned.steps.filter((s) => s.recipient === 'escort').map((s) => s.template)).toEqual(['no-driving-escort']);
  });

  it("follows the treatment's own plan when the clinic has one", () => {
    const planned = scheduleFor(session({ treatment: 'esketamine-nasal' }), clinic, now);
    expect(planned.steps.map((s) => s.key)).toEqual(['rems-observed']);
  });
});
