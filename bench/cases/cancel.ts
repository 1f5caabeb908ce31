import { performance } from 'node:perf_hooks';
import { cancelEvent, futurePlan, futureStepsPerEvent } from '../clinic.ts';
import { cpuPer, type CpuTimes } from '../cpu-usage.ts';
import { profilePhase } from '../profiler.ts';
import { startTrips } from '../round-trips.ts';
import { newTag, openBenchService, type BenchContext } from '../harness.ts';
import { countSteps, eventsExpanded, scheduleThroughLibrary } from '../library-schedule.ts';
import type { BenchOptions } from '../options.ts';
import { runPool, waitUntil } from '../pool.ts';
import { openRawQueue, rawAddDelayed, rawRemoveGroups } from '../raw-bullmq.ts';
import { medians, round } from '../stats.ts';

interface CancelRun {
  plansPerSecond: number;
  recordedPerSecond: number;
  rawPlansPerSecond: number;
  ratio: number;
}

let lastProfile: { cpuMsPer1000Plans?: CpuTimes; roundTripsPerPlan?: Record<string, unknown> } = {};

/**
 * One round: `plans` scheduled plans (three pending steps each) cancelled by plan.cancelled events,
 * 50 in flight, until every step is cancelled in PostgreSQL and every job is gone from Redis;
 * raw: removing the same number of delayed jobs, a plan's three at a time.
 */
async function round1(ctx: BenchContext, plans: number): Promise<CancelRun> {
  const raw = openRawQueue(ctx.redisUrl);
  let rawMs: number;
  try {
    await rawAddDelayed(raw, plans * futureStepsPerEvent, 3_600_000);
    rawMs = (await rawRemoveGroups(raw, plans, futureStepsPerEvent)).ms;
  } finally {
    await raw.close();
  }

  const bs = await openBenchService(ctx, { role: 'all', plan: futurePlan });
  try {
    const run = newTag();
    await scheduleThroughLibrary(bs, { run, events: plans, stepsPerEvent: futureStepsPerEvent, endedAt: new Date().toISOString() });
    const cpu0 = ctx.cpu();
    const trips = await startTrips(ctx.redis);
    const started = performance.now();
    let recordedMs = 0;
    const cancelAll = async () => {
      await runPool(plans, 50, (i) => bs.service.accept(cancelEvent(run, i)));
      await waitUntil('every cancellation recorded', async () => {
        const [row] = await bs.service.db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM events WHERE type = 'plan.cancelled' AND expanded_at IS NOT NULL`);
        return Number(row?.n) >= plans || `${row?.n ?? 0} of ${plans} cancellations recorded`;
      }, 300_000);
      recordedMs = performance.now() - started;
      // Then their jobs removed: each cancellation's event job ends after its removes.
      await eventsExpanded(bs, 300_000);
    };
    await profilePhase(ctx.profileDir, 'cancel', cancelAll);
    const ms = performance.now() - started;
    lastProfile = { cpuMsPer1000Plans: cpuPer(cpu0, ctx.cpu(), plans / 1000), roundTripsPerPlan: await trips.per(plans) };
    const cancelled = await countSteps(bs, 'cancelled');
    if (cancelled !== plans * futureStepsPerEvent) throw new Error(`cancel: ${cancelled} cancelled steps of ${plans * futureStepsPerEvent}`);
    const plansPerSecond = (plans / ms) * 1000;
    const rawPlansPerSecond = (plans / rawMs) * 1000;
    return { plansPerSecond, recordedPerSecond: (plans / recordedMs) * 1000, rawPlansPerSecond, ratio: plansPerSecond / rawPlansPerSecond };
  } finally {
    await bs.dispose();
  }
}

/** `cancel`: plans cancelled per second, each with its pending steps and their delayed jobs. */
export async function cancelCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const plans = opts.sizes.cancelPlans;
  await round1(ctx, Math.ceil(plans / 4)); // warm-up
  const runs: CancelRun[] = [];
  for (let r = 0; r < opts.repeats; r++) runs.push(await round1(ctx, plans));
  const m = medians(runs);
  return {
    plans,
    stepsPerPlan: futureStepsPerEvent,
    inflight: 50,
    repeats: runs.length,
    plansPerSecond: round(m.plansPerSecond),
    recordedInPostgresPerSecond: round(m.recordedPerSecond),
    rawPlansPerSecond: round(m.rawPlansPerSecond),
    ratio: round(m.ratio, 3),
    ...lastProfile,
    runs: runs.map((r) => ({ plansPerSecond: round(r.plansPerSecond), raw: round(r.rawPlansPerSecond), ratio: round(r.ratio, 3) })),
  };
}
