import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clinicEventSchema } from '../../core/events.ts';

const valid = {
  type: 'session.completed', id: 'evt-1', clinicId: 'clinic-a',
  patient: { id: 'p-1', firstName: 'Sam', phone: '+15551234567', email: 'sam@example.org', timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true },
  escort: { name: 'Alex', phone: '+15557654321' },
  session: { id: 's-1', endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv' },
};

describe('event validation on any input', () => {
  it('never throws, whatever arrives', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      expect(() => clinicEventSchema.safeParse(input)).not.toThrow();
    }), { numRuns: 500 });
  });

  it('never throws on JSON-shaped input with the right type tag', () => {
    const type = fc.constantFrom('session.completed', 'cessation.started', 'plan.cancelled');
    fc.assert(fc.property(type, fc.dictionary(fc.string(), fc.jsonValue()), (t, rest) => {
      const result = clinicEventSchema.safeParse({ ...rest, type: t });
      expect(typeof result.success).toBe('boolean');
    }), { numRuns: 500 });
  });

  it('rejects an unknown field added at any level of a valid event', () => {
    const where = fc.constantFrom<Array<keyof typeof valid | null>>([null], ['patient'], ['escort'], ['session']);
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((n) => !['type', 'id', 'clinicId', 'patient', 'escort', 'session',
      'firstName', 'phone', 'email', 'timezone', 'locale', 'channel', 'smsConsent', 'name', 'endedAt', 'modality', '__proto__'].includes(n));
    fc.assert(fc.property(where, name, fc.jsonValue(), ([level], key, value) => {
      const event: Record<string, unknown> = structuredClone(valid);
      const target = level ? (event[level] as Record<string, unknown>) : event;
      target[key] = value;
      expect(clinicEventSchema.safeParse(event).success).toBe(false);
    }), { numRuns: 300 });
  });

  it('accepts the valid event whatever valid id it carries', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9._~-]{1,128}$/), (id) => {
      expect(clinicEventSchema.safeParse({ ...valid, id }).success).toBe(true);
    }), { numRuns: 200 });
  });
});
