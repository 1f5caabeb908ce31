import { DateTime, Duration } from 'luxon';
import type { Logger } from '../lib/logger.ts';
import { enqueueSteps, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { markQueued, unqueuedStepsDueBefore } from '../store/plans.ts';

export interface PromoterDeps {
  db: Db;
  queues: Queues;
  log: Logger;
  now?: () => Date;
  /** SCHEDULE_HORIZON: steps due within this from now belong in Redis. */
  scheduleHorizon: string;
}

/**
 * How often the promoter runs: a quarter of the horizon, at least once a minute, so a step is in
 * Redis at least three quarters of the horizon before it is due.
 */
export function promoteEveryMs(scheduleHorizon: string): number {
  return Math.max(250, Math.min(Duration.fromISO(scheduleHorizon).toMillis() / 4, 60_000));
}

/**
 * Moves the steps entering the horizon from PostgreSQL into Redis: per batch one SELECT by index,
 * one `addBulk` of their instants' alarms, one UPDATE marking them queued. The next page is read
 * while a batch is added, and a batch is marked while the next is added. Alarm ids are the
 * instants, so a promotion repeated (two workers, a crash between the add and the mark) adds
 * nothing. The reconciler repairs the jobs of queued steps; this only ever adds the jobs of steps
 * that never had one.
 */
export async function promoteSteps(deps: PromoterDeps, options: { batch?: number } = {}): Promise<number> {
  const batch = options.batch ?? 1_000;
  const now = deps.now?.() ?? new Date();
  const until = DateTime.fromJSDate(now).plus(Duration.fromISO(deps.scheduleHorizon)).toJSDate();
  const page = (after?: { id: string; dueAt: Date }) => {
    const read = unqueuedStepsDueBefore(deps.db, until, batch, after);
    read.catch(() => undefined); // awaited below; a failure read ahead must not go unhandled
    return read;
  };
  let promoted = 0;
  let next = page();
  // A batch is marked queued while the next one is added: the mark only ever follows its own add.
  let marking: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const due = await next;
      if (due.length === 0) break;
      next = due.length === batch ? page(due[due.length - 1]) : Promise.resolve([]);
      await enqueueSteps(deps.queues, due, now);
      await marking;
      marking = markQueued(deps.db, due.map((s) => s.id));
      marking.catch(() => undefined); // awaited below
      promoted += due.length;
    }
  } finally {
    await marking;
  }
  if (promoted) deps.log.debug({ promoted }, 'steps promoted into Redis');
  return promoted;
}
