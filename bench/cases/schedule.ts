import { futurePlan, futureStepsPerEvent } from '../clinic.ts';
import { cpuPer } from '../cpu-usage.ts';
import { profilePhase } from '../profiler.ts';
import { startTrips } from '../round-trips.ts';
import { newTag, openBenchService, type BenchContext } from '../harness.ts';
import { countSteps, scheduleThroughLibrary } from '../library-schedule.ts';
import type { BenchOptions } from '../options.ts';
import { openRawQueue, rawAddDelayed } from '../raw-bullmq.ts';
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

/** `schedule` (library path): scheduled messages per second against raw BullMQ delayed adds, 50 in flight. */
export async function scheduleCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const events = opts.sizes.scheduleEvents;
  await round1(ctx, Math.ceil(events / 4)); // warm-up: JIT, pools, prepared plans
  const runs: ScheduleRun[] = [];
  for (let r = 0; r < opts.repeats; r++) runs.push(await round1(ctx, events));
  const m = medians(runs);
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
    target: 0.5,
    pass: m.ratio >= 0.5,
    // CPU time per 1,000 messages by process: where the work goes (2 cores = 2,000 ms of CPU per second).
    cpuMsPer1000Messages: { node: m.cpuNode, postgres: m.cpuPostgres, redis: m.cpuRedis },
    rawCpuMsPer1000Jobs: { node: m.rawCpuNode, redis: m.rawCpuRedis },
    roundTripsPerEvent: lastTrips,
    runs: runs.map((r) => ({ library: round(r.libraryMessagesPerSecond), raw: round(r.rawAddsPerSecond), ratio: round(r.ratio, 3) })),
  };
}
