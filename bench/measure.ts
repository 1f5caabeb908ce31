import type { Redis } from 'ioredis';
import type { Sql } from '../store/db.ts';

/** INFO memory's used_memory: bytes Redis has allocated for data and overhead. */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match?.[1]) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

/** Bytes of every table of a schema with its indexes and TOAST (pg_total_relation_size), per table and in total. */
export async function schemaBytes(db: Sql, schema: string): Promise<{ total: number; tables: Record<string, number> }> {
  const rows = await db.query<{ relname: string; bytes: string }>(
    `SELECT c.relname, pg_total_relation_size(c.oid)::text AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [schema],
  );
  const tables: Record<string, number> = {};
  for (const r of rows) tables[r.relname] = Number(r.bytes);
  return { total: Object.values(tables).reduce((a, b) => a + b, 0), tables };
}

/** Per-table difference of two schemaBytes readings, divided by `per`. */
export function bytesPer(before: Record<string, number>, after: Record<string, number>, per: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [table, bytes] of Object.entries(after)) {
    const delta = bytes - (before[table] ?? 0);
    if (delta !== 0) out[table] = Math.round(delta / per);
  }
  return out;
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * Where a scheduled message's Redis bytes go: its job hash (mean of a sample, with its encoding:
 * a hash with any value over hash-max-listpack-value, 64 bytes by default, is a hashtable), its entry
 * in the delayed sorted set, and its share of the queues' event streams (capped at 10,000 entries each).
 */
export async function redisBreakdown(redis: Redis, prefix: string, messages: number): Promise<Record<string, number | string>> {
  const jobs: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:steps:plan-*`, 'COUNT', 1000);
    cursor = next;
    jobs.push(...keys);
  } while (cursor !== '0' && jobs.length < 50);
  const usage = async (key: string) => Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) || 0;
  const sample = jobs.slice(0, 50);
  const hashes = await Promise.all(sample.map(usage));
  const first = sample[0];
  const streams = (await usage(`${prefix}:steps:events`)) + (await usage(`${prefix}:events:events`));
  return {
    jobHashBytes: Math.round(hashes.reduce((a, b) => a + b, 0) / Math.max(1, hashes.length)),
    jobHashEncoding: first ? String(await redis.call('OBJECT', 'ENCODING', first)) : 'none',
    jobHashOptsBytes: first ? ((await redis.hget(first, 'opts')) ?? '').length : 0,
    delayedSetBytesPerMessage: Math.round((await usage(`${prefix}:steps:delayed`)) / messages),
    eventStreamBytesPerMessage: Math.round(streams / messages),
  };
}
