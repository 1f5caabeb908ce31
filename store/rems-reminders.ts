import type { Sql } from './db.ts';

export interface RemsSession {
  planId: string;
  clinicId: string;
  patientId: string;
  anchorAt: Date;
  zone: string;
}

export async function loadRemsSession(sql: Sql, planId: string): Promise<RemsSession | undefined> {
  const rows = await sql.query<{ id: string; clinic_id: string; patient_id: string; anchor_at: Date | string; zone: string }>(
    'SELECT id, clinic_id, patient_id, anchor_at, zone FROM plans WHERE id = $1', [planId]);
  const r = rows[0];
  return r ? { planId: r.id, clinicId: r.clinic_id, patientId: r.patient_id, anchorAt: new Date(r.anchor_at), zone: r.zone } : undefined;
}

/** Claims the plan's reminder; false when it was claimed before (sent, or being sent). */
export async function claimRemsReminder(sql: Sql, planId: string, clinicId: string): Promise<boolean> {
  const rows = await sql.query('INSERT INTO rems_reminders (plan_id, clinic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING plan_id', [planId, clinicId]);
  return rows.length === 1;
}

export async function releaseRemsReminder(sql: Sql, planId: string): Promise<void> {
  await sql.query('DELETE FROM rems_reminders WHERE plan_id = $1 AND sent_at IS NULL', [planId]);
}

export async function markRemsReminderSent(sql: Sql, planId: string): Promise<void> {
  await sql.query('UPDATE rems_reminders SET sent_at = now() WHERE plan_id = $1', [planId]);
}
