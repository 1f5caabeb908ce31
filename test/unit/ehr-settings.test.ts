import { describe, expect, it } from 'vitest';
import { resolveClinics } from '../../config/clinics.ts';
import { ConfigError } from '../../lib/errors.ts';
import { testClinic } from '../support/pipeline.ts';

const sha = 'a'.repeat(64);
const fhir = (overrides: Record<string, unknown> = {}) => ({
  baseUrl: 'https://ehr.example.org/fhir/r4/',
  auth: { method: 'bearer' as const, tokenFile: new URL(import.meta.url).pathname },
  notifications: { method: 'bearer' as const, tokenSha256: sha },
  ...overrides,
});
const refused = (clinic: unknown) => {
  try {
    resolveClinics({ clinics: [clinic] });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'accepted';
};

describe('EHR settings in the clinic file', () => {
  it('accepts FHIR and HL7 settings, and ships the esketamine plan for every clinic', () => {
    const clinic = resolveClinics({ clinics: [testClinic({ ehr: { fhir: fhir(), hl7: { sendingFacility: 'RIVERSIDE' } } })] }).get('clinic-a')!;
    expect(clinic.ehr?.fhir?.baseUrl).toBe('https://ehr.example.org/fhir/r4');
    expect(clinic.ehr?.smsConsent).toBe('mobile-on-file');
    expect(clinic.treatments['esketamine-nasal']?.[0]?.template).toBe('no-driving-esketamine');
  });

  it.each([
    [{ ehr: { fhir: fhir({ auth: { method: 'bearer', tokenFile: '/nonexistent/token' } }) } }, 'ehr.fhir.auth.tokenFile: cannot read secret file /nonexistent/token'],
    [{ ehr: { fhir: fhir({ baseUrl: 'ftp://ehr' }) } }, 'ehr.fhir.baseUrl'],
    [{ ehr: { fhir: fhir({ notifications: { method: 'bearer', tokenSha256: 'short' } }) } }, 'ehr.fhir.notifications.tokenSha256: expected the hex SHA-256 of the token'],
    [{ ehr: { hl7: { sendingFacility: '' } } }, 'ehr.hl7.sendingFacility'],
    [{ treatments: { 'esketamine-nasal': [{ key: 'x', template: 'nope', after: 'PT0S' }] } }, 'treatments.esketamine-nasal.0.template: names missing template "nope"'],
    [{ treatments: { 'ketamine-xx': [{ key: 'x', template: 'no-driving', after: 'PT0S' }] } }, 'treatments'],
  ])('refuses a clinic at start with the reason (%#)', (overrides, reason) => {
    expect(refused(testClinic(overrides as never))).toContain(reason);
  });
});
