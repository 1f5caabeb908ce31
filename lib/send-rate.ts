import { randomUUID } from 'node:crypto';
import { AftercareError } from './errors.ts';
import type { RedisClient } from './redis.ts';

// A sliding log in Redis, shared by every process, on Redis's clock. Each send holds a slot from
// before its provider call until one second after that call ended, so the (k+L)-th send starts
// only a full second after the k-th finished: wherever in between the provider received them, no
// second ever holds more than L. A slot whose process died frees itself after `holdMs`.
// Urgent sends (staff notices, crisis answers) may take every slot; routine ones always leave one
// free, so an urgent send finds it at once however many routine ones wait. Each urgent try marks
// KEYS[2] for two windows; while it is marked, routine sends leave the whole reserve free.
const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, hold = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[6] == 'urgent' then
  redis.call('SET', KEYS[2], '1', 'PX', window * 2)
elseif redis.call('EXISTS', KEYS[2]) == 1 then
  limit = limit - tonumber(ARGV[2])
elseif limit > 1 then
  limit = limit - 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], hold + window)
  return 0
end
-- The slot whose expiry brings the count under this send's limit.
local freeing = tonumber(redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')[2])
if freeing > now then return 20 end
return freeing + window - now + 1
`;
const releaseScript = `
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 0
`;

/** Staff notices and crisis answers are `urgent`: routine sends leave them one slot, and the reserve while they are about. */
export type SendPriority = 'urgent' | 'routine';

export interface SendRate {
  /** Runs `send` when it fits within its lane's limit; the slot is held until a second after it ends. */
  around<T>(send: () => Promise<T>, priority?: SendPriority): Promise<T>;
}

/** Slots per second kept for urgent sends while they are about: a tenth of the limit, at least one, never all of it. */
export function urgentReserve(perSecond: number): number {
  return perSecond > 1 ? Math.max(1, Math.floor(perSecond / 10)) : 0;
}

type RateCommands = {
  aftercareRateAcquire(key: string, urgentKey: string, perSecond: number, reserve: number, windowMs: number, holdMs: number, slot: string, priority: SendPriority): Promise<number>;
  aftercareRateRelease(key: string, slot: string): Promise<number>;
};

/** The provider's messages-per-second limit, held across all worker processes together. */
export function sendRate(redis: RedisClient, key: string, perSecond: number, holdMs = 60_000): SendRate {
  // Defined once per connection: ioredis sends the script's digest (EVALSHA), not its text, on every call.
  if (!('aftercareRateAcquire' in redis)) {
    redis.defineCommand('aftercareRateAcquire', { numberOfKeys: 2, lua: acquireScript });
    redis.defineCommand('aftercareRateRelease', { numberOfKeys: 1, lua: releaseScript });
  }
  const commands = redis as unknown as RateCommands;
  const reserve = urgentReserve(perSecond);
  return {
    async around(send, priority = 'routine') {
      const slot = randomUUID();
      for (;;) {
        // Without Redis there is no shared count: nothing is sent, and the send is retried.
        const wait = Number(await commands.aftercareRateAcquire(key, `${key}:urgent`, perSecond, reserve, 1_000, holdMs, slot, priority).catch((err: Error) => {
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
