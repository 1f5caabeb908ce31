import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers wait for Redis forever (BullMQ requires maxRetriesPerRequest: null); the API fails
 * fast instead, because an event is already safe in PostgreSQL and the reconciler enqueues it later.
 */
export function connectRedis(url: string, role: 'worker' | 'producer'): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  return new Redis(url, { ...options, lazyConnect: false, retryStrategy: (times) => Math.min(times * 200, 2_000) });
}

/** True when something answers PING at the URL within the timeout. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
