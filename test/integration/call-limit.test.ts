import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { callLimit } from '../../lib/call-rate.ts';
import { deleteKeys, testRedisUrl } from '../support/pipeline.ts';

// Calls to one staff number, across processes: one ringing at a time, a few a minute; keys hold digests.

const nurse = '+15550002222';
let redis: Redis | undefined;
let prefix = '';
afterEach(async () => {
  redis?.disconnect();
  await deleteKeys(testRedisUrl, `${prefix}*`);
});

function open(perMinute = 3) {
  prefix = `{t-calls-${randomUUID().slice(0, 8)}}`;
  redis = new Redis(testRedisUrl);
  return callLimit(redis, prefix, { perMinute });
}

describe('the per-number call limit', () => {
  it('lets one call ring at a time and frees the number when the call ends', async () => {
    const calls = open();
    const first = await calls.acquire(nurse);
    if (!('token' in first)) throw new Error('expected the first call to go');
    expect(await calls.acquire(nurse)).toEqual({ refused: 'ringing' });
    expect('token' in (await calls.acquire('+15550003333'))).toBe(true);
    await calls.placed(nurse, first.token, 'CA0001');
    await calls.release(nurse, 'CA9999');
    expect(await calls.acquire(nurse)).toEqual({ refused: 'ringing' });
    await calls.release(nurse, 'CA0001');
    expect('token' in (await calls.acquire(nurse))).toBe(true);
  });

  it('refuses a call past the per-minute limit, but a call Twilio never got does not count', async () => {
    const calls = open(2);
    const a = await calls.acquire(nurse);
    if (!('token' in a)) throw new Error('expected a call');
    await calls.release(nurse, a.token, true);
    for (let i = 0; i < 2; i++) {
      const slot = await calls.acquire(nurse);
      if (!('token' in slot)) throw new Error(`expected call ${i + 1} to go`);
      await calls.release(nurse, slot.token);
    }
    expect(await calls.acquire(nurse)).toEqual({ refused: 'per-minute' });
  });

  it('keeps digests in Redis, never the number', async () => {
    const calls = open();
    await calls.acquire(nurse);
    const keys = await redis!.keys(`${prefix}*`);
    expect(keys.length).toBe(2);
    for (const key of keys) expect(key).not.toContain('5550002222');
    for (const key of keys) {
      const type = await redis!.type(key);
      const values = type === 'zset' ? await redis!.zrange(key, 0, -1) : [await redis!.get(key)];
      expect(values.join()).not.toContain('5550002222');
    }
  });
});
