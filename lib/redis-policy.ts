import { once } from 'node:events';
import type { RedisClient } from './redis.ts';
import { ConfigError } from './errors.ts';
import type { Logger } from './logger.ts';

// A BullMQ job hash whose fields all fit in 256 bytes stays a compact listpack: about 680 bytes
// per scheduled message instead of 1,050 with Redis's default of 64 (measured by `npm run bench`).
// Redis 7 calls it hash-max-listpack-value and still takes the older name, which Redis 6 knows.
export const leanJobHashes = ['--hash-max-ziplist-value', '256'];

/**
 * BullMQ's keys must never be evicted: an evicted delayed job is a lost message until the
 * reconciler notices. Without persistence a Redis restart loses the last jobs: the reconciler
 * restores them from PostgreSQL, but later than planned, so say so.
 */
export async function checkRedisPolicy(redis: RedisClient, log: Logger): Promise<void> {
  if (redis.status !== 'ready') await Promise.race([once(redis, 'ready'), new Promise((r) => setTimeout(r, 3_000).unref())]);
  const config = async (name: string): Promise<string | undefined> => {
    // Managed Redis services may forbid CONFIG; then there is nothing to check.
    const reply = await redis.config('GET', name).catch(() => undefined);
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
  };
  const policy = await config('maxmemory-policy');
  if (policy !== undefined && policy !== 'noeviction')
    throw new ConfigError(`Redis uses maxmemory-policy ${policy}; set it to noeviction (redis-cli CONFIG SET maxmemory-policy noeviction) so no job is ever evicted.`);
  const [appendonly, save] = await Promise.all([config('appendonly'), config('save')]);
  const listpack = Number(await config('hash-max-ziplist-value'));
  if (listpack > 0 && listpack < 256)
    log.info({ hashMaxListpackValue: listpack }, 'Redis could hold each scheduled message in about a third less memory with hash-max-listpack-value 256');
  if (appendonly === 'no' && save === '')
    log.warn('Redis keeps nothing on disk (appendonly no, no snapshots): after a Redis restart the reconciler restores jobs from PostgreSQL');
}
