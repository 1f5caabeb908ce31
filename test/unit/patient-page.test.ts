import { describe, expect, it } from 'vitest';
import { resolveClinics } from '../../config/clinics.ts';
import { patientPage } from '../../producers/http/console/patient-page.ts';
import type { PatientRecord } from '../../store/patients.ts';
import type { TimelineRow } from '../../store/timeline.ts';

// Built inline rather than from test/support/pipeline.ts, which needs the integration setup.
const clinic = resolveClinics({ clinics: [{
  id: 'clinic-a', name: 'Riverside Clinic', phone: '+15550001111', timezone: 'America/Denver', apiKeySha256: 'a'.repeat(64),
  escalation: { contacts: [{ name: 'On-call nurse', phone: '+15550002222' }] },
}] }).get('clinic-a');
if (!clinic) throw new Error('test clinic missing');

const patient: PatientRecord = {
  clinicId: 'clinic-a', id: 'p-123', firstName: 'Samwise', phone: '+15551234567', email: 'samwise@example.org', timezone: null,
  locale: 'en', channel: 'email', smsConsent: true, smsOptedOutAt: null, emailOptedOut: true,
};
const at = '2026-11-23T22:30:00.000Z';

describe('the patient page', () => {
  it('tells an email opt-out from an SMS one, on the timeline and in the facts', () => {
    const timeline: TimelineRow[] = [
      { at, kind: 'patient.opted-out', stepId: null, detail: { channel: 'email', via: 'unsubscribe link' } },
      { at, kind: 'patient.opted-out', stepId: null, detail: { cancelledSteps: 2 } },
    ];
    const page = patientPage(patient, timeline, clinic).value;
    expect(page).toContain('<strong>Patient opted out of email</strong> with the unsubscribe link of an email');
    expect(page).toContain('<strong>Patient opted out of SMS</strong>');
    expect(page).toContain('<dt>Email</dt><dd>opted out</dd>');
  });
});
