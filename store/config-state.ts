import type { Sql } from './db.ts';

/** The counter every change of clinic configuration or API keys moves; each process polls it to reload. */
export async function configVersion(sql: Sql): Promise<number> {
  const rows = await sql.query<{ version: string }>('SELECT version::text FROM config_state WHERE id = 1');
  return Number(rows[0]?.version ?? 0);
}

export async function bumpConfigVersion(sql: Sql): Promise<void> {
  await sql.query('UPDATE config_state SET version = version + 1 WHERE id = 1');
}
