import { describe, expect, it } from 'vitest';
import { mapEncounter, mapMedicationStopped } from '../../core/fhir-mapping.ts';
import { parseNotification } from '../../core/fhir-notification.ts';
import { hl7Instant, mapHl7, type Hl7Segments } from '../../core/hl7-mapping.ts';
import { drugOf, rxnormSystem, treatmentOf } from '../../core/treatment.ts';
import { fhirAdministration, fhirEncounter, fhirEscort, fhirPatient, notificationBundle } from '../support/fhir-fixtures.ts';

const facts = (overrides: Record<string, unknown> = {}) => ({
  clinicId: 'clinic-a', encounter: { ...fhirEncounter({ period: { end: '2026-11-23T15:30:00-07:00' } }), meta: { versionId: '3' } },
  patient: fhirPatient(), administrations: [fhirAdministration('ketamine-iv')], relatedPersons: [fhirEscort()], smsConsent: true, ...overrides,
});

describe('mapping FHIR resources to events', () => {
  it('makes a finished Encounter a session.completed keyed by the Encounter and its version', () => {
    expect(mapEncounter(facts())).toEqual({ kind: 'event', event: {
      type: 'session.completed', id: 'fhir-enc-enc-1-v3', clinicId: 'clinic-a',
      patient: { id: 'pat-1', firstName: 'Samwise', phone: '+15551234567', email: 'samwise@example.org', locale: 'en', channel: 'sms', smsConsent: true },
      escort: { name: 'Rosie Cotton', phone: '+15557654321' },
      session: { id: 'enc-enc-1', endedAt: '2026-11-23T22:30:00.000Z', modality: 'iv', treatment: 'ketamine-iv' },
    } });
  });

  it.each([
    ['cancelled', 'plan.cancelled'],
    ['entered-in-error', 'plan.cancelled'],
  ])('makes a %s Encounter a %s of its session', (status, type) => {
    const mapped = mapEncounter(facts({ encounter: fhirEncounter({ status: status as 'cancelled' }) }));
    expect(mapped).toMatchObject({ kind: 'event', event: { type, patientId: 'pat-1', reference: 'enc-enc-1' } });
  });

  it.each([
    [{ encounter: fhirEncounter({ status: 'in-progress' }) }, 'ignored', 'Encounter/enc-1 is in-progress, not finished'],
    [{ encounter: fhirEncounter({ period: { start: '2026-11-23' } }) }, 'unmapped', 'Encounter/enc-1 is finished but has no period.end with a time'],
    [{ patient: fhirPatient({ telecom: [] }) }, 'unmapped', 'patient pat-1 has neither a mobile phone nor an email'],
    [{ patient: fhirPatient({ name: [{ family: 'Gamgee' }] }) }, 'unmapped', 'patient pat-1 has no given name'],
    [{ patient: undefined }, 'unmapped', 'Patient/pat-1 of Encounter/enc-1 could not be read'],
  ])('records why an Encounter makes no event (%#)', (overrides, kind, reason) => {
    expect(mapEncounter(facts(overrides))).toEqual({ kind, reason });
  });

  it('reads Spanish from the preferred communication language, and esketamine from its RxNorm code', () => {
    const mapped = mapEncounter(facts({
      patient: fhirPatient({ communication: [{ language: { coding: [{ code: 'es-MX' }] }, preferred: true }] }),
      administrations: [fhirAdministration('esketamine-nasal')],
    }));
    expect(mapped).toMatchObject({ event: { patient: { locale: 'es' }, session: { treatment: 'esketamine-nasal', modality: 'intranasal' } } });
  });

  it('makes a stopped ketamine MedicationStatement a cessation.started', () => {
    const resource = { resourceType: 'MedicationStatement', id: 'ms-1', status: 'stopped', subject: { reference: 'Patient/pat-1' },
      medicationCodeableConcept: { coding: [{ system: rxnormSystem, code: '6130' }] }, effectivePeriod: { end: '2026-12-01T09:00:00-07:00' } };
    expect(mapMedicationStopped({ clinicId: 'clinic-a', resource, patient: fhirPatient(), smsConsent: true }))
      .toMatchObject({ kind: 'event', event: { type: 'cessation.started', id: 'fhir-ms-ms-1-stopped', cessation: { id: 'ms-ms-1', lastUseAt: '2026-12-01T16:00:00.000Z' } } });
  });
});

describe('reading drugs and routes', () => {
  it.each([
    [[{ system: rxnormSystem, code: '6130' }], 'ketamine'],
    [[{ system: rxnormSystem, code: '2201625' }], 'esketamine'],
    [[{ display: 'Spravato 28 mg' }], 'esketamine'],
    [[{ system: rxnormSystem, code: '197591' }], undefined],
  ])('%j is %s', (codings, drug) => expect(drugOf(codings)).toBe(drug));

  it.each([
    ['47625008', 'ketamine-iv'], ['78421000', 'ketamine-im'], ['26643006', 'ketamine-oral'], ['999', undefined],
  ])('ketamine by SNOMED route %s is %s', (code, treatment) => expect(treatmentOf('ketamine', [{ code }])).toBe(treatment));
});

describe('parsing Subscription notifications', () => {
  it('reads the type, subscription, event number and focus of an R4 backport bundle', () => {
    const n = parseNotification(notificationBundle({ type: 'event-notification', eventNumber: 7, focus: 'Encounter/enc-1', resource: fhirEncounter() }));
    expect(n).toMatchObject({ type: 'event-notification', subscription: 'Subscription/sub-1', events: [{ eventNumber: '7', focus: 'Encounter/enc-1' }] });
    expect('resources' in n && n.resources.has('Encounter/enc-1')).toBe(true);
  });

  it('reads an R4B SubscriptionStatus', () => {
    const bundle = { resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'SubscriptionStatus', type: 'event-notification',
      subscription: { reference: 'Subscription/s' }, notificationEvent: [{ eventNumber: '2', focus: { reference: 'Encounter/e/_history/4' } }] } }] };
    expect(parseNotification(bundle)).toMatchObject({ events: [{ eventNumber: '2', focus: 'Encounter/e' }] });
  });

  it('says why a searchset is not a notification', () => {
    expect(parseNotification({ resourceType: 'Bundle', type: 'searchset', entry: [] })).toEqual({ error: 'a notification is a Bundle of type history' });
  });
});

describe('mapping HL7v2 messages', () => {
  const msh = (type: string) => [[], [['|']], [['^~\\&']], [['EPIC']], [['RIVERSIDE']], [], [], [], [], [type.split('^')], [['C1']]];
  const pid = [[], [['1']], [], [['MRN 1', '', '', 'RIV']], [], [['Gamgee', 'Samwise']], [], [], [], [], [], [], [], [['', 'PRN', 'CP', '', '', '555', '1234567']]];
  it('reads the end of a completed appointment in the clinic zone when it has no offset', () => {
    const sch = Array.from({ length: 26 }, () => [] as string[][]);
    sch[2] = [['A1']];
    sch[11] = [['', '', '', '202611231430', '202611231530']];
    sch[25] = [['Complete']];
    const m: Hl7Segments = { MSH: [msh('SIU^S14')], SCH: [sch], PID: [pid] };
    expect(mapHl7(m, { clinicId: 'clinic-a', zone: 'America/Denver', smsConsent: true })).toMatchObject({ kind: 'event', event: {
      id: 'hl7-C1', patient: { id: 'MRN-1', phone: '+15551234567' }, session: { id: 'appt-A1', endedAt: '2026-11-23T22:30:00.000Z' },
    } });
  });

  it.each([
    ['20261123153000-0700', '2026-11-23T22:30:00.000Z'],
    ['20261123', undefined],
  ])('reads HL7 time %s as %s', (ts, iso) => expect(hl7Instant(ts, 'UTC')).toBe(iso));
});
