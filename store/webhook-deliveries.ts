import type { Sql } from './db.ts';

/** pending: owed to the endpoint (a job sends it at `nextAttemptAt`); delivered: a 2xx came back; failed: given up. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  clinicId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  owedSince: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface WebhookAttempt {
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
}

interface Row {
  id: string;
  endpoint_id: string;
  clinic_id: string;
  event_type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  owed_since: Date;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const fromRow = (r: Row): WebhookDelivery => ({
  id: r.id, endpointId: r.endpoint_id, clinicId: r.clinic_id, eventType: r.event_type, status: r.status, attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at, owedSince: r.owed_since, lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at,
});
const columns = 'id, endpoint_id, clinic_id, event_type, status, attempts, next_attempt_at, owed_since, last_error, created_at, delivered_at';

/** The outbox rows of one event, one per endpoint; an id already there (the same event again) adds nothing. */
export async function addWebhookDeliveries(
  sql: Sql,
  rows: Array<{ id: string; endpointId: string; clinicId: string; eventType: string; payload: string; createdAt: Date }>,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const added = await sql.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (id, endpoint_id, clinic_id, event_type, payload, created_at, next_attempt_at, owed_since)
     SELECT id, endpoint_id, clinic_id, event_type, payload, created_at, created_at, created_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
         AS x (id, endpoint_id, clinic_id, event_type, payload, created_at)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [rows.map((r) => r.id), rows.map((r) => r.endpointId), rows.map((r) => r.clinicId), rows.map((r) => r.eventType),
      rows.map((r) => r.payload), rows.map((r) => r.createdAt)],
  );
  return added.map((r) => r.id);
}

/** A delivery with what sending it needs: its exact payload and its endpoint. */
export interface DeliveryToSend extends WebhookDelivery {
  payload: string;
  url: string;
  secretSealed: string;
  enabled: boolean;
}

export async function loadDeliveryToSend(sql: Sql, id: string): Promise<DeliveryToSend | undefined> {
  const [row] = await sql.query<Row & { payload: string; url: string; secret_sealed: string; enabled: boolean }>(
    `SELECT d.id, d.endpoint_id, d.clinic_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.owed_since, d.last_error,
            d.created_at, d.delivered_at, d.payload, e.url, e.secret_sealed, e.enabled
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
    [id],
  );
  return row && { ...fromRow(row), payload: row.payload, url: row.url, secretSealed: row.secret_sealed, enabled: row.enabled };
}

/**
 * Stores one attempt and what it means for the delivery, in one statement, and only while the
 * delivery is pending: an attempt can never reopen a delivered or given-up one.
 */
export async function recordWebhookAttempt(
  sql: Sql,
  attempt: WebhookAttempt & { deliveryId: string },
  outcome: { status: 'delivered' } | { status: 'pending'; nextAttemptAt: Date } | { status: 'failed' },
): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `WITH moved AS (
       UPDATE webhook_deliveries SET status = $7::text, attempts = attempts + 1, updated_at = now(),
              next_attempt_at = coalesce($8::timestamptz, next_attempt_at), last_error = $9::text,
              delivered_at = CASE WHEN $7::text = 'delivered' THEN $2::timestamptz END
        WHERE id = $1 AND status = 'pending' RETURNING id
     )
     INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms, response_excerpt)
     SELECT id, $2::timestamptz, $3::int, $4::text, $5::int, $6::text FROM moved RETURNING delivery_id AS id`,
    [attempt.deliveryId, attempt.attemptedAt, attempt.statusCode, attempt.error, attempt.durationMs, attempt.responseExcerpt,
      outcome.status, outcome.status === 'pending' ? outcome.nextAttemptAt : null,
      outcome.status === 'delivered' ? null : attempt.error ?? (attempt.statusCode === null ? null : `HTTP ${attempt.statusCode}`)],
  );
  return rows.length > 0;
}

/** Pending deliveries due before `before`, oldest first: for the reconciler to re-queue any whose job vanished. */
export async function pendingWebhookDeliveries(sql: Sql, before: Date, limit: number): Promise<Array<{ id: string; nextAttemptAt: Date }>> {
  const rows = await sql.query<{ id: string; next_attempt_at: Date }>(
    `SELECT id, next_attempt_at FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < $1 ORDER BY next_attempt_at LIMIT $2`,
    [before, limit],
  );
  return rows.map((r) => ({ id: r.id, nextAttemptAt: r.next_attempt_at }));
}

export async function listWebhookDeliveries(
  sql: Sql,
  clinicId: string,
  filter: { status?: WebhookDeliveryStatus; endpointId?: string; limit: number },
): Promise<WebhookDelivery[]> {
  const rows = await sql.query<Row>(
    `SELECT ${columns} FROM webhook_deliveries
      WHERE clinic_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR endpoint_id = $3)
      ORDER BY created_at DESC, id LIMIT $4`,
    [clinicId, filter.status ?? null, filter.endpointId ?? null, filter.limit],
  );
  return rows.map(fromRow);
}

export async function loadWebhookDelivery(sql: Sql, clinicId: string, id: string): Promise<WebhookDelivery | undefined> {
  const [row] = await sql.query<Row>(`SELECT ${columns} FROM webhook_deliveries WHERE clinic_id = $1 AND id = $2`, [clinicId, id]);
  return row && fromRow(row);
}

export async function webhookAttempts(sql: Sql, deliveryId: string): Promise<WebhookAttempt[]> {
  const rows = await sql.query<{ attempted_at: Date; status_code: number | null; error: string | null; duration_ms: number; response_excerpt: string | null }>(
    'SELECT attempted_at, status_code, error, duration_ms, response_excerpt FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempted_at, id',
    [deliveryId],
  );
  return rows.map((r) => ({ attemptedAt: r.attempted_at, statusCode: r.status_code, error: r.error, durationMs: r.duration_ms, responseExcerpt: r.response_excerpt }));
}

/** A failed delivery owed again from `now` (its retries start over); undefined when the clinic has no failed delivery with this id. */
export async function reopenWebhookDelivery(sql: Sql, where: { clinicId: string; id: string }, now: Date): Promise<WebhookDelivery | undefined> {
  const [row] = await sql.query<Row>(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, owed_since = $3, updated_at = now()
      WHERE clinic_id = $1 AND id = $2 AND status = 'failed' RETURNING ${columns}`,
    [where.clinicId, where.id, now],
  );
  return row && fromRow(row);
}
