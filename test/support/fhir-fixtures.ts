import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Encounter, MedicationAdministration, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { exportPKCS8, generateKeyPair, type CryptoKey } from 'jose';

// Real FHIR R4 resources (typed by @medplum/fhirtypes, validated by the test FHIR server).

export const rxnorm = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const snomed = 'http://snomed.info/sct';

export function fhirPatient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient', id: 'pat-1',
    name: [{ use: 'official', given: ['Samwise'], family: 'Gamgee' }],
    telecom: [{ system: 'phone', value: '+15551234567', use: 'mobile' }, { system: 'email', value: 'samwise@example.org' }],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] }, preferred: true }],
    ...overrides,
  };
}

export function fhirEncounter(overrides: Partial<Encounter> = {}): Encounter {
  return {
    resourceType: 'Encounter', id: 'enc-1', status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    subject: { reference: 'Patient/pat-1' },
    period: { start: new Date(Date.now() - 3_600_000).toISOString(), end: new Date().toISOString() },
    ...overrides,
  };
}

/** Ketamine IV (RxNorm 6130, SNOMED route 47625008) or esketamine nasal spray (RxNorm 2201623, route 46713006). */
export function fhirAdministration(drug: 'ketamine-iv' | 'esketamine-nasal', overrides: Partial<MedicationAdministration> = {}): MedicationAdministration {
  const [code, display, route, routeDisplay] = drug === 'ketamine-iv'
    ? ['6130', 'ketamine', '47625008', 'Intravenous route']
    : ['2201623', 'esketamine Nasal Spray', '46713006', 'Nasal route'];
  return {
    resourceType: 'MedicationAdministration', id: `ma-${drug}`, status: 'completed',
    medicationCodeableConcept: { coding: [{ system: rxnorm, code, display }] },
    subject: { reference: 'Patient/pat-1' }, context: { reference: 'Encounter/enc-1' },
    effectiveDateTime: new Date().toISOString(),
    dosage: {
      route: { coding: [{ system: snomed, code: route, display: routeDisplay }] },
      dose: { value: drug === 'ketamine-iv' ? 35 : 56, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
    },
    ...overrides,
  };
}

export function fhirEscort(overrides: Partial<RelatedPerson> = {}): RelatedPerson {
  return {
    resourceType: 'RelatedPerson', id: 'rp-1', active: true, patient: { reference: 'Patient/pat-1' },
    name: [{ given: ['Rosie'], family: 'Cotton' }],
    telecom: [{ system: 'phone', value: '+15557654321', use: 'mobile' }],
    ...overrides,
  };
}

/** An R4 Subscriptions Backport notification Bundle; `resource` makes it a full-resource payload. */
export function notificationBundle(options: { type: 'handshake' | 'heartbeat' | 'event-notification'; eventNumber?: number; focus?: string; resource?: unknown; subscription?: string }): Bundle {
  const subscription = options.subscription ?? 'https://ehr.example.org/fhir/r4/Subscription/sub-1';
  const event = options.focus
    ? [{ name: 'notification-event', part: [
        { name: 'event-number', valueString: String(options.eventNumber ?? 1) },
        { name: 'timestamp', valueInstant: new Date().toISOString() },
        { name: 'focus', valueReference: { reference: `https://ehr.example.org/fhir/r4/${options.focus}` } },
      ] }]
    : [];
  return {
    resourceType: 'Bundle', id: `n-${Math.random().toString(36).slice(2)}`, type: 'history', timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: 'urn:uuid:5c2f7d14-0d8c-4a8e-9f41-3a0b2c1d9e77',
        resource: { resourceType: 'Parameters', parameter: [
          { name: 'subscription', valueReference: { reference: subscription } },
          { name: 'topic', valueCanonical: 'http://hl7.org/fhir/us/core/SubscriptionTopic/encounter-complete' },
          { name: 'status', valueCode: 'active' },
          { name: 'type', valueCode: options.type },
          { name: 'events-since-subscription-start', valueString: String(options.eventNumber ?? 0) },
          ...event,
        ] },
        request: { method: 'GET', url: `${subscription}/$status` },
        response: { status: '200' },
      },
      ...(options.resource ? [{ fullUrl: `https://ehr.example.org/fhir/r4/${options.focus}`, resource: options.resource as Encounter, request: { method: 'PUT' as const, url: options.focus ?? '' }, response: { status: '200' } }] : []),
    ],
  };
}

/** An RS384 key pair; the private key as the PKCS#8 file the clinic settings name. */
export async function smartClientKeys(): Promise<{ publicKey: CryptoKey; privateKeyFile: string; dir: string }> {
  const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-ehr-'));
  const privateKeyFile = join(dir, 'smart-client.pem');
  writeFileSync(privateKeyFile, await exportPKCS8(privateKey), { mode: 0o600 });
  return { publicKey, privateKeyFile, dir };
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
