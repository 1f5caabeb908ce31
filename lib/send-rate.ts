import { randomUUID } from 'node:crypto';
import { AftercareError } from './errors.ts';
import type { RedisClient } from './redis.ts';

// A sliding log in Redis, shared by every process, on Redis's clock. Each send holds a slot from
// before its provider call until one second after that call ended, so the (k+L)-th send starts
// only a full second after the k-th finished: wherever in between the provider received them, no
// second ever holds more than L. A slot whose process died frees itself after `holdMs`.
const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, hold = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], hold + window)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if oldest > now then return 20 end
return oldest + window - now + 1
`;
const releaseScript = `
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 0
`;

export interface SendRate {
  /** Runs `send` when it fits within the limit; the slot is held until a second after it ends. */
  around<T>(send: () => Promise<T>): Promise<T>;
}

type RateCommands = {
  aftercareRateAcquire(key: string, perSecond: number, windowMs: number, holdMs: number, slot: string): Promise<number>;
  aftercareRateRelease(key: string, slot: string): Promise<number>;
};

/** The provider's messages-per-second limit, held across all worker processes together. */
export function sendRate(redis: RedisClient, key: string, perSecond: number, holdMs = 60_000): SendRate {
  // Defined once per connection: ioredis sends the script's digest (EVALSHA), not its text, on every call.
  if (!('aftercareRateAcquire' in redis)) {
    redis.defineCommand('aftercareRateAcquire', { numberOfKeys: 1, lua: acquireScript });
    redis.defineCommand('aftercareRateRelease', { numberOfKeys: 1, lua: releaseScript });
  }
  const commands = redis as unknown as RateCommands;
  return {
    async around(send) {
      const slot = randomUUID();
      for (;;) {
        // Without Redis there is no shared count: nothing is sent, and the send is retried.
        const wait = Number(await commands.aftercareRateAcquire(key, perSecond, 1_000, holdMs, slot).catch((err: Error) => {
          throw new AftercareError('redis-unavailable', `the SMS rate limit could not be read: ${err.message}`);
        }));
        if (wait <= 0) break;
        await new Promise((r) => setTimeout(r, wait));
      }
      try {
        return await send();
      } finally {
        await commands.aftercareRateRelease(key, slot).catch(() => {});
      }
    },
  };
}
