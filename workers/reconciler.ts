import { DateTime, Duration } from 'luxon';
import type { Logger } from '../lib/logger.ts';
import { enqueueEvent, enqueueSteps, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { unexpandedEvents } from '../store/events.ts';
import { openStepsDueBefore } from '../store/plans.ts';

export interface ReconcilerDeps {
  db: Db;
  queues: Queues;
  log: Logger;
  now?: () => Date;
  /** How often the reconciler runs; it covers steps due within twice this. */
  every: string;
}

const batch = 5_000;

/**
 * Repairs any gap between PostgreSQL (what should happen) and Redis (what will happen):
 * events accepted while Redis was down, and steps whose job a Redis restart or wipe lost.
 * Job ids are derived from the records, so re-adding a job that exists is a no-op.
 */
export async function reconcile(deps: ReconcilerDeps): Promise<{ events: number; steps: number }> {
  const now = DateTime.fromJSDate(deps.now?.() ?? new Date());
  // A few seconds' margin lets the accepting request enqueue its own event first.
  const events = await unexpandedEvents(deps.db, now.minus({ seconds: 5 }).toJSDate(), batch);
  for (const e of events) await enqueueEvent(deps.queues, e);
  const horizon = now.plus(Duration.fromISO(deps.every).mapUnits((x) => x * 2)).plus({ minutes: 1 });
  let steps = 0;
  for (let page = 0; page < 100; page++) {
    const due = await openStepsDueBefore(deps.db, horizon.toJSDate(), batch, page * batch);
    await enqueueSteps(deps.queues, due, now.toJSDate());
    steps += due.length;
    if (due.length < batch) break;
  }
  // A job can also exist but fire too late: Redis restored from an old snapshot, or shared with a
  // database that was reset. An open step well past its due time gets its delayed job promoted.
  // Only never-tried steps: a step in 'sending' may be waiting out a retry backoff on purpose.
  const overdue = await openStepsDueBefore(deps.db, now.minus({ seconds: 10 }).toJSDate(), 500, 0, ['scheduled']);
  let promoted = 0;
  for (const step of overdue) {
    const job = await deps.queues.steps.getJob(step.id);
    if (job && (await job.isDelayed())) {
      await job.promote();
      promoted++;
    }
  }
  if (promoted) deps.log.warn({ promoted }, 'promoted overdue delayed jobs');
  if (events.length || steps) deps.log.debug({ events: events.length, steps }, 'reconciled');
  return { events: events.length, steps };
}
