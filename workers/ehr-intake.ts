import type { Clinic, Clinics } from '../config/clinics.ts';
import { mapEncounter, mapMedicationStopped, type Mapping } from '../core/fhir-mapping.ts';
import { referencedId } from '../core/fhir-resources.ts';
import { acceptMapped } from '../lib/accept-mapped.ts';
import { fhirReader, type FhirReader } from '../lib/fhir-reader.ts';
import type { Logger } from '../lib/logger.ts';
import { FhirReadError } from '../lib/smart-token.ts';
import type { Db } from '../store/db.ts';
import { loadEhrNotification, settleEhrNotification, type EhrNotification } from '../store/ehr-notifications.ts';

import type { AcceptEvent } from '../lib/accept-mapped.ts';

export type { AcceptEvent };

export interface EhrIntakeDeps {
  db: Db;
  clinics: Clinics;
  log: Logger;
  accept: AcceptEvent;
  /** Tests and callers may give a reader; by default one per clinic's FHIR settings. */
  readerFor?: (clinic: Clinic) => FhirReader | undefined;
}

interface StoredFhirBody {
  focus: string;
  resource?: unknown;
}

const readers = new WeakMap<object, FhirReader>();
function defaultReader(clinic: Clinic): FhirReader | undefined {
  const settings = clinic.ehr?.fhir;
  if (!settings) return undefined;
  let reader = readers.get(settings);
  if (!reader) readers.set(settings, (reader = fhirReader(settings)));
  return reader;
}

const consent = (clinic: Clinic) => (clinic.ehr?.smsConsent ?? 'mobile-on-file') === 'mobile-on-file';

/** Reads what a notification's focus needs (the resource itself unless the payload carried it) and maps it. */
async function mapFhir(reader: FhirReader, clinic: Clinic, body: StoredFhirBody): Promise<Mapping> {
  const [type] = body.focus.split('/');
  if (type === 'Encounter') {
    const encounterId = body.focus.split('/')[1]!;
    // One search brings the Encounter and its Patient (`_include`); the full-resource payload already has the first.
    const found = await reader.search('Encounter', { _id: encounterId, _include: 'Encounter:subject' });
    const encounter = body.resource ?? found.find((r) => isType(r, 'Encounter'));
    if (!encounter) throw new FhirReadError('not-found', `${body.focus} is not on the clinic's FHIR server`);
    const patientId = referencedId((encounter as { subject?: { reference?: string } }).subject, 'Patient');
    const patient = found.find((r) => isType(r, 'Patient')) ?? (patientId ? await reader.read(`Patient/${patientId}`) : undefined);
    const [administered, related] = await Promise.all([
      reader.search('MedicationAdministration', { context: body.focus, _include: 'MedicationAdministration:medication' }),
      patientId ? reader.search('RelatedPerson', { patient: `Patient/${patientId}` }) : Promise.resolve([]),
    ]);
    return mapEncounter({
      clinicId: clinic.id, encounter, patient,
      administrations: administered.filter((r) => isType(r, 'MedicationAdministration')),
      medications: administered.filter((r) => isType(r, 'Medication')),
      relatedPersons: related, smsConsent: consent(clinic),
    });
  }
  if (type === 'MedicationStatement' || type === 'MedicationRequest') {
    const resource = body.resource ?? (await reader.read(body.focus));
    const patientId = referencedId((resource as { subject?: { reference?: string } }).subject, 'Patient');
    const patient = patientId ? await reader.read(`Patient/${patientId}`) : undefined;
    const medId = referencedId((resource as { medicationReference?: { reference?: string } }).medicationReference, 'Medication');
    const medications = medId ? [await reader.read(`Medication/${medId}`)] : [];
    return mapMedicationStopped({ clinicId: clinic.id, resource, patient, medications, smsConsent: consent(clinic) });
  }
  return { kind: 'ignored', reason: `${type} notifications start no plan` };
}

const isType = (r: unknown, type: string) => typeof r === 'object' && r !== null && (r as { resourceType?: unknown }).resourceType === type;

/**
 * One stored notification: fetch, map, accept. A passing failure (the EHR down) throws so the job
 * retries with backoff; on the last attempt the notification is marked failed with the reason,
 * and stays stored for an operator to see and retry.
 */
export async function takeEhrNotification(deps: EhrIntakeDeps, notificationId: string, attempt: { final: boolean }): Promise<string> {
  const n = await loadEhrNotification(deps.db, notificationId);
  if (!n || (n.status !== 'received' && n.status !== 'failed')) return n?.status ?? 'missing';
  const clinic = deps.clinics.get(n.clinicId);
  const ids = { clinicId: n.clinicId, notificationId: n.id };
  try {
    const outcome = await intake(deps, n, clinic);
    await settleEhrNotification(deps.db, n.id, outcome);
    deps.log.info({ ...ids, status: outcome.status, reason: outcome.reason }, 'ehr notification mapped');
    return outcome.status;
  } catch (err) {
    const reason = err instanceof FhirReadError ? `${err.code}: ${err.message}` : `fhir-unreachable: ${(err as Error).message}`;
    const final = attempt.final || (err instanceof FhirReadError && err.code === 'not-found');
    await settleEhrNotification(deps.db, n.id, { status: final ? 'failed' : 'received', reason });
    deps.log.warn({ ...ids, final, err: (err as Error).message }, 'ehr notification not mapped yet');
    if (final) return 'failed';
    throw err;
  }
}

async function intake(deps: EhrIntakeDeps, n: EhrNotification, clinic: Clinic | undefined) {
  if (!clinic) return { status: 'unmapped' as const, reason: `clinic ${n.clinicId} is not configured` };
  const reader = (deps.readerFor ?? defaultReader)(clinic);
  if (!reader) return { status: 'unmapped' as const, reason: `clinic ${clinic.id} has no FHIR base URL to read from` };
  return acceptMapped(deps, await mapFhir(reader, clinic, n.body as StoredFhirBody));
}
