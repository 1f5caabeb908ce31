import { consentChangesOfEvent, type ConsentChange } from '../core/consent.ts';
import type { ClinicEvent } from '../core/events.ts';
import { emitWebhook, type EmitDeps } from '../lib/emit-webhook.ts';
import type { Sql } from '../store/db.ts';
import { consentKey, consentOnRecord, recordConsent } from '../store/consent.ts';
import { CONSENT_WORDING_VERSION } from '../templates/consent-wording.ts';

export type PatientConsentChange = ConsentChange & { clinicId: string; patientId: string };

const via: Partial<Record<ConsentChange['source'], string>> = {
  'stop-reply': 'sms-keyword', 'start-reply': 'sms-keyword', 'unsubscribe-link': 'unsubscribe-link', console: 'console',
};

/**
 * Writes consent changes in the caller's transaction. Every change (event, START, STOP, unsubscribe
 * link, console) is written here and nowhere else, and so is its `consent.changed` webhook, with
 * `notify` given. A change the clinic's own systems sent (an event, FHIR, HL7) raises none: they know it.
 */
export async function saveConsentChanges(tx: Sql, changes: PatientConsentChange[], notify?: Omit<EmitDeps, 'db'>): Promise<void> {
  await recordConsent(tx, changes);
  if (!notify) return;
  for (const c of changes) {
    const by = via[c.source];
    if (by) await emitWebhook({ ...notify, db: tx }, { clinicId: c.clinicId, type: 'consent.changed',
      data: { patientId: c.patientId, channel: c.channel, consent: c.status === 'withdrawn' ? 'opted-out' : 'opted-in', via: by } });
  }
}

/** A grant under the wording in force now. */
export const withWording = (change: ConsentChange): ConsentChange =>
  change.status === 'granted' ? { ...change, wordingVersion: CONSENT_WORDING_VERSION } : change;

/**
 * The consent changes a batch of new events brings, from the patients rows as they stand before
 * the batch's upsert: call it in the same transaction, before `upsertPatients`.
 */
export async function saveEventConsent(tx: Sql, events: ClinicEvent[]): Promise<void> {
  const about = events.flatMap((e) => (e.type === 'plan.cancelled' ? [] : [{ clinicId: e.clinicId, eventId: e.id, patient: e.patient }]));
  if (about.length === 0) return;
  const state = await consentOnRecord(tx, about.map((a) => ({ clinicId: a.clinicId, patientId: a.patient.id })));
  const changes: PatientConsentChange[] = [];
  // In batch order, each event seeing what the one before it left (as the upsert keeps the last).
  for (const { clinicId, eventId, patient } of about) {
    const key = consentKey(clinicId, patient.id);
    for (const change of consentChangesOfEvent(state.get(key), patient, { eventId, wordingVersion: CONSENT_WORDING_VERSION }))
      changes.push({ ...change, clinicId, patientId: patient.id });
    state.set(key, { smsConsent: patient.smsConsent, hasEmail: patient.email !== undefined });
  }
  await saveConsentChanges(tx, changes);
}
