import { describe, expect, it } from 'vitest';
import { consentChangesOfEvent, consentSourceOfEvent } from '../../core/consent.ts';

const origin = (eventId: string) => ({ eventId, wordingVersion: 'w-1' });

describe('the consent changes an event brings', () => {
  it.each([
    ['evt-1', 'event'], ['fhir-enc-42-3', 'fhir'], ['hl7-MSG0001', 'hl7'],
  ])('counts event %s as from %s', (eventId, source) => {
    expect(consentSourceOfEvent(eventId)).toBe(source);
  });

  it('grants SMS and email to a new patient who consents and gives an email, under the wording version', () => {
    expect(consentChangesOfEvent(undefined, { smsConsent: true, email: 'a@example.org' }, origin('fhir-enc-1-1'))).toEqual([
      { channel: 'sms', status: 'granted', source: 'fhir', wordingVersion: 'w-1', eventId: 'fhir-enc-1-1' },
      { channel: 'email', status: 'granted', source: 'fhir', wordingVersion: 'w-1', eventId: 'fhir-enc-1-1' },
    ]);
  });

  it('records nothing when nothing changes, and a withdrawal when the clinic clears smsConsent', () => {
    expect(consentChangesOfEvent({ smsConsent: true, hasEmail: true }, { smsConsent: true, email: 'a@example.org' }, origin('evt-2'))).toEqual([]);
    expect(consentChangesOfEvent({ smsConsent: true, hasEmail: false }, { smsConsent: false }, origin('hl7-9'))).toEqual([
      { channel: 'sms', status: 'withdrawn', source: 'hl7', eventId: 'hl7-9', words: 'smsConsent: false' },
    ]);
  });

  it('grants nothing to a new patient without consent or email', () => {
    expect(consentChangesOfEvent(undefined, { smsConsent: false }, origin('evt-3'))).toEqual([]);
  });
});
