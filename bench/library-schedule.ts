import { performance } from 'node:perf_hooks';
import { sessionEvent } from './clinic.ts';
import type { BenchService } from './harness.ts';
import { runPool, waitUntil } from './pool.ts';

export interface LibrarySchedule {
  events: number;
  messages: number;
  /** From the first accept until every step is in PostgreSQL and enqueued in Redis. */
  ms: number;
  /** Until the last accept returned (events safe in PostgreSQL and queued for the scheduler). */
  acceptMs: number;
}

/**
 * Accepts `events` session events through the library path (service.accept, `inflight` at a time)
 * and waits until their `stepsPerEvent` steps are written and enqueued.
 */
export async function scheduleThroughLibrary(
  bs: BenchService,
  o: { run: string; events: number; stepsPerEvent: number; endedAt: string; inflight?: number; timeoutMs?: number },
): Promise<LibrarySchedule> {
  const started = performance.now();
  await runPool(o.events, o.inflight ?? 50, async (i) => {
    const accepted = await bs.service.accept(sessionEvent(o.run, i, o.endedAt));
    if (accepted.duplicate) throw new Error(`event ${accepted.eventId} was a duplicate`);
  });
  const acceptMs = performance.now() - started;
  await eventsExpanded(bs, o.timeoutMs ?? 600_000);
  return { events: o.events, messages: o.events * o.stepsPerEvent, ms: performance.now() - started, acceptMs };
}

/**
 * Waits, once every accept has returned (its event job is then in Redis), until no event job is
 * left: an expansion job finishes only after its steps are written and enqueued (and a
 * cancellation's jobs removed). It reads no job of the steps queue, so it holds however steps are
 * laid out in Redis (a job per step, or per due instant).
 */
export async function eventsExpanded(bs: BenchService, timeoutMs: number, intervalMs = 25): Promise<void> {
  await waitUntil('every event expanded', async () => {
    const counts = await Promise.all(bs.service.queues.eventPartitions.map((q) => q.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized')));
    const left = counts.reduce((sum, n) => sum + n, 0);
    return left === 0 || `${left} event jobs left`;
  }, timeoutMs, intervalMs);
}

/** Steps rows of the service's schema (a check that every delayed job has its record). */
export async function countSteps(bs: BenchService, state?: string): Promise<number> {
  const [row] = await bs.service.db.query<{ n: string }>(
    state ? 'SELECT count(*)::text AS n FROM steps WHERE state = $1' : 'SELECT count(*)::text AS n FROM steps',
    state ? [state] : [],
  );
  return Number(row?.n ?? 0);
}
