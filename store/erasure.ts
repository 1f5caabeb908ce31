import type { Sql } from './db.ts';

// Erasure takes a patient's personal data out of every table and keeps what is not personal:
// ids, states, times, counts and the access audit. One function per table, in one transaction.

export interface ErasedPatient {
  /** The patient's phone (to find what they sent from it, in Redis too), if they had one. */
  phone: string | null;
  /** Every step of their plans, and every event of theirs: the job ids to remove from Redis. */
  stepIds: string[];
  eventIds: string[];
}

/** Locks the patient's row; undefined when there is no such patient (or they were erased already). */
export async function lockPatientForErasure(sql: Sql, clinicId: string, patientId: string): Promise<{ phone: string | null } | undefined> {
  const [row] = await sql.query<{ phone: string | null }>('SELECT phone FROM patients WHERE clinic_id = $1 AND id = $2 AND NOT unknown_sender FOR UPDATE', [clinicId, patientId]);
  return row;
}

/** The references of the patient's plans, to cancel through the usual path. */
export async function planReferencesOf(sql: Sql, clinicId: string, patientId: string): Promise<string[]> {
  const rows = await sql.query<{ reference: string }>('SELECT DISTINCT reference FROM plans WHERE clinic_id = $1 AND patient_id = $2 ORDER BY reference', [clinicId, patientId]);
  return rows.map((r) => r.reference);
}

// A reason quotes the words that raised it ("crisis language (want to die)"): only what precedes them stays.
const reasonWithoutCues = (column: string) => `split_part(${column}, ' (', 1)`;

export async function erasePersonalData(sql: Sql, clinicId: string, patientId: string, phone: string | null): Promise<ErasedPatient> {
  const p = [clinicId, patientId];
  await sql.query('DELETE FROM patients WHERE clinic_id = $1 AND id = $2', p);
  // What this phone sent with nobody to match it was them too: the stand-in and its messages go with them.
  const standIns = phone
    ? (await sql.query<{ id: string }>('DELETE FROM patients WHERE clinic_id = $1 AND unknown_sender AND phone = $2 RETURNING id', [clinicId, phone])).map((r) => r.id)
    : [];
  await sql.query('UPDATE plans SET escort_name = NULL, escort_phone = NULL WHERE clinic_id = $1 AND patient_id = $2', p);
  const events = await sql.query<{ id: string }>(
    `UPDATE events SET body = jsonb_build_object('type', type, 'id', id, 'clinicId', clinic_id, 'erased', true), expanded_at = coalesce(expanded_at, now())
     WHERE clinic_id = $1 AND patient_id = $2 RETURNING id`, p);
  await sql.query(
    `UPDATE replies SET body = NULL, from_phone = NULL, detail = detail - 'evidence'
     WHERE (clinic_id = $1 AND patient_id = ANY($2::text[])) OR ($3::text IS NOT NULL AND from_phone = $3 AND patient_id IS NULL)`,
    [clinicId, [patientId, ...standIns], phone]);
  await sql.query(
    `UPDATE timeline SET detail = CASE WHEN detail ? 'reason' THEN jsonb_set(detail - 'text' - 'evidence', '{reason}', to_jsonb(${reasonWithoutCues("detail->>'reason'")}))
                                       ELSE detail - 'text' - 'evidence' END
     WHERE clinic_id = $1 AND patient_id = ANY($2::text[])`, [clinicId, [patientId, ...standIns]]);
  await sql.query(`UPDATE escalations SET reason = ${reasonWithoutCues('reason')} WHERE clinic_id = $1 AND patient_id = ANY($2::text[])`, [clinicId, [patientId, ...standIns]]);
  // What the EHR sent about them (names, phones, addresses in the resources).
  await sql.query(`UPDATE ehr_notifications SET body = '{}'::jsonb WHERE clinic_id = $1 AND event_ids && $2::text[]`, [clinicId, events.map((e) => e.id)]);
  const steps = await sql.query<{ id: string }>('SELECT id FROM steps WHERE clinic_id = $1 AND patient_id = $2', p);
  return { phone, stepIds: steps.map((s) => s.id), eventIds: events.map((e) => e.id) };
}

export async function recordErasure(sql: Sql, e: { clinicId: string; patientId: string; erasedAt: Date; cancelledSteps: number }): Promise<void> {
  await sql.query('INSERT INTO patient_erasures (clinic_id, patient_id, erased_at, cancelled_steps) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [e.clinicId, e.patientId, e.erasedAt, e.cancelledSteps]);
}
