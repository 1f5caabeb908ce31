import { AftercareError } from '../lib/errors.ts';
import { jsonDiff, type DiffEntry } from '../lib/json-diff.ts';
import { syncSeedKey, revokeSeedKey } from './api-keys.ts';
import { bumpConfigVersion } from './config-state.ts';
import type { Db, Sql } from './db.ts';

// Each clinic's document (what the clinic file holds for it) with every version kept. Documents
// are validated by the caller's `check` (config/clinics.ts) inside the writing transaction, so two
// writers can never each pass a check the other's change breaks (a staff username taken twice).

export interface StoredClinic {
  clinicId: string;
  version: number;
  document: Record<string, unknown>;
  updatedAt: Date;
}

export interface ClinicVersion {
  clinicId: string;
  version: number;
  actor: string;
  at: Date;
  diff: DiffEntry[];
}

/** Every clinic's documents in order (the first stays first: unknown senders go to it); throws to refuse. */
export type ConfigCheck = (documents: Array<{ clinicId: string; document: Record<string, unknown> }>) => void;

export interface SaveClinic {
  clinicId: string;
  document: Record<string, unknown>;
  /** Who: `operator`, `key:<name>`, a staff username, `seed`, `import`. */
  actor: string;
  check: ConfigCheck;
  /** `If-Match`: the version the writer read; another version in between refuses the write. */
  expectedVersion?: number;
}

type Row = { clinic_id: string; version: number; document: Record<string, unknown>; updated_at: Date };
const stored = (r: Row): StoredClinic => ({ clinicId: r.clinic_id, version: r.version, document: r.document, updatedAt: r.updated_at });

export async function listClinics(sql: Sql): Promise<StoredClinic[]> {
  return (await sql.query<Row>('SELECT clinic_id, version, document, updated_at FROM clinic_configs ORDER BY position')).map(stored);
}

export async function loadClinic(sql: Sql, clinicId: string): Promise<StoredClinic | undefined> {
  const rows = await sql.query<Row>('SELECT clinic_id, version, document, updated_at FROM clinic_configs WHERE clinic_id = $1', [clinicId]);
  return rows[0] && stored(rows[0]);
}

// Configuration writers take turns (one lock for all clinics: checks span clinics).
const lockConfig = (tx: Sql) => tx.query('SELECT pg_advisory_xact_lock(7426011)');

/** Every clinic's document with one replaced (in its place, so the first clinic stays first) or added at the end. */
export function candidateDocuments(all: StoredClinic[], clinicId: string, document: Record<string, unknown>) {
  const documents = all.map((c) => ({ clinicId: c.clinicId, document: c.clinicId === clinicId ? document : c.document }));
  return all.some((c) => c.clinicId === clinicId) ? documents : [...documents, { clinicId, document }];
}

async function saveIn(tx: Sql, all: StoredClinic[], change: SaveClinic): Promise<{ version: number; diff: DiffEntry[] }> {
  const before = all.find((c) => c.clinicId === change.clinicId);
  const current = before?.version ?? 0;
  if (change.expectedVersion !== undefined && change.expectedVersion !== current)
    throw new AftercareError('version-conflict', `The configuration of ${change.clinicId} is at version ${current}, not ${change.expectedVersion}: read it again and make the change there; nothing was changed.`, { currentVersion: current });
  change.check(candidateDocuments(all, change.clinicId, change.document));
  const version = (before?.version ?? 0) + 1;
  const diff = jsonDiff(before?.document, change.document);
  await tx.query(
    `INSERT INTO clinic_configs (clinic_id, version, document) VALUES ($1, $2, $3::json)
     ON CONFLICT (clinic_id) DO UPDATE SET version = excluded.version, document = excluded.document, updated_at = now()`,
    [change.clinicId, version, JSON.stringify(change.document)],
  );
  await tx.query('INSERT INTO clinic_config_versions (clinic_id, version, document, actor, diff) VALUES ($1, $2, $3::json, $4, $5::jsonb)',
    [change.clinicId, version, JSON.stringify(change.document), change.actor, JSON.stringify(diff)]);
  const seedHash = change.document.apiKeySha256;
  if (typeof seedHash === 'string') await syncSeedKey(tx, change.clinicId, seedHash);
  else await revokeSeedKey(tx, change.clinicId);
  return { version, diff };
}

/** Writes a clinic's new document as its next version (a new clinic starts at 1); `check` refuses by throwing. */
export async function saveClinicVersion(db: Db, change: SaveClinic): Promise<{ version: number; diff: DiffEntry[] }> {
  return db.transaction(async (tx) => {
    await lockConfig(tx);
    const saved = await saveIn(tx, await listClinics(tx), change);
    await bumpConfigVersion(tx);
    return saved;
  });
}

/** Several clinics at once, all or none (`aftercare clinics import`). */
export async function saveClinicVersions(db: Db, changes: SaveClinic[]): Promise<Array<{ clinicId: string; version: number; diff: DiffEntry[] }>> {
  return db.transaction(async (tx) => {
    await lockConfig(tx);
    const saved = [];
    for (const change of changes) saved.push({ clinicId: change.clinicId, ...(await saveIn(tx, await listClinics(tx), change)) });
    await bumpConfigVersion(tx);
    return saved;
  });
}

/** Seeds an empty configuration (a fresh database) with these clinics; does nothing when any clinic exists. */
export async function seedClinics(db: Db, changes: SaveClinic[]): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockConfig(tx);
    if ((await listClinics(tx)).length > 0) return false;
    for (const change of changes) await saveIn(tx, await listClinics(tx), change);
    await bumpConfigVersion(tx);
    return true;
  });
}

type VersionRow = { clinic_id: string; version: number; actor: string; at: Date; diff: DiffEntry[] };
const versionOf = (r: VersionRow): ClinicVersion => ({ clinicId: r.clinic_id, version: r.version, actor: r.actor, at: r.at, diff: r.diff });

/** A clinic's versions, newest first. */
export async function listVersions(sql: Sql, clinicId: string, limit = 200): Promise<ClinicVersion[]> {
  return (await sql.query<VersionRow>(
    'SELECT clinic_id, version, actor, at, diff FROM clinic_config_versions WHERE clinic_id = $1 ORDER BY version DESC LIMIT $2', [clinicId, limit],
  )).map(versionOf);
}

export async function loadVersion(sql: Sql, clinicId: string, version: number): Promise<(ClinicVersion & { document: Record<string, unknown> }) | undefined> {
  const rows = await sql.query<VersionRow & { document: Record<string, unknown> }>(
    'SELECT clinic_id, version, actor, at, diff, document FROM clinic_config_versions WHERE clinic_id = $1 AND version = $2', [clinicId, version],
  );
  return rows[0] && { ...versionOf(rows[0]), document: rows[0].document };
}
