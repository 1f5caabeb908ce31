import { describe, expect, it } from 'vitest';
import { clinicTexted, resolveClinics } from '../../config/clinics.ts';
import { ConfigError } from '../../lib/errors.ts';

const clinic = (id: string, smsNumbers?: string[]) => ({
  id, name: `Clinic ${id}`, phone: '+15550001111', timezone: 'America/Denver', apiKeySha256: 'a'.repeat(64),
  escalation: { contacts: [{ name: 'On-call nurse', phone: '+15550002222' }] }, ...(smsNumbers ? { smsNumbers } : {}),
});

describe('the clinic an inbound SMS was sent to', () => {
  const clinics = resolveClinics({ clinics: [clinic('first'), clinic('harbour', ['(555) 000-8888'])] });

  it.each([
    { to: '+15550008888', clinic: 'harbour', why: 'the clinic listing the number' },
    { to: '+15550007777', clinic: 'first', why: 'the first clinic of the file for a number none lists' },
    { to: undefined, clinic: 'first', why: 'the first clinic of the file when Twilio sent no To' },
  ])('is $why', ({ to, clinic: expected }) => {
    expect(clinicTexted(clinics, to).id).toBe(expected);
  });

  it('refuses a number listed by two clinics, naming both', () => {
    expect(() => resolveClinics({ clinics: [clinic('a', ['+15550008888']), clinic('b', ['+15550008888'])] }))
      .toThrow(new ConfigError("Invalid clinic file:\n  clinic b: SMS number +15550008888 is already clinic a's"));
  });
});
