import { DateTime, Duration } from 'luxon';
import type { Clinics } from '../config/clinics.ts';
import { clinicOnCall } from '../config/on-call.ts';
import { policyRound } from '../core/escalation-policy.ts';
import type { Logger } from '../lib/logger.ts';
import { dueJobId, enqueueEhrIntake, enqueueEvents, enqueueNotice, enqueueReplyWindow, enqueueSteps, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { closeStaleReviews, openEscalationRounds, unnotifiedEscalations } from '../store/escalations.ts';
import { unexpandedEvents } from '../store/events.ts';
import { pendingEhrNotifications } from '../store/ehr-notifications.ts';
import { openStepsDueBefore } from '../store/plans.ts';
import { lapsedCheckins } from '../store/replies.ts';
import { addTimeline } from '../store/timeline.ts';
import { isJobFailureReason } from './job-failure.ts';
import { requeueWebhooks } from './webhooks.ts';

export interface ReconcilerDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  now?: () => Date;
  /** How often the reconciler runs; it covers steps due within twice this. */
  every: string;
}

const batch = 5_000;
// Work younger than this is left to the path that created it (a request still enqueuing, a job just due).
const margin = { seconds: 10 };

/**
 * Repairs any gap between PostgreSQL (what should happen) and Redis (what will happen):
 * events accepted while Redis was down, queued steps whose job a Redis restart or wipe lost, check-in
 * windows and escalation rounds whose job vanished. Job ids are derived from the records, so
 * re-adding a job that exists is a no-op; a job that failed for good is revived instead.
 */
export async function reconcile(deps: ReconcilerDeps): Promise<{ events: number; steps: number; promoted: number; revived: number; escalations: number; checkins: number; closed: number }> {
  const now = DateTime.fromJSDate(deps.now?.() ?? new Date());
  const revived = await reviveFailedJobs(deps);
  const events = await unexpandedEvents(deps.db, now.minus({ seconds: 5 }).toJSDate(), batch);
  await enqueueEvents(deps.queues, events);
  // EHR notifications stored while Redis was away (job id = notification id: no duplicates).
  await enqueueEhrIntake(deps.queues, await pendingEhrNotifications(deps.db, now.minus(margin).toJSDate()));

  // Queued steps only: one beyond SCHEDULE_HORIZON never had a job, and is the promoter's
  // (workers/promoter.ts); after a wipe it is promoted as if nothing had happened. Never-tried steps
  // get their instant's alarm; a step `sending` its own job, unless a batch took it just now.
  const window = now.plus(Duration.fromISO(deps.every).mapUnits((x) => x * 2)).plus({ minutes: 1 });
  let steps = 0;
  for (let page = 0; page < 100; page++) {
    const due = await openStepsDueBefore(deps.db, window.toJSDate(), batch, page * batch, ['scheduled', 'sending'], now.minus(margin).toJSDate());
    await enqueueSteps(deps.queues, due, now.toJSDate());
    steps += due.length;
    if (due.length < batch) break;
  }

  // A job can also exist but fire too late: Redis restored from an old snapshot, or shared with a
  // database that was reset. Only never-tried steps, by their alarm: one in 'sending' may be waiting out a backoff.
  const overdue = await openStepsDueBefore(deps.db, now.minus(margin).toJSDate(), 500, 0, ['scheduled']);
  const alarms = new Map(overdue.map((s) => {
    const queue = deps.queues.stepsOf(s.clinicId);
    return [`${queue.opts.prefix ?? ''}/${dueJobId(s.dueAt)}`, { queue, id: dueJobId(s.dueAt) }];
  }));
  let promoted = 0;
  for (const { queue, id } of alarms.values()) {
    const job = await queue.getJob(id);
    if (job && (await job.isDelayed())) {
      await job.promote();
      promoted++;
    }
  }

  const checkins = await lapsedCheckins(deps.db, now.minus(margin).toJSDate(), 500);
  for (const c of checkins) await enqueueReplyWindow(deps.queues, { stepId: c.stepId, round: c.round }, now.toJSDate(), now.toJSDate());

  // Most urgent first: when more are due than one pass takes, a crisis is never left for the next.
  let escalations = 0;
  for (const id of await unnotifiedEscalations(deps.db, now.minus(margin).toJSDate(), 500)) {
    await enqueueNotice(deps.queues, { escalationId: id, round: 1 });
    escalations++;
  }
  for (const e of await openEscalationRounds(deps.db, 500)) {
    const clinic = deps.clinics.get(e.clinicId);
    if (!clinic || e.rounds === 0 || !e.lastNoticeAt) continue;
    // When the policy (or the ladder) wanted the next round, read as the last round was: a lost job is re-made once it is overdue.
    const last = DateTime.fromJSDate(e.lastNoticeAt);
    const { nextRoundAt } = policyRound({
      kind: e.kind, round: e.rounds, sinceRaised: last.diff(DateTime.fromJSDate(e.raisedAt)), contacts: clinic.escalation.contacts,
      lastResort: clinic.escalation.lastResort, renotifyAfter: clinic.escalation.renotifyAfter, nextContactAfter: clinic.escalation.nextContactAfter, now: last,
      policy: clinic.escalation.policies[e.kind], ...clinicOnCall(clinic),
    });
    if (nextRoundAt && nextRoundAt.plus(margin) < now) {
      await enqueueNotice(deps.queues, { escalationId: e.id, round: e.rounds + 1 });
      escalations++;
    }
  }

  const closed = await closeReviews(deps, now);
  // Webhook deliveries still owed whose job a Redis wipe lost, or that failed while PostgreSQL was away.
  const webhooks = await requeueWebhooks(deps, now.minus(margin).toJSDate(), now.toJSDate());
  if (webhooks) deps.log.warn({ webhooks }, 're-queued webhook deliveries whose job was lost');

  if (promoted) deps.log.warn({ promoted }, 'promoted overdue delayed jobs');
  if (revived) deps.log.warn({ revived }, 'retried jobs that had used up their attempts during an outage');
  if (events.length || steps || escalations || checkins.length || closed)
    deps.log.debug({ events: events.length, steps, escalations, checkins: checkins.length, closed }, 'reconciled');
  return { events: events.length, steps, promoted, revived, escalations, checkins: checkins.length, closed };
}

/** Reviews nobody acknowledged within the clinic's `closeReviewsAfter` are closed, with a note on the timeline. */
async function closeReviews(deps: ReconcilerDeps, now: DateTime): Promise<number> {
  let closed = 0;
  for (const clinic of deps.clinics.all()) {
    const after = clinic.escalation.closeReviewsAfter;
    // Closed and noted together: a review never closes without saying why.
    closed += await deps.db.transaction(async (tx) => {
      const stale = await closeStaleReviews(tx, clinic.id, now.minus(Duration.fromISO(after)).toJSDate(), 500);
      if (stale.length) await addTimeline(tx, stale.map((e) => ({ clinicId: e.clinicId, patientId: e.patientId, stepId: e.stepId, kind: 'escalation.closed' as const,
        detail: { escalationId: e.id, kind: e.kind, reason: `nobody acknowledged it within ${after}` } })));
      return stale.length;
    });
  }
  if (closed) deps.log.info({ closed }, 'closed reviews nobody acknowledged');
  return closed;
}

/**
 * A job that used up its attempts while PostgreSQL or Redis was down, or stalled once too often
 * because its workers kept dying, failed for a reason that has passed: the reconciler only runs
 * with PostgreSQL reachable. Every handler is idempotent, so such a job runs again with fresh
 * attempts (a step past its grace then expires). Jobs that can never succeed stay failed.
 */
async function reviveFailedJobs(deps: ReconcilerDeps): Promise<number> {
  let revived = 0;
  for (const queue of [...deps.queues.eventPartitions, ...deps.queues.stepPartitions, deps.queues.escalations]) {
    for (const job of await queue.getFailed(0, 499)) {
      if (!job || isJobFailureReason(job.failedReason)) continue;
      // Another process may have retried or removed it in the meantime.
      const retried = await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }).then(() => true, () => false);
      if (retried) revived++;
    }
  }
  return revived;
}
