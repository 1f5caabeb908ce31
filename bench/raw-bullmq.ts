import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { newTag } from './harness.ts';
import { deleteKeys } from './measure.ts';
import { runPool, waitUntil } from './pool.ts';

/**
 * The same operations done with BullMQ alone, as the yardstick of every case: ids-only jobs
 * (a step-like id as data and job id), the leanest options (removeOnComplete), no PostgreSQL.
 */
export interface RawQueue {
  queue: Queue;
  prefix: string;
  connection: Redis;
  jobId(i: number): string;
  close(): Promise<void>;
}

export function openRawQueue(redisUrl: string, name = 'raw-steps'): RawQueue {
  const tag = newTag();
  const prefix = `{raw-${tag}}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  return {
    queue,
    prefix,
    connection,
    // As long as a product step id: plan-<22 characters>-<step key>.
    jobId: (i) => `plan-${tag}${String(i).padStart(10, '0')}-light-meal`,
    async close() {
      await queue.close();
      await deleteKeys(connection, `${prefix}*`);
      await connection.quit();
    },
  };
}

export async function rawAddDelayed(raw: RawQueue, count: number, delayMs: number, inflight = 50, offset = 0): Promise<{ ms: number }> {
  const started = performance.now();
  await runPool(count, inflight, (i) => {
    const id = raw.jobId(offset + i);
    return raw.queue.add('send', { stepId: id }, { jobId: id, delay: delayMs, removeOnComplete: true });
  });
  return { ms: performance.now() - started };
}

/** Removes the delayed jobs `groups` of `perGroup` at a time (a plan's steps), `inflight` groups at once. */
export async function rawRemoveGroups(raw: RawQueue, groups: number, perGroup: number, inflight = 50): Promise<{ ms: number }> {
  const started = performance.now();
  await runPool(groups, inflight, (g) =>
    Promise.all(Array.from({ length: perGroup }, (_, k) => raw.queue.remove(raw.jobId(g * perGroup + k)))));
  return { ms: performance.now() - started };
}

/**
 * `count` no-op jobs due at one instant `leadMs` ahead, a worker at `concurrency`: returns each
 * job's completion time relative to the due instant.
 */
export async function rawDispatch(redisUrl: string, count: number, concurrency: number): Promise<{ lateness: number[]; scheduleMs: number }> {
  const raw = openRawQueue(redisUrl, 'raw-dispatch');
  const done: number[] = [];
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker('raw-dispatch', async () => { done.push(Date.now()); }, { connection: workerConnection, prefix: raw.prefix, concurrency });
  try {
    // A lead long enough for the adds (tens of thousands per second raw) plus a margin.
    const dueAt = Date.now() + 2_000 + count / 5;
    const started = performance.now();
    await runPool(count, 50, (i) => {
      const id = raw.jobId(i);
      return raw.queue.add('send', { stepId: id }, { jobId: id, delay: dueAt - Date.now(), removeOnComplete: true });
    });
    const scheduleMs = performance.now() - started;
    if (Date.now() >= dueAt) throw new Error('raw dispatch: adding took longer than the lead');
    await waitUntil('raw no-op jobs done', async () => done.length >= count || `${done.length} of ${count}`, 120_000 + count * 10);
    return { lateness: done.map((t) => t - dueAt), scheduleMs };
  } finally {
    await worker.close();
    await workerConnection.quit();
    await raw.close();
  }
}
