import { defaultCarePlans } from '../../core/care-plan.ts';
import { futurePlan, futureStepsPerEvent } from '../clinic.ts';
import { cpuPer } from '../cpu-usage.ts';
import { profilePhase } from '../profiler.ts';
import { startTrips } from '../round-trips.ts';
import { newTag, openBenchService, type BenchContext } from '../harness.ts';
import { countSteps, scheduleThroughLibrary } from '../library-schedule.ts';
import type { BenchOptions } from '../options.ts';
import { openRawQueue, rawAddDelayed } from '../raw-bullmq.ts';
import { messagesPerPair, scheduleMix } from '../realistic-mix.ts';
import { medians, round } from '../stats.ts';

interface ScheduleRun {
  libraryMessagesPerSecond: number;
  libraryEventsPerSecond: number;
  libraryAcceptPerSecond: number;
  rawAddsPerSecond: number;
  ratio: number;
  cpuNode: number;
  cpuPostgres: number;
  cpuRedis: number;
  rawCpuNode: number;
  rawCpuRedis: number;
}

let lastTrips: Record<string, unknown> = {};

/** One round: raw delayed adds, then the same number of messages through the library path. */
async function round1(ctx: BenchContext, events: number): Promise<ScheduleRun> {
  const messages = events * futureStepsPerEvent;
  const raw = openRawQueue(ctx.redisUrl);
  const rawCpu0 = ctx.cpu();
  const rawRun = await rawAddDelayed(raw, messages, 3_600_000).finally(() => raw.close());
  const rawCpu = cpuPer(rawCpu0, ctx.cpu(), messages / 1000);

  const bs = await openBenchService(ctx, { role: 'all', plan: futurePlan });
  try {
    const cpu0 = ctx.cpu();
    const trips = await startTrips(ctx.redis);
    const lib = await profilePhase(ctx.profileDir, 'schedule', () =>
      scheduleThroughLibrary(bs, { run: newTag(), events, stepsPerEvent: futureStepsPerEvent, endedAt: new Date().toISOString() }));
    const cpu = cpuPer(cpu0, ctx.cpu(), messages / 1000);
    lastTrips = await trips.per(events);
    const rows = await countSteps(bs, 'scheduled');
    if (rows !== messages) throw new Error(`schedule: ${rows} step rows for ${messages} delayed jobs`);
    const libraryMessagesPerSecond = (lib.messages / lib.ms) * 1000;
    const rawAddsPerSecond = (messages / rawRun.ms) * 1000;
    return {
      libraryMessagesPerSecond,
      libraryEventsPerSecond: (events / lib.ms) * 1000,
      libraryAcceptPerSecond: (events / lib.acceptMs) * 1000,
      rawAddsPerSecond,
      ratio: libraryMessagesPerSecond / rawAddsPerSecond,
      cpuNode: cpu.node, cpuPostgres: cpu.postgres, cpuRedis: cpu.redis, rawCpuNode: rawCpu.node, rawCpuRedis: rawCpu.redis,
    };
  } finally {
    await bs.dispose();
  }
}

interface HorizonRun {
  messagesPerSecond: number;
  rawAddsPerSecond: number;
  ratio: number;
  delayedJobs: number;
}

/**
 * One round at the default SCHEDULE_HORIZON (PT1H) with the realistic mix: raw delayed adds of as
 * many messages, then the mix through the library path until every step is in PostgreSQL (those
 * due within the hour also delayed in Redis).
 */
async function horizonRound(ctx: BenchContext, pairs: number): Promise<HorizonRun> {
  const messages = pairs * messagesPerPair;
  const raw = openRawQueue(ctx.redisUrl);
  const rawRun = await rawAddDelayed(raw, messages, 3_600_000).finally(() => raw.close());
  const bs = await openBenchService(ctx, { role: 'all', plan: defaultCarePlans.session, vars: { SCHEDULE_HORIZON: 'PT1H' } });
  try {
    const mix = await profilePhase(ctx.profileDir, 'schedule-horizon', () => scheduleMix(bs, { run: newTag(), pairs, startedAt: Date.now() }));
    const messagesPerSecond = (mix.messages / mix.ms) * 1000;
    const rawAddsPerSecond = (messages / rawRun.ms) * 1000;
    return { messagesPerSecond, rawAddsPerSecond, ratio: messagesPerSecond / rawAddsPerSecond, delayedJobs: await bs.stepsDelayed() };
  } finally {
    await bs.dispose();
  }
}

/** `schedule` (library path): scheduled messages per second against raw BullMQ delayed adds, 50 in flight. */
export async function scheduleCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const events = opts.sizes.scheduleEvents;
  await round1(ctx, Math.ceil(events / 4)); // warm-up: JIT, pools, prepared plans
  const runs: ScheduleRun[] = [];
  for (let r = 0; r < opts.repeats; r++) runs.push(await round1(ctx, events));
  const m = medians(runs);
  // About as many messages as the like-for-like rounds, as session and cessation pairs.
  const pairs = Math.ceil((events * futureStepsPerEvent) / messagesPerPair);
  await horizonRound(ctx, Math.ceil(pairs / 4)); // warm-up
  const horizonRuns: HorizonRun[] = [];
  for (let r = 0; r < opts.repeats; r++) horizonRuns.push(await horizonRound(ctx, pairs));
  const h = medians(horizonRuns);
  return {
    events,
    messages: events * futureStepsPerEvent,
    inflight: 50,
    repeats: runs.length,
    libraryMessagesPerSecond: round(m.libraryMessagesPerSecond),
    libraryEventsPerSecond: round(m.libraryEventsPerSecond),
    libraryAcceptEventsPerSecond: round(m.libraryAcceptPerSecond),
    rawDelayedAddsPerSecond: round(m.rawAddsPerSecond),
    ratio: round(m.ratio, 3),
    // CPU time per 1,000 messages by process: where the work goes (2 cores = 2,000 ms of CPU per second).
    cpuMsPer1000Messages: { node: m.cpuNode, postgres: m.cpuPostgres, redis: m.cpuRedis },
    rawCpuMsPer1000Jobs: { node: m.rawCpuNode, redis: m.rawCpuRedis },
    roundTripsPerEvent: lastTrips,
    runs: runs.map((r) => ({ library: round(r.libraryMessagesPerSecond), raw: round(r.rawAddsPerSecond), ratio: round(r.ratio, 3) })),
    // The same path at the shipped SCHEDULE_HORIZON with the realistic mix: most steps go to PostgreSQL alone.
    defaultHorizon: {
      scheduleHorizon: 'PT1H',
      messages: pairs * messagesPerPair,
      repeats: horizonRuns.length,
      messagesPerSecond: round(h.messagesPerSecond),
      rawDelayedAddsPerSecond: round(h.rawAddsPerSecond),
      ratio: round(h.ratio, 3),
      // Delayed jobs on the steps queue after a round (median): those of the steps due within the hour.
      delayedJobs: h.delayedJobs,
      runs: horizonRuns.map((r) => ({ library: round(r.messagesPerSecond), raw: round(r.rawAddsPerSecond), ratio: round(r.ratio, 3) })),
    },
  };
}
