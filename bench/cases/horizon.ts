import { performance } from 'node:perf_hooks';
import { defaultCarePlans } from '../../core/care-plan.ts';
import { promoteSteps } from '../../workers/promoter.ts';
import { profilePhase } from '../profiler.ts';
import { newTag, openBenchService, type BenchContext } from '../harness.ts';
import { countSteps } from '../library-schedule.ts';
import { redisUsedMemory, schemaBytes } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { sleep } from '../pool.ts';
import { messagesPerPair, scheduleMix } from '../realistic-mix.ts';
import { openRawQueue, rawAddDelayed, type RawQueue } from '../raw-bullmq.ts';
import { round } from '../stats.ts';

const week = 7 * 24 * 3_600_000;

interface MixPoint {
  messages: number;
  scheduleMs: number;
  redisBytesPerMessage: number;
  postgresBytesPerMessage: number;
  /** Delayed jobs on the steps queue once scheduled: those of the steps due within the hour. */
  delayedJobs: number;
  rawMs: number;
  rawRedisBytesPerJob: number;
  promotion?: { promoted: number; ms: number; rawBulkMs: number };
}

/** `count` ids-only jobs by addBulk, 1,000 a call, due now: the yardstick of promotion. */
async function rawAddBulk(raw: RawQueue, count: number, offset: number): Promise<number> {
  const t0 = performance.now();
  for (let from = 0; from < count; from += 1_000) {
    const n = Math.min(1_000, count - from);
    await raw.queue.addBulk(Array.from({ length: n }, (_, k) => {
      const id = raw.jobId(offset + from + k);
      return { name: 'send', data: { stepId: id }, opts: { jobId: id, delay: 0, removeOnComplete: true } };
    }));
  }
  return performance.now() - t0;
}

/**
 * The realistic mix of about `size` messages scheduled at PT1H on a fresh schema and prefix:
 * time and bytes, then (with `promote`) every step promoted at once, as if the horizon had moved
 * a month on, with no worker running the jobs; raw BullMQ beside each.
 */
async function mixPoint(ctx: BenchContext, size: number, promote: boolean): Promise<MixPoint> {
  const pairs = Math.ceil(size / messagesPerPair);
  const started = Date.now();
  const bs = await openBenchService(ctx, { role: 'all', plan: defaultCarePlans.session, vars: { SCHEDULE_HORIZON: 'PT1H' } });
  try {
    await sleep(200);
    const redisBefore = await redisUsedMemory(ctx.redis);
    const pgBefore = await schemaBytes(bs.service.db, bs.schema);
    const mix = await scheduleMix(bs, { run: newTag(), pairs, startedAt: started, pollMs: 200 });
    const redisAfter = await redisUsedMemory(ctx.redis);
    const pgAfter = await schemaBytes(bs.service.db, bs.schema);
    const delayedJobs = await bs.stepsDelayed();
    const messages = await countSteps(bs, 'scheduled');
    let promoted = 0; let promoteMs = 0;
    if (promote) {
      await bs.service.workers!.close();
      const p0 = performance.now();
      promoted = await profilePhase(ctx.profileDir, 'promotion', () => promoteSteps({ ...bs.service, now: () => new Date(started + 5 * week) }));
      promoteMs = performance.now() - p0;
    }
    const raw = openRawQueue(ctx.redisUrl);
    try {
      await raw.queue.waitUntilReady();
      const before = await redisUsedMemory(ctx.redis);
      const rawAdd = await rawAddDelayed(raw, messages, 3_600_000);
      const rawBytes = (await redisUsedMemory(ctx.redis)) - before;
      const rawBulkMs = promote ? await rawAddBulk(raw, promoted, messages) : 0;
      return {
        messages,
        scheduleMs: mix.ms,
        redisBytesPerMessage: round((redisAfter - redisBefore) / messages),
        postgresBytesPerMessage: round((pgAfter.total - pgBefore.total) / messages),
        delayedJobs,
        rawMs: rawAdd.ms,
        rawRedisBytesPerJob: round(rawBytes / messages),
        ...(promote ? { promotion: { promoted, ms: promoteMs, rawBulkMs } } : {}),
      };
    } finally {
      await raw.close();
    }
  } finally {
    await bs.dispose();
  }
}

/**
 * `horizon`: the realistic mix (a session plan and a cessation plan per pair of events, their
 * anchors spread over the coming week as in a service that has run for a while) at the default
 * SCHEDULE_HORIZON: Redis bytes per scheduled message and scheduling rate at a tenth of the size
 * and at the size (the growth between them), then promotion of every step of the larger at once
 * (one SELECT, one addBulk, one UPDATE per 1,000), each beside raw BullMQ in this run.
 */
export async function horizonCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const small = await mixPoint(ctx, opts.sizes.horizonMessages / 10, false);
  const p = await mixPoint(ctx, opts.sizes.horizonMessages, true);
  const { promoted, ms: promoteMs, rawBulkMs } = p.promotion!;
  const perSecond = (n: number, ms: number) => (n / ms) * 1000;
  return {
    messages: p.messages,
    delayedJobsBeforePromotion: p.delayedJobs,
    scheduleSeconds: round(p.scheduleMs / 1000, 2),
    messagesPerSecond: round(perSecond(p.messages, p.scheduleMs)),
    rawDelayedAddsPerSecond: round(perSecond(p.messages, p.rawMs)),
    scheduleRatio: round(perSecond(p.messages, p.scheduleMs) / perSecond(p.messages, p.rawMs), 2),
    redisBytesPerMessage: p.redisBytesPerMessage,
    rawRedisBytesPerJob: p.rawRedisBytesPerJob,
    postgresBytesPerMessage: p.postgresBytesPerMessage,
    promoted,
    promotedPerSecond: round(perSecond(promoted, promoteMs)),
    rawAddBulkPerSecond: round(perSecond(promoted, rawBulkMs)),
    // Promoted steps per second over raw addBulk's jobs per second (1,000 a call) of as many ids-only jobs.
    promotionRatio: round(rawBulkMs / promoteMs, 2),
    growth: {
      from: small.messages,
      to: p.messages,
      sizeRatio: round(p.messages / small.messages, 2),
      timeRatio: round(p.scheduleMs / small.scheduleMs, 2),
      rawTimeRatio: round(p.rawMs / small.rawMs, 2),
      redisBytesPerMessageFrom: small.redisBytesPerMessage,
      postgresBytesPerMessageFrom: small.postgresBytesPerMessage,
    },
  };
}
