import type { Sql } from './db.ts';
import { readText, storedText } from './field-text.ts';

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

/** Stores an inbound message once per provider id (its text encrypted at rest); false for a redelivered webhook. */
export async function recordReply(sql: Sql, r: ReplyRecord): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO replies (id, clinic_id, patient_id, from_phone, body, classification, level, step_id, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [r.id, r.clinicId, r.patientId, r.fromPhone, storedText(sql, r.body), r.classification, r.level, r.stepId, JSON.stringify(r.detail)],
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
  const [row] = await sql.query<{ body: string | null }>('SELECT body FROM replies WHERE id = $1', [id]);
  return row?.body == null ? undefined : readText(sql, row.body); // null: purged by retention, or erased
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
