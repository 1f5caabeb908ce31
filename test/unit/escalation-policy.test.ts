import { DateTime, Duration } from 'luxon';
import { describe, expect, it } from 'vitest';
import { resolveClinics, type ClinicInput } from '../../config/clinics.ts';
import { clinicOnCall } from '../../config/on-call.ts';
import { policyRound, policyRounds, type PolicyStep } from '../../core/escalation-policy.ts';
import type { EscalationKind } from '../../core/escalation.ts';
import { ConfigError } from '../../lib/errors.ts';

// Policies: ordered notify / wait / repeat steps per kind; the ladder (with a call for urgent) where a clinic has none.

const nurse = { name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' };
const mailOnly = { name: 'Records', email: 'records@example.org' };
const manager = { name: 'Clinic manager', phone: '+15550004444', email: 'manager@example.org' };
const dana = { name: 'Dana', phone: '+15550005555', locale: 'es' as const };
const lee = { name: 'Lee', phone: '+15550006666', email: 'lee@example.org' };

function clinic(overrides: Record<string, unknown> = {}, escalation: Record<string, unknown> = {}): ClinicInput {
  return {
    id: 'clinic-t', name: 'Test Clinic', phone: '+15550001111', timezone: 'America/New_York', apiKeySha256: 'a'.repeat(64),
    escalation: { contacts: [nurse, mailOnly], lastResort: manager, renotifyAfter: 'PT5M', nextContactAfter: 'PT15M', ...escalation },
    onCall: {
      rotations: {
        primary: { handoff: 'daily', at: '08:00', startsOn: '2026-12-01', people: [dana, 'On-call nurse'] },
        backup: { handoff: 'weekly', at: '08:00', weekday: 'monday', startsOn: '2026-11-30', people: [lee] },
      },
    },
    ...overrides,
  } as ClinicInput;
}

const urgentPolicy: PolicyStep[] = [
  { notify: { rotation: 'primary' }, channels: ['voice', 'sms'] }, { wait: 'PT5M' },
  { notify: { rotation: 'backup' }, channels: ['voice', 'sms', 'email'] }, { wait: 'PT5M' },
  { repeat: 1 },
];
// 2026-12-02 is day 1 of the primary rotation: the nurse's shift (Dana has odd days off).
const now = DateTime.fromISO('2026-12-02T15:00:00Z');

function round(kind: EscalationKind, k: number, input: ClinicInput = clinic({}, { policies: { urgent: urgentPolicy } })) {
  const c = resolveClinics({ clinics: [input] }).get('clinic-t')!;
  const { people, rotations } = clinicOnCall(c);
  return policyRound({ kind, round: k, sinceRaised: Duration.fromObject({ minutes: (k - 1) * 5 }), now, policy: c.escalation.policies[kind],
    contacts: c.escalation.contacts, lastResort: c.escalation.lastResort, people, rotations, renotifyAfter: 'PT5M', nextContactAfter: 'PT15M' });
}

describe('an escalation policy', () => {
  it('calls and texts the primary on call, then the backup after the wait, then repeats once', () => {
    expect(round('urgent', 1)).toMatchObject({ recipients: [{ who: 'On-call nurse', channels: ['sms', 'voice'] }], exhausted: false });
    expect(round('urgent', 1).nextRoundAt?.diff(now).as('minutes')).toBe(5);
    expect(round('urgent', 2).recipients).toEqual([{ who: 'Lee', channels: ['sms', 'voice', 'email'] }]);
    expect(round('urgent', 3).recipients.map((r) => r.who)).toEqual(['On-call nurse']);
    expect(round('urgent', 4).recipients.map((r) => r.who)).toEqual(['Lee']);
  });

  it('raises to the last resort once it runs out, on every channel, and keeps re-notifying', () => {
    const out = round('urgent', 5);
    expect(out).toMatchObject({ recipients: [{ who: 'Clinic manager', channels: ['sms', 'voice', 'email'] }], exhausted: true });
    expect(out.nextRoundAt?.diff(now).as('minutes')).toBe(5);
    expect(round('urgent', 40).exhausted).toBe(true);
  });

  it('adds a wait that follows another to it, and treats a last notify without wait as renotifyAfter', () => {
    expect(policyRounds([{ notify: { contacts: 'all' }, channels: ['sms'] }, { wait: 'PT5M' }, { wait: 'PT10M' }, { notify: { lastResort: true }, channels: ['email'] }]))
      .toEqual({ rounds: [{ notify: [expect.anything()], wait: 'PT15M' }, { notify: [expect.anything()] }], repeat: 0 });
  });

  it('gives someone without the channel asked for what they have instead of nothing', () => {
    const input = clinic({}, { policies: { attention: [{ notify: { contacts: 'all' }, channels: ['sms'] }] } });
    expect(round('attention', 1, input).recipients).toEqual([{ who: 'On-call nurse', channels: ['sms'] }, { who: 'Records', channels: ['email'] }]);
  });
});

describe('the default policy (no policy for the kind)', () => {
  it('follows the ladder and rings an urgent contact who has a phone', () => {
    expect(round('urgent', 1, clinic()).recipients).toEqual([{ who: 'On-call nurse', channels: ['sms', 'voice', 'email'] }]);
    expect(round('attention', 1, clinic()).recipients).toEqual([{ who: 'On-call nurse', channels: ['sms', 'email'] }]);
    expect(round('review', 1, clinic()).recipients).toEqual([{ who: 'On-call nurse', channels: ['email'] }]);
  });
});

function refusal(input: ClinicInput): string {
  try {
    resolveClinics({ clinics: [input] });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('rotations and policies the service refuses at start', () => {
  it.each([
    ['a rotation with nobody', clinic({ onCall: { rotations: { primary: { handoff: 'daily', startsOn: '2026-12-01', people: [] } } } }),
      'onCall.rotations.primary.people: a rotation needs at least one person'],
    ['a rotation naming nobody known', clinic({ onCall: { rotations: { primary: { handoff: 'daily', startsOn: '2026-12-01', people: ['Ghost'] } } } }),
      'clinic clinic-t: rotation "primary" names "Ghost", who is neither an escalation contact nor a person of a rotation'],
    ['a policy naming an unknown rotation', clinic({}, { policies: { urgent: [{ notify: { rotation: 'tertiary' }, channels: ['sms'] }] } }),
      'clinic clinic-t: the urgent policy names unknown rotation "tertiary"'],
    ['a policy naming an unknown contact', clinic({}, { policies: { attention: [{ notify: { contact: 'Dr Who' }, channels: ['email'] }] } }),
      'clinic clinic-t: the attention policy names unknown contact "Dr Who"'],
    ['a person called with no phone', clinic({}, { policies: { urgent: [{ notify: { contact: 'Records' }, channels: ['voice'] }] } }),
      'clinic clinic-t: the urgent policy calls "Records", who has no phone'],
    ['a person of a called rotation with no phone', clinic({ onCall: { rotations: { primary: { handoff: 'daily', startsOn: '2026-12-01', people: ['Records'] } } } },
      { policies: { urgent: [{ notify: { rotation: 'primary' }, channels: ['voice'] }] } }),
      'clinic clinic-t: the urgent policy calls "Records", who has no phone'],
    ['an override for an unknown rotation', clinic({ onCall: { rotations: {}, overrides: [{ rotation: 'primary', who: 'Lee', from: '2026-12-04T18:00', to: '2026-12-05T08:00' }] } }),
      'clinic clinic-t: an override names unknown rotation "primary"'],
    ['an override that ends before it starts', clinic({ onCall: { rotations: { primary: { handoff: 'daily', startsOn: '2026-12-01', people: ['On-call nurse'] } },
      overrides: [{ rotation: 'primary', who: 'On-call nurse', from: '2026-12-05T08:00', to: '2026-12-04T18:00' }] } }),
      'clinic clinic-t: the override of "primary" for "On-call nurse" ends before it starts'],
    ['two contacts of one name', clinic({}, { contacts: [nurse, { ...mailOnly, name: 'On-call nurse' }] }),
      'clinic clinic-t: two escalation contacts are named "On-call nurse"; give each their own name'],
    ['repeat before the last step', clinic({}, { policies: { urgent: [{ notify: { contacts: 'all' }, channels: ['sms'] }, { repeat: 2 }, { wait: 'PT5M' }] } }),
      'clinic clinic-t: the urgent policy has "repeat" before its last step'],
  ])('refuses %s, with the reason', (_what, input, reason) => {
    expect(refusal(input)).toContain(reason);
  });

  it('names every problem in one message', () => {
    const message = refusal(clinic({}, { policies: {
      urgent: [{ notify: { rotation: 'tertiary' }, channels: ['sms'] }], review: [{ notify: { contact: 'Dr Who' }, channels: ['email'] }] } }));
    expect(message).toContain('unknown rotation "tertiary"');
    expect(message).toContain('unknown contact "Dr Who"');
  });

  it('accepts a rotation of inline people who may then acknowledge by SMS', () => {
    const c = resolveClinics({ clinics: [clinic()] }).get('clinic-t')!;
    expect([...clinicOnCall(c).people.keys()]).toEqual(['On-call nurse', 'Records', 'Clinic manager', 'Dana', 'Lee']);
  });
});
