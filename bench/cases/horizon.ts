import { performance } from 'node:perf_hooks';
import { defaultCarePlans } from '../../core/care-plan.ts';
import { promoteSteps } from '../../workers/promoter.ts';
import { newTag, openBenchService, type BenchContext } from '../harness.ts';
import { countSteps } from '../library-schedule.ts';
import { redisUsedMemory, schemaBytes } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { sleep } from '../pool.ts';
import { messagesPerPair, scheduleMix } from '../realistic-mix.ts';
import { openRawQueue, rawAddDelayed } from '../raw-bullmq.ts';
import { round } from '../stats.ts';

const week = 7 * 24 * 3_600_000;

/**
 * `horizon`: the realistic mix (a session plan and a cessation plan per pair of events, their
 * anchors spread over the coming week as in a service that has run for a while) at the default
 * SCHEDULE_HORIZON: Redis bytes per scheduled message, scheduling rate, then promotion of every
 * step at once (one SELECT, one addBulk, one UPDATE per 1,000), each beside raw BullMQ in this run.
 */
export async function horizonCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const pairs = Math.ceil(opts.sizes.horizonMessages / messagesPerPair);
  const run = newTag();
  const started = Date.now();

  const bs = await openBenchService(ctx, { role: 'all', plan: defaultCarePlans.session, vars: { SCHEDULE_HORIZON: 'PT1H' } });
  let result: Record<string, unknown>;
  try {
    await sleep(200);
    const redisBefore = await redisUsedMemory(ctx.redis);
    const pgBefore = await schemaBytes(bs.service.db, bs.schema);
    const mix = await scheduleMix(bs, { run, pairs, startedAt: started, pollMs: 200 });
    const scheduleMs = mix.ms;
    const redisAfter = await redisUsedMemory(ctx.redis);
    const pgAfter = await schemaBytes(bs.service.db, bs.schema);
    const inRedis = await bs.stepsDelayed();
    const messages = await countSteps(bs, 'scheduled');

    // Promotion: every step at once, as if the horizon had moved a month on; no worker runs the jobs.
    await bs.service.workers!.close();
    const p0 = performance.now();
    const promoted = await promoteSteps({ ...bs.service, now: () => new Date(started + 5 * week) });
    const promoteMs = performance.now() - p0;

    const raw = openRawQueue(ctx.redisUrl);
    let rawAdd: { ms: number }; let rawBytes: number; let rawBulkMs: number;
    try {
      await raw.queue.waitUntilReady();
      const before = await redisUsedMemory(ctx.redis);
      rawAdd = await rawAddDelayed(raw, messages, 3_600_000);
      rawBytes = ((await redisUsedMemory(ctx.redis)) - before) / messages;
      const b0 = performance.now();
      for (let from = 0; from < promoted; from += 1_000) {
        const n = Math.min(1_000, promoted - from);
        await raw.queue.addBulk(Array.from({ length: n }, (_, k) => {
          const id = raw.jobId(messages + from + k);
          return { name: 'send', data: { stepId: id }, opts: { jobId: id, delay: 0, removeOnComplete: true } };
        }));
      }
      rawBulkMs = performance.now() - b0;
    } finally {
      await raw.close();
    }
    const redisBytesPerMessage = round((redisAfter - redisBefore) / messages);
    const promotedPerSecond = round((promoted / promoteMs) * 1000);
    result = {
      messages,
      stepsInRedisBeforePromotion: inRedis,
      scheduleSeconds: round(scheduleMs / 1000, 2),
      messagesPerSecond: round((messages / scheduleMs) * 1000),
      rawDelayedAddsPerSecond: round((messages / rawAdd.ms) * 1000),
      scheduleRatio: round(((messages / scheduleMs) * 1000) / ((messages / rawAdd.ms) * 1000), 2),
      redisBytesPerMessage,
      rawRedisBytesPerJob: round(rawBytes),
      postgresBytesPerMessage: round((pgAfter.total - pgBefore.total) / messages),
      promoted,
      promotedPerSecond,
      rawAddBulkPerSecond: round((promoted / rawBulkMs) * 1000),
      // Promoted steps per second over raw addBulk's jobs per second (1,000 a call) of as many ids-only jobs.
      promotionRatio: round(rawBulkMs / promoteMs, 2),
    };
  } finally {
    await bs.dispose();
  }
  return result;
}
