import type { Env } from '../config/env.ts';
import { verifyAccessAudit } from '../store/access-audit.ts';
import { openDb } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';

/** `aftercare audit verify`: walks every clinic's chain; a broken one is named with its first bad entry. */
export async function verifyAudit(env: Env): Promise<{ ok: boolean; lines: string[] }> {
  const db = await openDb(env.DATABASE_URL ? { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA } : { dataDir: env.DATA_DIR, schema: env.DATABASE_SCHEMA });
  try {
    await migrate(db);
    const result = await verifyAccessAudit(db);
    if (result.breaks.length === 0) return { ok: true, lines: [`Access audit intact: ${result.entries} entries in ${result.chains} chains.`] };
    return { ok: false, lines: [...result.breaks.map((b) => `broken: ${b.message}`), `Access audit BROKEN in ${result.breaks.length} of ${result.chains} chains.`] };
  } finally {
    await db.close();
  }
}
