import type { EscalationKind } from '../core/escalation.ts';
import type { Sql } from './db.ts';
import { readText } from './field-text.ts';
import { codeLengths, longestCode, randomCode, type PickCode } from './escalation-codes.ts';

/** The one order of urgency: whatever lists or resumes escalations takes the most urgent, then the oldest, first. */
function byUrgency(table = ''): string {
  const kind = table ? `${table}.kind` : 'kind';
  const raised = table ? `${table}.raised_at` : 'raised_at';
  return `CASE ${kind} WHEN 'urgent' THEN 0 WHEN 'attention' THEN 1 WHEN 'unreachable' THEN 2 ELSE 3 END, ${raised}`;
}

/** 'closed': a review nobody acknowledged within the clinic's `closeReviewsAfter`. */
export type EscalationStatus = 'open' | 'acknowledged' | 'closed';

export interface EscalationRecord {
  id: string;
  clinicId: string;
  patientId: string;
  kind: EscalationKind;
  reason: string;
  code: string;
  replyId: string | null;
  stepId: string | null;
  status: EscalationStatus;
  raisedAt: Date;
  notifiedRounds: number;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  exhaustedAt: Date | null;
}

interface Row {
  id: string;
  clinic_id: string;
  patient_id: string;
  kind: EscalationKind;
  reason: string;
  code: string;
  reply_id: string | null;
  step_id: string | null;
  status: EscalationStatus;
  raised_at: Date;
  notified_rounds: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  exhausted_at: Date | null;
}

const fromRow = (r: Row): EscalationRecord => ({
  id: r.id, clinicId: r.clinic_id, patientId: r.patient_id, kind: r.kind, reason: r.reason, code: r.code,
  replyId: r.reply_id, stepId: r.step_id, status: r.status, raisedAt: r.raised_at, notifiedRounds: r.notified_rounds,
  acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by, exhaustedAt: r.exhausted_at,
});

/**
 * Opens an escalation once per id, with an acknowledgement code unique among all open ones (of
 * every clinic). Code allocation never fails the caller's transaction (a reply's, with its crisis
 * answer): a taken code is a conflict DO NOTHING absorbs, so nothing aborts, and after a few
 * taken tries the code grows a character. Returns the stored record and whether this call created it.
 */
export async function raiseEscalation(
  sql: Sql,
  e: { id: string; clinicId: string; patientId: string; kind: EscalationKind; reason: string; replyId?: string; stepId?: string },
  pick: PickCode = randomCode,
): Promise<{ escalation: EscalationRecord; created: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const existing = await loadEscalation(sql, e.id);
    if (existing) return { escalation: existing, created: false };
    const length = codeLengths[attempt] ?? longestCode;
    // No conflict target: a clash on the id (a concurrent raise) or on an open code both land here.
    const [row] = await sql.query<Row>(
      `INSERT INTO escalations (id, clinic_id, patient_id, kind, reason, code, reply_id, step_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING *`,
      [e.id, e.clinicId, e.patientId, e.kind, e.reason, attempt < 100 ? pick(length) : randomCode(length), e.replyId ?? null, e.stepId ?? null],
    );
    if (row) return { escalation: fromRow(row), created: true };
  }
}

export async function loadEscalation(sql: Sql, id: string): Promise<EscalationRecord | undefined> {
  const [row] = await sql.query<Row>('SELECT * FROM escalations WHERE id = $1', [id]);
  return row && fromRow(row);
}

export async function openEscalations(sql: Sql, clinicId: string): Promise<EscalationRecord[]> {
  const rows = await sql.query<Row>(
    `SELECT * FROM escalations WHERE clinic_id = $1 AND status = 'open' ORDER BY ${byUrgency()}`,
    [clinicId],
  );
  return rows.map(fromRow);
}

/** Closes an open escalation of this clinic by id; undefined when there is no such open one. */
export async function acknowledge(sql: Sql, where: { clinicId: string; id: string }, by: string): Promise<EscalationRecord | undefined> {
  const [row] = await sql.query<Row>(
    `UPDATE escalations SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $3
     WHERE clinic_id = $1 AND id = $2 AND status = 'open' RETURNING *`,
    [where.clinicId, where.id, by],
  );
  return row && fromRow(row);
}

/** The open escalation a code names, among those of the given clinics only (a code is unique among open ones). */
export async function openEscalationByCode(sql: Sql, clinicIds: string[], code: string): Promise<EscalationRecord | undefined> {
  const [row] = await sql.query<Row>(
    `SELECT * FROM escalations WHERE status = 'open' AND code = $2 AND clinic_id = ANY($1::text[])`,
    [clinicIds, code],
  );
  return row && fromRow(row);
}

/** Closes a clinic's open reviews raised before `raisedBefore`; returns what it closed. */
export async function closeStaleReviews(sql: Sql, clinicId: string, raisedBefore: Date, limit: number): Promise<EscalationRecord[]> {
  const rows = await sql.query<Row>(
    `UPDATE escalations SET status = 'closed', closed_at = now()
     WHERE id IN (SELECT id FROM escalations WHERE clinic_id = $1 AND status = 'open' AND kind = 'review' AND raised_at < $2
                  ORDER BY raised_at LIMIT $3)
       AND status = 'open'
     RETURNING *`,
    [clinicId, raisedBefore, limit],
  );
  return rows.map(fromRow);
}

/** Records that a round ran; true the first time for this round, false when a retry or a later round was there first. */
export async function markNotified(sql: Sql, id: string, round: number): Promise<boolean> {
  const rows = await sql.query('UPDATE escalations SET notified_rounds = $2 WHERE id = $1 AND notified_rounds < $2 RETURNING id', [id, round]);
  return rows.length > 0;
}

/** Open escalations nobody has been told about yet (Redis was away when they were raised), most urgent first. */
export async function unnotifiedEscalations(sql: Sql, raisedBefore: Date, limit: number): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `SELECT id FROM escalations WHERE status = 'open' AND notified_rounds = 0 AND raised_at < $1 ORDER BY ${byUrgency()} LIMIT $2`,
    [raisedBefore, limit],
  );
  return rows.map((r) => r.id);
}

/** Marks that the ladder ran out without an acknowledgement; true the first time. */
export async function markExhausted(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql.query("UPDATE escalations SET exhausted_at = now() WHERE id = $1 AND exhausted_at IS NULL AND status = 'open' RETURNING id", [id]);
  return rows.length > 0;
}

/** Open escalations whose ladder ran out without an acknowledgement, for the metric. */
export async function exhaustedEscalations(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM escalations WHERE status = 'open' AND exhausted_at IS NOT NULL");
  return row?.n ?? 0;
}

/** Open escalations with the time of their last notice, most urgent first, for the reconciler to resume rounds a Redis loss dropped. */
export async function openEscalationRounds(sql: Sql, limit: number): Promise<Array<{ id: string; clinicId: string; kind: EscalationKind; rounds: number; lastNoticeAt: Date | null; raisedAt: Date }>> {
  const rows = await sql.query<{ id: string; clinic_id: string; kind: EscalationKind; notified_rounds: number; last_notice_at: Date | null; raised_at: Date }>(
    `SELECT e.id, e.clinic_id, e.kind, e.notified_rounds, e.raised_at, max(n.created_at) AS last_notice_at
     FROM escalations e LEFT JOIN notices n ON n.escalation_id = e.id
     WHERE e.status = 'open' GROUP BY e.id ORDER BY ${byUrgency('e')} LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, clinicId: r.clinic_id, kind: r.kind, rounds: r.notified_rounds, lastNoticeAt: r.last_notice_at, raisedAt: r.raised_at }));
}

export interface InboxRow {
  id: string;
  patientId: string;
  firstName: string | null;
  kind: EscalationKind;
  reason: string;
  code: string;
  raisedAt: Date;
  replyText: string | null;
  /** Every contact was told and nobody acknowledged: the ladder keeps re-notifying. */
  exhaustedAt: Date | null;
}

/** A clinic's open escalations for its inbox, most urgent first, with the patient's first name and the reply that raised each. */
export async function inboxEscalations(sql: Sql, clinicId: string, limit = 200): Promise<InboxRow[]> {
  const rows = await sql.query<{ id: string; patient_id: string; first_name: string | null; kind: EscalationKind; reason: string; code: string; raised_at: Date; reply_text: string | null; exhausted_at: Date | null }>(
    `SELECT e.id, e.patient_id, p.first_name, e.kind, e.reason, e.code, e.raised_at, r.body AS reply_text, e.exhausted_at
     FROM escalations e
     LEFT JOIN patients p ON p.clinic_id = e.clinic_id AND p.id = e.patient_id
     LEFT JOIN replies r ON r.id = e.reply_id AND r.clinic_id = e.clinic_id
     WHERE e.clinic_id = $1 AND e.status = 'open'
     ORDER BY ${byUrgency('e')}
     LIMIT $2`,
    [clinicId, limit],
  );
  return rows.map((r) => ({ id: r.id, patientId: r.patient_id, firstName: r.first_name, kind: r.kind, reason: r.reason, code: r.code,
    raisedAt: r.raised_at, replyText: r.reply_text === null ? null : readText(sql, r.reply_text), exhaustedAt: r.exhausted_at }));
}
