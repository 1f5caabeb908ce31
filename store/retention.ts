import type { Sql } from './db.ts';

// What retention takes away: the text, never the row. Counts, ids, states and times stay.

/** Inbound message bodies received before `before`, and the settled EHR messages kept that long. */
export async function purgeMessageBodies(sql: Sql, clinicId: string, before: Date): Promise<number> {
  const replies = await sql.query("UPDATE replies SET body = NULL, detail = detail - 'evidence' WHERE clinic_id = $1 AND received_at < $2 AND body IS NOT NULL RETURNING id", [clinicId, before]);
  // A notification still to be mapped (or retried) keeps what it needs to be mapped.
  const ehr = await sql.query(
    `UPDATE ehr_notifications SET body = '{}'::jsonb WHERE clinic_id = $1 AND received_at < $2 AND status IN ('done', 'ignored', 'unmapped')
       AND body <> '{}'::jsonb RETURNING id`,
    [clinicId, before],
  );
  return replies.length + ehr.length;
}

/** The reply texts on patients' timelines written before `before`. */
export async function purgeReplyTexts(sql: Sql, clinicId: string, before: Date): Promise<number> {
  const rows = await sql.query(
    // The evidence quotes the reply's own words.
    `UPDATE timeline SET detail = detail - 'text' - 'evidence' WHERE clinic_id = $1 AND kind = 'reply.received' AND at < $2 AND detail ? 'text' RETURNING id`,
    [clinicId, before],
  );
  return rows.length;
}

export interface RetentionRun {
  clinicId: string;
  ranAt: Date;
  messageBodies: number;
  replyTexts: number;
  auditEntries: number;
}

export async function recordRetentionRun(sql: Sql, run: RetentionRun): Promise<void> {
  await sql.query('INSERT INTO retention_runs (clinic_id, ran_at, message_bodies, reply_texts, audit_entries) VALUES ($1, $2, $3, $4, $5)',
    [run.clinicId, run.ranAt, run.messageBodies, run.replyTexts, run.auditEntries]);
}
