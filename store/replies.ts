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
 * Whom an inbound SMS from this number is about. One phone can be several patients (a family,
 * or one patient at two clinics): the one whose check-in is open wins, then the one we texted
 * last, then the one with the newest plan.
 */
export async function senderByPhone(sql: Sql, phone: string): Promise<{ clinicId: string; patientId: string; checkinStepId?: string } | undefined> {
  const [row] = await sql.query<{ clinic_id: string; id: string; checkin: string | null }>(
    `SELECT pt.clinic_id, pt.id, c.id AS checkin FROM patients pt
     LEFT JOIN LATERAL (${openCheckinSql('pt.clinic_id', 'pt.id')}) c ON true
     LEFT JOIN LATERAL (SELECT max(d.claimed_at) AS at FROM steps s JOIN deliveries d ON d.step_id = s.id
                        WHERE s.clinic_id = pt.clinic_id AND s.patient_id = pt.id AND s.recipient = 'patient' AND d.channel = 'sms') texted ON true
     LEFT JOIN LATERAL (SELECT max(pl.created_at) AS at FROM plans pl
                        WHERE pl.clinic_id = pt.clinic_id AND pl.patient_id = pt.id AND pl.cancelled_at IS NULL) planned ON true
     WHERE pt.phone = $1
     ORDER BY c.id IS NOT NULL DESC, texted.at DESC NULLS LAST, planned.at DESC NULLS LAST, pt.updated_at DESC
     LIMIT 1`,
    [phone],
  );
  return row && { clinicId: row.clinic_id, patientId: row.id, ...(row.checkin ? { checkinStepId: row.checkin } : {}) };
}

/**
 * The check-in a score answers, the most recent first: one sent and still waiting for its
 * reply, or one still being recorded as sent whose delivery claim exists (the provider may
 * have taken it, and a patient answers within seconds of receiving it).
 */
function openCheckinSql(clinicId: string, patientId: string): string {
  return `SELECT s.id FROM steps s
     LEFT JOIN LATERAL (SELECT max(d.claimed_at) AS claimed_at FROM deliveries d
                        WHERE d.step_id = s.id AND d.status IN ('sending', 'unknown', 'sent', 'delivered')) d ON true
     WHERE s.clinic_id = ${clinicId} AND s.patient_id = ${patientId} AND s.expects_reply IS NOT NULL AND s.recipient = 'patient'
       AND s.replied_at IS NULL
       AND ((s.state = 'sent' AND s.sent_at > now() - interval '7 days') OR (s.state = 'sending' AND d.claimed_at > now() - interval '7 days'))
     ORDER BY coalesce(s.sent_at, d.claimed_at) DESC LIMIT 1`;
}

export async function markReplied(sql: Sql, stepId: string): Promise<void> {
  await sql.query('UPDATE steps SET replied_at = coalesce(replied_at, now()), window_closed_at = coalesce(window_closed_at, now()) WHERE id = $1', [stepId]);
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
