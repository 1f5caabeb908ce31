import type { Sql } from './db.ts';

/**
 * received: stored, not yet mapped; done: its events accepted; ignored: nothing to do (an
 * encounter still in progress); unmapped: could not become an event (reason says why);
 * failed: fetching kept failing (the EHR was down) after every attempt.
 */
export type EhrNotificationStatus = 'received' | 'done' | 'ignored' | 'unmapped' | 'failed';
export const ehrNotificationStatuses: EhrNotificationStatus[] = ['received', 'done', 'ignored', 'unmapped', 'failed'];
export type EhrSource = 'fhir' | 'hl7';

export interface EhrNotification {
  id: string;
  clinicId: string;
  source: EhrSource;
  dedupKey: string;
  status: EhrNotificationStatus;
  attempts: number;
  reason: string | null;
  body: unknown;
  eventIds: string[];
  receivedAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string; clinic_id: string; source: EhrSource; dedup_key: string; status: EhrNotificationStatus; attempts: number;
  reason: string | null; body: unknown; event_ids: string[]; received_at: Date | string; updated_at: Date | string;
}
const toNotification = (r: Row): EhrNotification => ({
  id: r.id, clinicId: r.clinic_id, source: r.source, dedupKey: r.dedup_key, status: r.status, attempts: r.attempts,
  reason: r.reason, body: r.body, eventIds: r.event_ids ?? [], receivedAt: new Date(r.received_at), updatedAt: new Date(r.updated_at),
});

/** Stores a notification once per (clinic, dedup key); false when it was already stored. */
export async function recordEhrNotification(sql: Sql, n: { id: string; clinicId: string; source: EhrSource; dedupKey: string; body: unknown }): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO ehr_notifications (id, clinic_id, source, dedup_key, body) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING id`,
    [n.id, n.clinicId, n.source, n.dedupKey, JSON.stringify(n.body)],
  );
  return rows.length === 1;
}

export async function loadEhrNotification(sql: Sql, id: string): Promise<EhrNotification | undefined> {
  const rows = await sql.query<Row>('SELECT * FROM ehr_notifications WHERE id = $1', [id]);
  return rows[0] ? toNotification(rows[0]) : undefined;
}

/** Records an attempt's outcome; a notification already final keeps its state. */
export async function settleEhrNotification(
  sql: Sql, id: string, outcome: { status: EhrNotificationStatus; reason?: string; eventIds?: string[]; attempted?: boolean },
): Promise<void> {
  await sql.query(
    `UPDATE ehr_notifications
     SET status = $2, reason = $3, event_ids = $4, attempts = attempts + $5, updated_at = now()
     WHERE id = $1 AND status IN ('received', 'failed')`,
    [id, outcome.status, outcome.reason ?? null, outcome.eventIds ?? [], outcome.attempted === false ? 0 : 1],
  );
}

export async function listEhrNotifications(sql: Sql, clinicId: string, status?: EhrNotificationStatus, limit = 100): Promise<EhrNotification[]> {
  const rows = await sql.query<Row>(
    `SELECT * FROM ehr_notifications WHERE clinic_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY received_at DESC LIMIT $3`,
    [clinicId, status ?? null, limit],
  );
  return rows.map(toNotification);
}

/** Stored notifications still waiting to be mapped, for the reconciler to put back on the queue. */
export async function pendingEhrNotifications(sql: Sql, olderThan: Date, limit = 500): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `SELECT id FROM ehr_notifications WHERE status = 'received' AND updated_at < $1 ORDER BY received_at LIMIT $2`,
    [olderThan, limit],
  );
  return rows.map((r) => r.id);
}

export async function countEhrNotifications(sql: Sql): Promise<Array<{ source: EhrSource; status: EhrNotificationStatus; count: number }>> {
  const rows = await sql.query<{ source: EhrSource; status: EhrNotificationStatus; n: string }>(
    'SELECT source, status, count(*)::text AS n FROM ehr_notifications GROUP BY source, status',
  );
  return rows.map((r) => ({ source: r.source, status: r.status, count: Number(r.n) }));
}
