import type { Sql } from './db.ts';

export interface StoredAnswer {
  requestSha256: string;
  /** null while the first request with this key is still being handled. */
  status: number | null;
  contentType: string | null;
  body: string | null;
  createdAt: Date;
}

interface Row {
  request_sha256: string;
  status: number | null;
  content_type: string | null;
  body: string | null;
  created_at: Date;
}

/**
 * Claims (scope, key) for a request, or returns what holds it. An expired row, or one whose
 * request was abandoned (still in flight after `abandonedBefore`: its process died), is taken over.
 */
export async function claimIdempotencyKey(
  sql: Sql,
  k: { scope: string; key: string; requestSha256: string; now: Date; expiresAt: Date; abandonedBefore: Date },
): Promise<{ claimed: true } | { claimed: false; existing: StoredAnswer }> {
  const taken = await sql.query(
    `INSERT INTO idempotency_keys (scope, key, request_sha256, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (scope, key) DO UPDATE SET request_sha256 = EXCLUDED.request_sha256, status = NULL, content_type = NULL, body = NULL,
       created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
     WHERE idempotency_keys.expires_at <= $4 OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < $6)
     RETURNING key`,
    [k.scope, k.key, k.requestSha256, k.now, k.expiresAt, k.abandonedBefore],
  );
  if (taken.length > 0) return { claimed: true };
  const [row] = await sql.query<Row>('SELECT request_sha256, status, content_type, body, created_at FROM idempotency_keys WHERE scope = $1 AND key = $2', [k.scope, k.key]);
  // Gone between the two statements (a concurrent release): the caller may try again; say it is in flight.
  if (!row) return { claimed: false, existing: { requestSha256: k.requestSha256, status: null, contentType: null, body: null, createdAt: k.now } };
  return { claimed: false, existing: { requestSha256: row.request_sha256, status: row.status, contentType: row.content_type, body: row.body, createdAt: row.created_at } };
}

/** Keeps the answer for replay. */
export async function storeIdempotentAnswer(sql: Sql, k: { scope: string; key: string }, answer: { status: number; contentType: string | null; body: string }): Promise<void> {
  await sql.query('UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5 WHERE scope = $1 AND key = $2 AND status IS NULL',
    [k.scope, k.key, answer.status, answer.contentType, answer.body]);
}

/** Frees the key (the request failed in a way a retry may fix). */
export async function releaseIdempotencyKey(sql: Sql, k: { scope: string; key: string }): Promise<void> {
  await sql.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL', [k.scope, k.key]);
}

/** Drops expired keys, a batch at a time. */
export async function dropExpiredIdempotencyKeys(sql: Sql, now: Date, limit = 1000): Promise<number> {
  const rows = await sql.query(
    'DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2) RETURNING key', [now, limit]);
  return rows.length;
}
