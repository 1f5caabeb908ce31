import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { sendRate, urgentReserve } from '../../lib/send-rate.ts';
import { deleteKeys, testRedisUrl } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// The SMS rate limit has two lanes in one Redis log: routine sends never take the last slot, and
// leave the whole reserve free while urgent ones are about.

let redis: Redis | undefined;
let key = '';
const releases: Array<() => void> = [];
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  redis?.disconnect();
  redis = undefined;
  await deleteKeys(testRedisUrl, `${key}*`);
});

/** Starts `count` sends of one lane that hold their slot until released; counts those that started. */
function holdSlots(rate: ReturnType<typeof sendRate>, count: number, priority: 'urgent' | 'routine') {
  const started = { n: 0 };
  for (let i = 0; i < count; i++) {
    void rate.around(() => new Promise<void>((resolve) => {
      started.n++;
      releases.push(resolve);
    }), priority).catch(() => {}); // the waiters left at the end fail once the test's connection closes
  }
  return started;
}

describe('the urgent lane of the SMS rate limit', () => {
  it('sends an urgent SMS at once while routine sends hold the limit and more of them wait', async () => {
    redis = new Redis(testRedisUrl);
    key = `{t-rate-${randomUUID().slice(0, 8)}}:sms-rate`;
    const rate = sendRate(redis, key, 5);
    const routine = holdSlots(rate, 20, 'routine');
    await waitFor('routine sends in flight', () => routine.n >= 4);
    const urgent = holdSlots(rate, 1, 'urgent');
    await waitFor('the urgent send in flight', () => urgent.n === 1, 3_000);
    expect(routine.n).toBe(4);
  });

  it('keeps the reserve for urgent sends while one is about', async () => {
    redis = new Redis(testRedisUrl);
    key = `{t-rate-${randomUUID().slice(0, 8)}}:sms-rate`;
    const perSecond = 30;
    const rate = sendRate(redis, key, perSecond);
    expect(urgentReserve(perSecond)).toBe(3);
    const first = holdSlots(rate, 1, 'urgent');
    await waitFor('an urgent send in flight', () => first.n === 1);
    const routine = holdSlots(rate, 40, 'routine');
    await waitFor('routine sends up to the reserve', () => routine.n >= perSecond - 3 - 1);
    const more = holdSlots(rate, 3, 'urgent');
    await waitFor('the later urgent sends in flight', () => more.n === 3, 3_000);
    expect(routine.n).toBe(perSecond - 3 - 1);
  });
});
