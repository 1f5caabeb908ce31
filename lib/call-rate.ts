import { createHash, randomUUID } from 'node:crypto';
import type { RedisClient } from './redis.ts';

// Calls to one staff number: at most one ringing at a time and `perMinute` placed in any minute,
// across every worker process, on Redis's clock. Keys hold a digest of the number, never the number.
// The ringing mark is freed by the call's final status callback, or by itself after `ringingMs`
// (a callback that never came must not silence a phone for good).
const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then return 2 end
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[2], 60000)
redis.call('SET', KEYS[1], ARGV[3], 'PX', tonumber(ARGV[2]))
return 0
`;
// Only the holder's own mark (or the call it became) is freed; a call never placed does not count for the minute.
const releaseScript = `
if ARGV[2] == 'uncount' then redis.call('ZREM', KEYS[2], ARGV[1]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`;

export type CallRefusal = 'ringing' | 'per-minute';

export interface CallLimit {
  /** Takes the number's slot; a refusal says why (a call to it is ringing, or the minute's calls are used). */
  acquire(to: string): Promise<{ token: string } | { refused: CallRefusal }>;
  /** The call was placed: the ringing mark now names its sid, for the status callback to free. */
  placed(to: string, token: string, callSid: string): Promise<void>;
  /** Frees the number's ringing mark held by this token or call sid; `notPlaced`: the call never reached Twilio, so it does not count. */
  release(to: string, tokenOrSid: string, notPlaced?: boolean): Promise<void>;
}

export const digestOf = (phone: string) => createHash('sha256').update(`aftercare-call:${phone}`).digest('hex').slice(0, 32);

export function callLimit(redis: RedisClient, prefix: string, options: { perMinute?: number; ringingMs?: number } = {}): CallLimit {
  const perMinute = options.perMinute ?? 3;
  const ringingMs = options.ringingMs ?? 120_000;
  const keys = (to: string) => [`${prefix}:call-ringing:${digestOf(to)}`, `${prefix}:call-rate:${digestOf(to)}`] as const;
  return {
    async acquire(to) {
      const token = randomUUID();
      const [ringing, rate] = keys(to);
      const result = Number(await redis.eval(acquireScript, 2, ringing, rate, perMinute, ringingMs, token));
      return result === 0 ? { token } : { refused: result === 1 ? 'ringing' : 'per-minute' };
    },
    async placed(to, token, callSid) {
      await redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end return 0`, 1, keys(to)[0], token, callSid);
    },
    async release(to, tokenOrSid, notPlaced = false) {
      const [ringing, rate] = keys(to);
      await redis.eval(releaseScript, 2, ringing, rate, tokenOrSid, notPlaced ? 'uncount' : 'count');
    },
  };
}
