import { documentChanges } from '../config/clinic-directory.ts';
import { loadClinics } from '../config/clinics.ts';
import type { Env } from '../config/env.ts';
import { ConfigError } from '../lib/errors.ts';
import { jsonDiff } from '../lib/json-diff.ts';
import { listClinics, saveClinicVersions } from '../store/clinic-config.ts';
import { openDb, type Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';

// `aftercare clinics import | export`: the clinic file is the import and export format of the
// configuration in the database. Running processes pick an import up within seconds.

async function withDb<T>(env: Env, work: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(env.DATABASE_URL ? { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA } : { dataDir: env.DATA_DIR, schema: env.DATABASE_SCHEMA });
  try {
    await migrate(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Saves each clinic of the file that differs from the database as its next version (all or none); answers one line per clinic. */
export async function importClinics(env: Env, file: string): Promise<string[]> {
  const documents = loadClinics(file).documents?.() ?? [];
  return withDb(env, async (db) => {
    const stored = new Map((await listClinics(db)).map((c) => [c.clinicId, c]));
    const changes = documentChanges(documents, 'import');
    const changed = changes.filter((c) => {
      const before = stored.get(c.clinicId);
      return !before || jsonDiff(before.document, c.document).length > 0;
    });
    const saved = changed.length ? await saveClinicVersions(db, changed) : [];
    const versions = new Map(saved.map((s) => [s.clinicId, s]));
    return changes.map((c) => {
      const s = versions.get(c.clinicId);
      return s ? `clinic ${c.clinicId}: version ${s.version} (${s.diff.length} paths changed)` : `clinic ${c.clinicId}: unchanged (version ${stored.get(c.clinicId)?.version})`;
    });
  });
}

/** The configuration as a clinic file: every clinic, or one. */
export async function exportClinics(env: Env, clinicId?: string): Promise<{ clinics: unknown[] }> {
  return withDb(env, async (db) => {
    const all = (await listClinics(db)).filter((c) => clinicId === undefined || c.clinicId === clinicId);
    if (clinicId !== undefined && all.length === 0) throw new ConfigError(`No clinic ${clinicId} in the database.`);
    return { clinics: all.map((c) => c.document) };
  });
}
