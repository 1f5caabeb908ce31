import type { Sql } from './db.ts';

export interface ReplyRecord {
  id: string;
  clinicId: string | null;
  patientId: string | null;
  fromPhone: string;
  body: string;
  classification: string;
  level: string;
  stepId: string | null;
  detail: Record<string, unknown>;
}

/** Stores an inbound message once per provider id; false for a redelivered webhook. */
export async function recordReply(sql: Sql, r: ReplyRecord): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO replies (id, clinic_id, patient_id, from_phone, body, classification, level, step_id, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [r.id, r.clinicId, r.patientId, r.fromPhone, r.body, r.classification, r.level, r.stepId, JSON.stringify(r.detail)],
  );
  return rows.length > 0;
}

export async function replyBody(sql: Sql, id: string): Promise<string | undefined> {
  const [row] = await sql.query<{ body: string }>('SELECT body FROM replies WHERE id = $1', [id]);
  return row?.body;
}

/**
 * The patient a phone number belongs to: the one whose plan is the most recent, preferring a
 * plan not cancelled (one phone can be a patient at two clinics).
 */
export async function patientByPhone(sql: Sql, phone: string): Promise<{ clinicId: string; patientId: string } | undefined> {
  const [row] = await sql.query<{ clinic_id: string; id: string }>(
    `SELECT pt.clinic_id, pt.id FROM patients pt
     LEFT JOIN plans pl ON pl.clinic_id = pt.clinic_id AND pl.patient_id = pt.id
     WHERE pt.phone = $1
     ORDER BY (pl.cancelled_at IS NULL AND pl.id IS NOT NULL) DESC, pl.created_at DESC NULLS LAST, pt.updated_at DESC
     LIMIT 1`,
    [phone],
  );
  return row && { clinicId: row.clinic_id, patientId: row.id };
}

/**
 * The check-in a score answers, the most recent first: one sent and still waiting for its
 * reply, or one still being recorded as sent whose delivery claim exists (the provider may
 * have taken it, and a patient answers within seconds of receiving it).
 */
export async function openCheckin(sql: Sql, clinicId: string, patientId: string): Promise<{ stepId: string } | undefined> {
  const [row] = await sql.query<{ id: string }>(
    `SELECT s.id FROM steps s
     LEFT JOIN LATERAL (SELECT max(d.claimed_at) AS claimed_at FROM deliveries d
                        WHERE d.step_id = s.id AND d.status IN ('sending', 'unknown', 'sent', 'delivered')) d ON true
     WHERE s.clinic_id = $1 AND s.patient_id = $2 AND s.expects_reply IS NOT NULL AND s.recipient = 'patient' AND s.replied_at IS NULL
       AND ((s.state = 'sent' AND s.sent_at > now() - interval '7 days')
         OR (s.state = 'sending' AND d.claimed_at > now() - interval '7 days'))
     ORDER BY coalesce(s.sent_at, d.claimed_at) DESC LIMIT 1`,
    [clinicId, patientId],
  );
  return row && { stepId: row.id };
}

export async function markReplied(sql: Sql, stepId: string): Promise<void> {
  await sql.query('UPDATE steps SET replied_at = coalesce(replied_at, now()), window_closed_at = coalesce(window_closed_at, now()) WHERE id = $1', [stepId]);
}

export async function setSmsOptOut(sql: Sql, clinicId: string, patientId: string, optedOut: boolean): Promise<void> {
  await sql.query(
    `UPDATE patients SET sms_opted_out_at = CASE WHEN $3 THEN coalesce(sms_opted_out_at, now()) ELSE NULL END WHERE clinic_id = $1 AND id = $2`,
    [clinicId, patientId, optedOut],
  );
}

/** Check-ins whose reply window ended with no reply and nothing done about it yet. */
export async function lapsedCheckins(sql: Sql, before: Date, limit: number): Promise<Array<{ stepId: string; round: 1 | 2 }>> {
  const rows = await sql.query<{ id: string; reminded: boolean }>(
    `SELECT id, reminded_at IS NOT NULL AS reminded FROM steps
     WHERE expects_reply IS NOT NULL AND state = 'sent' AND window_closed_at IS NULL AND replied_at IS NULL
       AND coalesce(reminded_at, sent_at) + (expects_reply->>'within')::interval < $1
     ORDER BY sent_at LIMIT $2`,
    [before, limit],
  );
  return rows.map((r) => ({ stepId: r.id, round: r.reminded ? 2 : 1 }));
}
