import { futurePlan, futureStepsPerEvent } from '../clinic.ts';
import { newTag, openBenchService, type BenchContext } from '../harness.ts';
import { countSteps, scheduleThroughLibrary } from '../library-schedule.ts';
import { bytesPer, redisBreakdown, redisUsedMemory, schemaBytes } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { sleep, waitUntil } from '../pool.ts';
import { openRawQueue, rawAddDelayed } from '../raw-bullmq.ts';
import { median, round } from '../stats.ts';

export interface ScalePoint {
  messages: number;
  scheduleSeconds: number;
  messagesPerSecond: number;
  redisBytesPerMessage: number;
  postgresBytesPerMessage: number;
  /** After VACUUM FULL: without the dead row versions the updates leave until vacuum reuses their space. */
  postgresBytesPerMessageCompacted: number;
  postgresBytesPerMessageByTable: Record<string, number>;
  redisBytesByPart: Record<string, number | string>;
  rawSeconds: number;
  rawRedisBytesPerJob: number;
}

/** Schedules `messages` through the library on a fresh schema and prefix; raw delayed adds of as many ids-only jobs beside it. */
async function measurePoint(ctx: BenchContext, messages: number): Promise<ScalePoint> {
  const events = Math.ceil(messages / futureStepsPerEvent);
  const total = events * futureStepsPerEvent;

  const raw = openRawQueue(ctx.redisUrl);
  let rawRedis: number;
  let rawMs: number;
  try {
    await raw.queue.waitUntilReady();
    const before = await redisUsedMemory(ctx.redis);
    rawMs = (await rawAddDelayed(raw, total, 3_600_000)).ms;
    rawRedis = (await redisUsedMemory(ctx.redis)) - before;
  } finally {
    await raw.close();
  }

  const bs = await openBenchService(ctx, { role: 'all', plan: futurePlan });
  try {
    await sleep(200);
    const redisBefore = await redisUsedMemory(ctx.redis);
    const pgBefore = await schemaBytes(bs.service.db, bs.schema);
    const lib = await scheduleThroughLibrary(bs, { run: newTag(), events, stepsPerEvent: futureStepsPerEvent, endedAt: new Date().toISOString(), timeoutMs: 3_600_000 });
    // The event jobs leave Redis on completion; wait for the last ones so only the steps remain.
    await waitUntil('event queue drained', async () => (await bs.service.queues.events.getJobCountByTypes('wait', 'active', 'delayed')) === 0, 60_000);
    const redisAfter = await redisUsedMemory(ctx.redis);
    const pgAfter = await schemaBytes(bs.service.db, bs.schema);
    const redisBytesByPart = await redisBreakdown(ctx.redis, bs.prefix, total);
    for (const table of Object.keys(pgAfter.tables)) await bs.service.db.exec(`VACUUM FULL ${bs.schema}.${table}`);
    const pgCompacted = await schemaBytes(bs.service.db, bs.schema);
    const rows = await countSteps(bs);
    if (rows !== total) throw new Error(`memory: ${rows} step rows for ${total} messages`);
    return {
      messages: total,
      scheduleSeconds: round(lib.ms / 1000, 2),
      messagesPerSecond: round((total / lib.ms) * 1000),
      redisBytesPerMessage: round((redisAfter - redisBefore) / total),
      postgresBytesPerMessage: round((pgAfter.total - pgBefore.total) / total),
      postgresBytesPerMessageCompacted: round((pgCompacted.total - pgBefore.total) / total),
      postgresBytesPerMessageByTable: bytesPer(pgBefore.tables, pgAfter.tables, total),
      redisBytesByPart,
      rawSeconds: round(rawMs / 1000, 2),
      rawRedisBytesPerJob: round(rawRedis / total),
    };
  } finally {
    await bs.dispose();
  }
}

// memory's point is growth's point of the same size: measured once per run. Points of 100,000
// messages and more run once (minutes each here; their bytes per message vary by well under 1%).
const measured = new Map<number, ScalePoint[]>();
async function points(ctx: BenchContext, messages: number, volumeRepeats: number): Promise<ScalePoint[]> {
  const repeats = messages >= 100_000 ? 1 : volumeRepeats;
  const done = measured.get(messages) ?? [];
  while (done.length < repeats) done.push(await measurePoint(ctx, messages));
  measured.set(messages, done);
  return done;
}

function medianPoint(runs: ScalePoint[]): ScalePoint {
  const pick = (f: (p: ScalePoint) => number) => median(runs.map(f));
  return {
    messages: runs[0]!.messages,
    scheduleSeconds: pick((p) => p.scheduleSeconds),
    messagesPerSecond: pick((p) => p.messagesPerSecond),
    redisBytesPerMessage: pick((p) => p.redisBytesPerMessage),
    postgresBytesPerMessage: pick((p) => p.postgresBytesPerMessage),
    postgresBytesPerMessageCompacted: pick((p) => p.postgresBytesPerMessageCompacted),
    postgresBytesPerMessageByTable: runs[0]!.postgresBytesPerMessageByTable,
    redisBytesByPart: runs[0]!.redisBytesByPart,
    rawSeconds: pick((p) => p.rawSeconds),
    rawRedisBytesPerJob: pick((p) => p.rawRedisBytesPerJob),
  };
}

/** `memory`: Redis bytes per scheduled message and PostgreSQL bytes per step (timeline included). */
export async function memoryCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const runs = await points(ctx, opts.sizes.memoryMessages, opts.volumeRepeats);
  const p = medianPoint(runs);
  return {
    ...p,
    repeats: runs.length,
    redisRatioToRaw: round(p.redisBytesPerMessage / p.rawRedisBytesPerJob, 2),
  };
}

/** `growth`: schedule time and memory at 10x steps; linear when each step costs at most 11x the one before. */
export async function growthCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const sizes = opts.sizes.growthMessages;
  const series: ScalePoint[] = [];
  for (const size of sizes) series.push(medianPoint(await points(ctx, size, opts.volumeRepeats)));
  const steps = series.slice(1).map((p, i) => {
    const prev = series[i]!;
    return {
      from: prev.messages,
      to: p.messages,
      sizeRatio: round(p.messages / prev.messages, 2),
      timeRatio: round(p.scheduleSeconds / prev.scheduleSeconds, 2),
      rawTimeRatio: round(p.rawSeconds / prev.rawSeconds, 2),
      redisBytesRatio: round(p.redisBytesPerMessage / prev.redisBytesPerMessage, 2),
      postgresBytesRatio: round(p.postgresBytesPerMessage / prev.postgresBytesPerMessage, 2),
    };
  });
  return {
    series: series.map(({ postgresBytesPerMessageByTable: _tables, redisBytesByPart: _parts, ...rest }) => rest),
    steps,
    largest: series.at(-1)?.messages,
  };
}
