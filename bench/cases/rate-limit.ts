import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchClinic, duePlan } from '../clinic.ts';
import { benchVars, newTag, openBenchService, type BenchContext } from '../harness.ts';
import { scheduleThroughLibrary } from '../library-schedule.ts';
import { deleteKeys } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { countSmsOutbox, readSmsOutbox } from '../outbox-lines.ts';
import { runPool, waitUntil } from '../pool.ts';
import { spawnTsx, waitForChild, type Child } from '../processes.ts';
import { median, round } from '../stats.ts';

export interface Pace {
  /** Most sends in any one-second window [t, t + 1 s) starting at a send (sliding). */
  busiestSlidingWindow: number;
  /** Most sends in one of the consecutive one-second windows counted from the first send. */
  busiestAlignedWindow: number;
  /** Sends per second over the complete aligned windows (every window but the last, partial one). */
  meanPerSecond: number;
}

export function pace(times: number[]): Pace {
  const t = [...times].sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j]! < t[i]! + 1_000) j++;
    busiest = Math.max(busiest, j - i);
  }
  const first = t[0] ?? 0;
  const windows = new Map<number, number>();
  for (const x of t) windows.set(Math.floor((x - first) / 1_000), (windows.get(Math.floor((x - first) / 1_000)) ?? 0) + 1);
  const last = Math.max(...windows.keys());
  const complete = [...windows.entries()].filter(([k]) => k < last).map(([, n]) => n);
  return {
    busiestSlidingWindow: busiest,
    busiestAlignedWindow: Math.max(...windows.values()),
    meanPerSecond: complete.length ? complete.reduce((a, b) => a + b, 0) / last : Number.NaN,
  };
}

/** Raw: two BullMQ workers (own connections) sharing a limiter of `limit` per second, no-op jobs due at once. */
async function rawRound(redisUrl: string, count: number, limit: number): Promise<Pace> {
  const prefix = `{raw-${newTag()}}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('raw-limited', { connection, prefix });
  const done: number[] = [];
  const workers = [0, 1].map(() => new Worker('raw-limited', async () => { done.push(Date.now()); },
    { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix, concurrency: 50, limiter: { max: limit, duration: 1_000 } }));
  try {
    const delay = 1_000;
    await runPool(count, 50, (i) => queue.add('send', { stepId: `s${i}` }, { delay, removeOnComplete: true }));
    await waitUntil('raw limited jobs', async () => done.length >= count || `${done.length} of ${count}`, (count / limit) * 3_000 + 30_000, 50);
    return pace(done);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
    await deleteKeys(connection, `${prefix}*`);
    await connection.quit();
  }
}

/** Product: `aftercare worker` processes on one schema and prefix, each with its own outbox; events accepted here. */
async function productRound(ctx: BenchContext, count: number, limit: number, processes: number): Promise<Pace & { perProcess: number[] }> {
  const tag = newTag();
  const clinicsFile = join(ctx.tmpDir, `clinics-${tag}.json`);
  writeFileSync(clinicsFile, JSON.stringify({ clinics: [benchClinic(duePlan)] }));
  const outboxes = Array.from({ length: processes }, (_, w) => join(ctx.tmpDir, tag, `outbox-${w}`));
  const bs = await openBenchService(ctx, { role: 'client', plan: duePlan, tag });
  const children: Child[] = [];
  try {
    for (const outbox of outboxes) {
      children.push(spawnTsx(ctx, 'bin/aftercare.ts', ['worker'],
        benchVars(ctx, tag, { CLINICS_FILE: clinicsFile, OUTBOX_DIR: outbox, SMS_RATE_PER_SECOND: String(limit), WORKER_CONCURRENCY: '50' })));
    }
    for (const child of children)
      await waitForChild(child, 'aftercare worker', async () => (await bs.service.queues.steps.getWorkersCount()) >= processes, 60_000);
    const dueAt = Date.now() + 3_000;
    await scheduleThroughLibrary(bs, { run: tag, events: count, stepsPerEvent: 1, endedAt: new Date(dueAt).toISOString() });
    if (Date.now() >= dueAt) throw new Error('rate-limit: scheduling ended after the due instant');
    await waitUntil('every limited message sent', async () => {
      const n = outboxes.reduce((a, o) => a + countSmsOutbox(o), 0);
      return n >= count || `${n} of ${count}`;
    }, (count / limit) * 3_000 + 30_000, 100);
    const perProcess = outboxes.map((o) => readSmsOutbox(o));
    const all = perProcess.flat();
    if (new Set(all.map((l) => l.messageId)).size !== count) throw new Error('rate-limit: a message was sent twice or not at all');
    return { ...pace(all.map((l) => l.sentAt)), perProcess: perProcess.map((lines) => lines.length) };
  } finally {
    for (const child of children) await child.stop();
    await bs.dispose();
  }
}

/** `rate-limit`: L messages per second across worker processes: never more in any second, at least 95% of L on average. */
export async function rateLimitCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const { perSecond: limit, messages, workers } = opts.sizes.rateLimit;
  const repeats = opts.quick ? 1 : opts.repeats;
  const runs: Array<Pace & { perProcess: number[] }> = [];
  const raws: Pace[] = [];
  for (let r = 0; r < repeats; r++) {
    raws.push(await rawRound(ctx.redisUrl, messages, limit));
    runs.push(await productRound(ctx, messages, limit, workers));
  }
  const worstBusiest = Math.max(...runs.map((r) => r.busiestSlidingWindow));
  const meanPerSecond = median(runs.map((r) => r.meanPerSecond));
  return {
    limitPerSecond: limit,
    messages,
    workerProcesses: workers,
    repeats: runs.length,
    busiestSlidingWindow: worstBusiest,
    busiestAlignedWindow: Math.max(...runs.map((r) => r.busiestAlignedWindow)),
    meanPerSecond: round(meanPerSecond, 2),
    meanShareOfLimit: round(meanPerSecond / limit, 3),
    rawBusiestSlidingWindow: Math.max(...raws.map((r) => r.busiestSlidingWindow)),
    rawBusiestAlignedWindow: Math.max(...raws.map((r) => r.busiestAlignedWindow)),
    rawMeanPerSecond: round(median(raws.map((r) => r.meanPerSecond)), 2),
    sendsPerProcess: runs.map((r) => r.perProcess),
  };
}
