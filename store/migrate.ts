import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const dir = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Applies the versioned SQL files in order, each once, under a lock so concurrent starts agree. */
export async function migrate(db: Db): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  return db.transaction(async (tx) => {
    // Several processes may start at once against one server: one applies, the others wait.
    await tx.query('SELECT pg_advisory_xact_lock(7426001)');
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      for (const statement of splitStatements(readFileSync(dir + file, 'utf8'))) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}

// Migrations are plain DDL without functions or string literals holding ';', so a split is enough.
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
