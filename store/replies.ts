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

/** The keyword of this number's latest STOP, unless a START came after it. */
export async function standingOptOut(sql: Sql, phone: string): Promise<string | undefined> {
  const [row] = await sql.query<{ classification: string; keyword: string | null }>(
    `SELECT classification, detail->>'keyword' AS keyword FROM replies
     WHERE from_phone = $1 AND classification IN ('opt-out', 'opt-in') ORDER BY received_at DESC LIMIT 1`,
    [phone],
  );
  return row?.classification === 'opt-out' ? (row.keyword ?? '') : undefined;
}

export async function replyBody(sql: Sql, id: string): Promise<string | undefined> {
  const [row] = await sql.query<{ body: string }>('SELECT body FROM replies WHERE id = $1', [id]);
  return row?.body;
}

export interface Sender {
  clinicId: string;
  patientId: string;
  /** The patient themself, the escort of one of their open plans, or a stand-in for an unknown number. */
  sender: 'patient' | 'escort' | 'unknown';
  escortName?: string;
  checkinStepId?: string;
}

/**
 * Whom an inbound SMS from this number is about: a patient with that phone, or the patient of
 * an open plan (not cancelled, session in the last 30 days) with that escort phone. One phone
 * can be several (a family, one patient at two clinics, an escort who is a patient too): the one
 * whose check-in is open wins, then the one we texted last, then the one with the newest plan.
 */
export async function senderByPhone(sql: Sql, phone: string): Promise<Sender | undefined> {
  const [row] = await sql.query<{ clinic_id: string; patient_id: string; sender: 'patient' | 'escort'; unknown_sender: boolean; escort_name: string | null; checkin: string | null }>(
    `WITH candidates AS (
       SELECT pt.clinic_id, pt.id AS patient_id, 'patient' AS sender, pt.unknown_sender, NULL::text AS escort_name, pt.updated_at AS at
       FROM patients pt WHERE pt.phone = $1
       UNION ALL
       (SELECT DISTINCT ON (pl.clinic_id, pl.patient_id) pl.clinic_id, pl.patient_id, 'escort', false, pl.escort_name, pl.created_at
        FROM plans pl WHERE pl.escort_phone = $1 AND pl.cancelled_at IS NULL AND pl.anchor_at > now() - interval '30 days'
        ORDER BY pl.clinic_id, pl.patient_id, pl.created_at DESC)
     )
     SELECT c.clinic_id, c.patient_id, c.sender, c.unknown_sender, c.escort_name, open.id AS checkin FROM candidates c
     LEFT JOIN LATERAL (${openCheckinSql('c.clinic_id', 'c.patient_id')}) open ON c.sender = 'patient'
     LEFT JOIN LATERAL (SELECT max(d.claimed_at) AS at FROM steps s JOIN deliveries d ON d.step_id = s.id
                        WHERE s.clinic_id = c.clinic_id AND s.patient_id = c.patient_id AND s.recipient = c.sender AND d.channel = 'sms') texted ON true
     LEFT JOIN LATERAL (SELECT max(pl.created_at) AS at FROM plans pl
                        WHERE pl.clinic_id = c.clinic_id AND pl.patient_id = c.patient_id AND pl.cancelled_at IS NULL) planned ON true
     ORDER BY open.id IS NOT NULL DESC, c.unknown_sender, texted.at DESC NULLS LAST, planned.at DESC NULLS LAST, c.sender = 'patient' DESC, c.at DESC
     LIMIT 1`,
    [phone],
  );
  if (!row) return undefined;
  return {
    clinicId: row.clinic_id,
    patientId: row.patient_id,
    sender: row.unknown_sender ? 'unknown' : row.sender,
    ...(row.escort_name ? { escortName: row.escort_name } : {}),
    ...(row.checkin ? { checkinStepId: row.checkin } : {}),
  };
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

/** Where a check-in's reply window stands; undefined for a step not in the database. */
export async function replyWindowOf(sql: Sql, stepId: string): Promise<{ replied: boolean; reminded: boolean; closed: boolean } | undefined> {
  const [row] = await sql.query<{ replied: boolean; reminded: boolean; closed: boolean }>(
    'SELECT replied_at IS NOT NULL AS replied, reminded_at IS NOT NULL AS reminded, window_closed_at IS NOT NULL AS closed FROM steps WHERE id = $1',
    [stepId],
  );
  return row;
}

export async function markReminded(sql: Sql, stepId: string): Promise<void> {
  await sql.query('UPDATE steps SET reminded_at = now() WHERE id = $1', [stepId]);
}

/** Closes the window once: a reply that closed it first keeps its time. */
export async function markWindowClosed(sql: Sql, stepId: string): Promise<void> {
  await sql.query('UPDATE steps SET window_closed_at = now() WHERE id = $1 AND window_closed_at IS NULL', [stepId]);
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
