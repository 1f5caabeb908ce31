import type { Channel } from '../core/care-plan.ts';
import type { ConsentChange, ConsentOnRecord, ConsentSource, ConsentStatus } from '../core/consent.ts';
import type { Sql } from './db.ts';

export interface ConsentRecord extends ConsentChange {
  at: Date;
}

/** Appends consent changes, each for one patient; in list order, so the history reads as they happened. */
export async function recordConsent(sql: Sql, changes: Array<ConsentChange & { clinicId: string; patientId: string }>): Promise<void> {
  if (changes.length === 0) return;
  const col = <T>(f: (c: (typeof changes)[number]) => T) => changes.map(f);
  await sql.query(
    `INSERT INTO consent_records (clinic_id, patient_id, channel, status, source, words, wording_version, by_staff, event_id)
     SELECT clinic_id, patient_id, channel, status, source, words, wording_version, by_staff, event_id
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY
       AS x (clinic_id, patient_id, channel, status, source, words, wording_version, by_staff, event_id, n)
     ORDER BY n`,
    [col((c) => c.clinicId), col((c) => c.patientId), col((c) => c.channel), col((c) => c.status), col((c) => c.source),
      col((c) => c.words ?? null), col((c) => c.wordingVersion ?? null), col((c) => c.by ?? null), col((c) => c.eventId ?? null)],
  );
}

/** A patient's consent history, oldest first (newest last). */
export async function consentHistory(sql: Sql, clinicId: string, patientId: string, limit = 500): Promise<ConsentRecord[]> {
  const rows = await sql.query<{ channel: Channel; status: ConsentStatus; source: ConsentSource; words: string | null; wording_version: string | null;
    by_staff: string | null; event_id: string | null; at: Date }>(
    `SELECT channel, status, source, words, wording_version, by_staff, event_id, at FROM consent_records
     WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id LIMIT $3`,
    [clinicId, patientId, limit],
  );
  return rows.map((r) => ({
    channel: r.channel, status: r.status, source: r.source, at: r.at,
    ...(r.words ? { words: r.words } : {}), ...(r.wording_version ? { wordingVersion: r.wording_version } : {}),
    ...(r.by_staff ? { by: r.by_staff } : {}), ...(r.event_id ? { eventId: r.event_id } : {}),
  }));
}

/** What the patients rows say now about consent, for the events about to change them (read before the upsert, in its transaction). */
export async function consentOnRecord(sql: Sql, patients: Array<{ clinicId: string; patientId: string }>): Promise<Map<string, ConsentOnRecord>> {
  if (patients.length === 0) return new Map();
  const rows = await sql.query<{ clinic_id: string; id: string; sms_consent: boolean; has_email: boolean }>(
    `SELECT p.clinic_id, p.id, p.sms_consent, p.email IS NOT NULL AS has_email
     FROM patients p JOIN unnest($1::text[], $2::text[]) AS x (clinic_id, id) USING (clinic_id, id)`,
    [patients.map((p) => p.clinicId), patients.map((p) => p.patientId)],
  );
  return new Map(rows.map((r) => [consentKey(r.clinic_id, r.id), { smsConsent: r.sms_consent, hasEmail: r.has_email }]));
}

export const consentKey = (clinicId: string, patientId: string) => `${clinicId}\u0000${patientId}`;

/**
 * A staff member's change, on the patients row the dispatcher reads: SMS granted clears an
 * opt-out and sets consent, withdrawn opts out; email likewise. False for an unknown patient.
 */
export async function applyConsentChange(sql: Sql, clinicId: string, patientId: string, channel: Channel, status: ConsentStatus): Promise<boolean> {
  const set = channel === 'sms'
    ? status === 'granted' ? 'sms_consent = true, sms_opted_out_at = NULL' : 'sms_opted_out_at = coalesce(sms_opted_out_at, now())'
    : status === 'granted' ? 'email_opted_out = false' : 'email_opted_out = true';
  const rows = await sql.query(`UPDATE patients SET ${set}, updated_at = now() WHERE clinic_id = $1 AND id = $2 RETURNING id`, [clinicId, patientId]);
  return rows.length === 1;
}
