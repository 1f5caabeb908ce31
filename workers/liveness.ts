import type { Worker } from 'bullmq';
import type { Queues } from '../lib/queues.ts';

export interface Liveness {
  ok: boolean;
  reason?: string;
}

/**
 * BullMQ has had bugs where a worker never resumes after a long Redis outage. Liveness fails
 * when jobs are due but nothing has moved for `stallAfterMs`, so an orchestrator restarts the
 * process; a check that cannot reach Redis within the timeout fails too.
 */
export function watchLiveness(workers: Worker[], queues: Queues, options: { stallAfterMs: number; timeoutMs?: number }) {
  let lastActivity = Date.now();
  const touch = () => {
    lastActivity = Date.now();
  };
  for (const w of workers) {
    w.on('active', touch);
    w.on('completed', touch);
    w.on('failed', touch);
  }
  return async function liveness(): Promise<Liveness> {
    const check = async (): Promise<Liveness> => {
      const now = Date.now();
      if (now - lastActivity < options.stallAfterMs) return { ok: true };
      // Every partition's steps queue (QUEUE_PARTITIONS): one stalled partition is a stalled worker.
      const looks = await Promise.all(queues.stepPartitions.map(async (q) => {
        const [counts, [oldestDelayed]] = await Promise.all([q.getJobCounts('wait', 'prioritized'), q.getDelayed(0, 0)]);
        return { waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
          overdue: oldestDelayed ? oldestDelayed.timestamp + (oldestDelayed.delay ?? 0) < now - options.stallAfterMs : false };
      }));
      const waiting = looks.reduce((n, l) => n + l.waiting, 0);
      const overdueDelayed = looks.some((l) => l.overdue);
      if (waiting > 0 || overdueDelayed)
        return { ok: false, reason: `jobs are due but none has moved for ${Math.round((now - lastActivity) / 1000)} s` };
      return { ok: true };
    };
    const timeoutMs = options.timeoutMs ?? 3_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Liveness>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: `Redis did not answer within ${timeoutMs} ms` }), timeoutMs);
    });
    return Promise.race([check().catch((err: Error) => ({ ok: false, reason: `Redis error: ${err.message}` })), timeout]).finally(() => clearTimeout(timer));
  };
}
