import { bumpConfigVersion } from './config-state.ts';
import type { Sql } from './db.ts';

// API keys, several per clinic. Only the SHA-256 of a key is stored; the key itself is shown once.

export type ApiKeyScope = 'clinic' | 'admin';

export interface ApiKeyRecord {
  id: string;
  clinicId: string;
  name: string;
  /** `clinic`: the event API; `admin`: the clinic's admin API. */
  scope: ApiKeyScope;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

type Row = { id: string; clinic_id: string; name: string; scope: ApiKeyScope; created_by: string; created_at: Date; last_used_at: Date | null; expires_at: Date | null; revoked_at: Date | null };
const columns = 'id, clinic_id, name, scope, created_by, created_at, last_used_at, expires_at, revoked_at';
const record = (r: Row): ApiKeyRecord => ({
  id: r.id, clinicId: r.clinic_id, name: r.name, scope: r.scope, createdBy: r.created_by, createdAt: r.created_at,
  lastUsedAt: r.last_used_at, expiresAt: r.expires_at, revokedAt: r.revoked_at,
});

export async function insertApiKey(sql: Sql, key: Pick<ApiKeyRecord, 'id' | 'clinicId' | 'name' | 'scope' | 'createdBy' | 'expiresAt'> & { sha256: string }): Promise<ApiKeyRecord> {
  const rows = await sql.query<Row>(
    `INSERT INTO api_keys (id, clinic_id, name, scope, key_sha256, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${columns}`,
    [key.id, key.clinicId, key.name, key.scope, key.sha256, key.createdBy, key.expiresAt],
  );
  await bumpConfigVersion(sql);
  return record(rows[0]!);
}

/** A clinic's keys, revoked ones too, newest first; never the hash. */
export async function listApiKeys(sql: Sql, clinicId: string): Promise<ApiKeyRecord[]> {
  return (await sql.query<Row>(`SELECT ${columns} FROM api_keys WHERE clinic_id = $1 ORDER BY created_at DESC, id`, [clinicId])).map(record);
}

/** Every key not revoked, with its hash: what each process keeps in memory to authenticate. */
export async function liveApiKeys(sql: Sql): Promise<Array<ApiKeyRecord & { sha256: string }>> {
  const rows = await sql.query<Row & { key_sha256: string }>(`SELECT ${columns}, key_sha256 FROM api_keys WHERE revoked_at IS NULL`);
  return rows.map((r) => ({ ...record(r), sha256: r.key_sha256 }));
}

/** Revokes a clinic's key; false when the clinic has no such key (or it was revoked before). */
export async function revokeApiKey(sql: Sql, clinicId: string, id: string): Promise<boolean> {
  const rows = await sql.query('UPDATE api_keys SET revoked_at = now() WHERE clinic_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [clinicId, id]);
  if (rows.length) await bumpConfigVersion(sql);
  return rows.length > 0;
}

/** Records a use; callers do so at most once a minute per key, so the hot path stays cheap. */
export async function touchApiKey(sql: Sql, id: string, at: Date): Promise<void> {
  await sql.query('UPDATE api_keys SET last_used_at = greatest(last_used_at, $2) WHERE id = $1', [id, at]);
}

/**
 * The `apiKeySha256` of a clinic's document is its key named "seed" (the clinic file's key keeps
 * working). A changed hash replaces it; an unchanged one leaves a revoked seed key revoked.
 */
/** A document without `apiKeySha256` has no seed key: one it had stops working. */
export async function revokeSeedKey(sql: Sql, clinicId: string): Promise<void> {
  await sql.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [`seed-${clinicId}`]);
}

export async function syncSeedKey(sql: Sql, clinicId: string, sha256: string): Promise<void> {
  await sql.query(
    `INSERT INTO api_keys (id, clinic_id, name, scope, key_sha256, created_by) VALUES ($1, $2, 'seed', 'clinic', $3, 'clinic document')
     ON CONFLICT (id) DO UPDATE SET key_sha256 = excluded.key_sha256, revoked_at = NULL, created_at = now()
     WHERE api_keys.key_sha256 <> excluded.key_sha256`,
    [`seed-${clinicId}`, clinicId, sha256],
  );
}
