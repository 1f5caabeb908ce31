import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { anchorTimeIssue, clinicEventSchema, planAnchor, planKindOf, type PlanEvent } from '../../core/events.ts';

type Json = Record<string, unknown>;

function patient(overrides: Json = {}): Json {
  return {
    id: 'p-123',
    firstName: 'Sam',
    phone: '+15551234567',
    email: 'sam@example.org',
    timezone: 'America/Denver',
    locale: 'en',
    channel: 'sms',
    smsConsent: true,
    ...overrides,
  };
}

/** The session.completed example of the README's "Events". */
function sessionCompleted(overrides: Json = {}): Json {
  return {
    type: 'session.completed',
    id: 'evt-7f3a',
    clinicId: 'clinic-a',
    patient: patient(),
    escort: { name: 'Alex', phone: '+15557654321' },
    session: { id: 's-1', endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv' },
    ...overrides,
  };
}

function cessationStarted(overrides: Json = {}): Json {
  return {
    type: 'cessation.started',
    id: 'evt-c1',
    clinicId: 'clinic-a',
    patient: patient(),
    cessation: { id: 'c-1', lastUseAt: '2026-11-20T22:00:00-07:00' },
    ...overrides,
  };
}

function planCancelled(overrides: Json = {}): Json {
  return { type: 'plan.cancelled', id: 'evt-x1', clinicId: 'clinic-a', patientId: 'p-123', reference: 's-1', ...overrides };
}

/** Paths of the issues a rejected input raises, joined with dots. */
function issuePaths(input: unknown): string[] {
  const result = clinicEventSchema.safeParse(input);
  if (result.success) throw new Error('expected the event to be rejected');
  return result.error.issues.map((i) => i.path.join('.'));
}

function parsed(input: unknown): PlanEvent {
  const event = clinicEventSchema.parse(input);
  if (event.type === 'plan.cancelled') throw new Error('expected a plan event');
  return event;
}

describe('clinicEventSchema on the documented examples', () => {
  it('accepts session.completed with an escort, unchanged', () => {
    expect(clinicEventSchema.parse(sessionCompleted())).toEqual(sessionCompleted());
  });

  it('accepts cessation.started', () => {
    expect(clinicEventSchema.parse(cessationStarted())).toEqual(cessationStarted());
  });

  it('accepts plan.cancelled', () => {
    expect(clinicEventSchema.parse(planCancelled())).toEqual(planCancelled());
  });

  it('accepts session.completed without an escort', () => {
    const { escort: _escort, ...withoutEscort } = sessionCompleted();
    expect(clinicEventSchema.parse(withoutEscort)).not.toHaveProperty('escort');
  });

  it.each([
    { event: sessionCompleted(), kind: 'session', reference: 's-1', anchorAt: '2026-11-23T15:30:00-07:00' },
    { event: cessationStarted(), kind: 'cessation', reference: 'c-1', anchorAt: '2026-11-20T22:00:00-07:00' },
  ])('anchors a $kind plan on its own id and time', ({ event, kind, reference, anchorAt }) => {
    const plan = parsed(event);
    expect(planKindOf(plan)).toBe(kind);
    expect(planAnchor(plan)).toEqual({ reference, anchorAt });
  });
});

describe('clinicEventSchema normalisation and defaults', () => {
  it.each([
    { raw: '(303) 555-0142', e164: '+13035550142' },
    { raw: '303-555-0142', e164: '+13035550142' },
    { raw: ' +1 303 555 0142 ', e164: '+13035550142' },
    { raw: '+44 20 7946 0958', e164: '+442079460958' },
  ])('normalises patient phone $raw to $e164', ({ raw, e164 }) => {
    expect(parsed(sessionCompleted({ patient: patient({ phone: raw }) })).patient.phone).toBe(e164);
  });

  it('normalises the escort phone to E.164', () => {
    const event = clinicEventSchema.parse(sessionCompleted({ escort: { name: 'Alex', phone: '(303) 555-0199' } }));
    expect(event.type === 'session.completed' && event.escort?.phone).toBe('+13035550199');
  });

  it('defaults locale to en', () => {
    const { locale: _locale, ...rest } = patient();
    expect(parsed(sessionCompleted({ patient: rest })).patient.locale).toBe('en');
  });

  it('defaults smsConsent to false', () => {
    const { smsConsent: _consent, ...rest } = patient();
    expect(parsed(sessionCompleted({ patient: rest })).patient.smsConsent).toBe(false);
  });

  it('accepts a UTC endedAt written with Z', () => {
    const event = parsed(sessionCompleted({ session: { id: 's-1', endedAt: '2026-11-23T22:30:00Z', modality: 'im' } }));
    expect(planAnchor(event).anchorAt).toBe('2026-11-23T22:30:00Z');
  });
});

describe('clinicEventSchema rejections', () => {
  it.each([
    { case: 'an impossible phone', event: sessionCompleted({ patient: patient({ phone: '12345' }) }), path: 'patient.phone' },
    { case: 'an impossible escort phone', event: sessionCompleted({ escort: { name: 'Alex', phone: '12345' } }), path: 'escort.phone' },
    { case: 'an unknown top-level field', event: sessionCompleted({ priority: 'high' }), path: '' },
    { case: 'an unknown patient field', event: sessionCompleted({ patient: patient({ dob: '1990-01-01' }) }), path: 'patient' },
    { case: 'an unknown session field', event: sessionCompleted({ session: { id: 's-1', endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv', room: '4' } }), path: 'session' },
    { case: 'an unknown escort field', event: sessionCompleted({ escort: { name: 'Alex', phone: '+15557654321', car: 'blue' } }), path: 'escort' },
    { case: 'an unknown cessation field', event: cessationStarted({ cessation: { id: 'c-1', lastUseAt: '2026-11-20T22:00:00-07:00', dose: 1 } }), path: 'cessation' },
    { case: 'an unknown plan.cancelled field', event: planCancelled({ reason: 'moved' }), path: '' },
    { case: 'channel sms without a phone', event: sessionCompleted({ patient: patient({ phone: undefined }) }), path: 'patient.phone' },
    { case: 'channel email without an email', event: sessionCompleted({ patient: patient({ channel: 'email', email: undefined }) }), path: 'patient.email' },
    { case: 'an invalid time zone', event: sessionCompleted({ patient: patient({ timezone: 'America/Denvr' }) }), path: 'patient.timezone' },
    { case: 'endedAt without an offset', event: sessionCompleted({ session: { id: 's-1', endedAt: '2026-11-23T15:30:00', modality: 'iv' } }), path: 'session.endedAt' },
    { case: 'lastUseAt without an offset', event: cessationStarted({ cessation: { id: 'c-1', lastUseAt: '2026-11-20T22:00:00' } }), path: 'cessation.lastUseAt' },
    { case: 'an unknown modality', event: sessionCompleted({ session: { id: 's-1', endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv-drip' } }), path: 'session.modality' },
    { case: 'an unknown locale', event: sessionCompleted({ patient: patient({ locale: 'fr' }) }), path: 'patient.locale' },
    { case: 'an unknown type', event: sessionCompleted({ type: 'session.started' }), path: 'type' },
  ])('rejects $case at "$path"', ({ event, path }) => {
    expect(issuePaths(event)).toContain(path);
  });

  it.each([
    { where: 'event id', event: (id: string) => sessionCompleted({ id }), path: 'id' },
    { where: 'clinicId', event: (id: string) => sessionCompleted({ clinicId: id }), path: 'clinicId' },
    { where: 'patient id', event: (id: string) => sessionCompleted({ patient: patient({ id }) }), path: 'patient.id' },
    { where: 'session id', event: (id: string) => sessionCompleted({ session: { id, endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv' } }), path: 'session.id' },
    { where: 'plan.cancelled reference', event: (id: string) => planCancelled({ reference: id }), path: 'reference' },
  ])('rejects a $where with a colon, a space, or nothing', ({ event, path }) => {
    for (const bad of ['evt:1', 'evt 1', '', 'x'.repeat(129)]) expect(issuePaths(event(bad))).toContain(path);
  });

  it('accepts ids made of letters, digits and . _ ~ -', () => {
    expect(clinicEventSchema.parse(sessionCompleted({ id: 'Evt_2026.11~23-A' })).id).toBe('Evt_2026.11~23-A');
  });

  it('requires an email, not a phone, of a patient whose channel is email', () => {
    expect(issuePaths(sessionCompleted({ patient: patient({ channel: 'email', email: undefined }) }))).toEqual(['patient.email']);
    expect(parsed(sessionCompleted({ patient: patient({ channel: 'email', phone: undefined }) })).patient.channel).toBe('email');
  });
});

describe('anchor times a clinic can mean', () => {
  const now = DateTime.fromISO('2026-11-23T16:00:00-07:00');
  const session = (endedAt: string) => parsed(sessionCompleted({ session: { id: 's-1', endedAt, modality: 'iv' } }));
  const cessation = (lastUseAt: string) => parsed(cessationStarted({ cessation: { id: 'c-1', lastUseAt } }));
  it.each([
    ['a session that ended a minute ago', session('2026-11-23T15:59:00-07:00')],
    ['a session that ended eleven months ago', session('2025-12-30T10:00:00-07:00')],
    ['a session ending tomorrow (a clock ahead)', session('2026-11-24T10:00:00-07:00')],
    ['a last use six days ahead', cessation('2026-11-29T10:00:00-07:00')],
  ])('accepts %s', (_name, event) => {
    expect(anchorTimeIssue(event, now)).toBeUndefined();
  });
  it.each([
    ['a session that ended two years ago', session('2024-11-23T15:30:00-07:00'), 'session.endedAt', /more than a year ago/],
    ['a session in 2062 (a mistyped year)', session('2062-11-23T15:30:00-07:00'), 'session.endedAt', /more than 7 days ahead/],
    ['a last use in 1926', cessation('1926-11-20T22:00:00-07:00'), 'cessation.lastUseAt', /more than a year ago/],
  ])('refuses %s, naming the field', (_name, event, path, message) => {
    expect(anchorTimeIssue(event, now)).toEqual({ path, message: expect.stringMatching(message) });
  });
  it('has nothing to bound in a cancellation', () => {
    expect(anchorTimeIssue(clinicEventSchema.parse({ type: 'plan.cancelled', id: 'x', clinicId: 'clinic-a', patientId: 'p-1', reference: 's-1' }), now)).toBeUndefined();
  });
});
