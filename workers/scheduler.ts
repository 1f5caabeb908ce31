import { DateTime } from 'luxon';
import type { Clinic, Clinics } from '../config/clinics.ts';
import { clinicEventSchema, planAnchor, planKindOf, type PlanEvent } from '../core/events.ts';
import { planSchedule, type ScheduledStep } from '../core/schedule.ts';
import { planId, stepId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { enqueueSteps, type EventJob, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { loadEventBody, markExpanded } from '../store/events.ts';
import { cancelPlans, insertPlan, openStepsOfPlan, insertSteps, type PlanRecord, type StepRecord } from '../store/plans.ts';
import { addTimeline, type TimelineEntry } from '../store/timeline.ts';
import { JobFailure } from './job-failure.ts';

export interface SchedulerDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

/** The plan of an event as rows: pure apart from the ids, which are digests of business keys. */
export function buildPlan(event: PlanEvent, clinic: Clinic, now: Date): { plan: PlanRecord; steps: StepRecord[]; schedule: ScheduledStep[] } {
  const kind = planKindOf(event);
  const { reference, anchorAt } = planAnchor(event);
  const zone = event.patient.timezone ?? clinic.timezone;
  const escort = event.type === 'session.completed' ? event.escort : undefined;
  const id = planId(event.clinicId, event.patient.id, kind, reference);
  const schedule = planSchedule({
    plan: clinic.plans[kind],
    anchorAt,
    zone,
    quietHours: clinic.quietHours,
    hasEscort: escort !== undefined,
    now: DateTime.fromJSDate(now),
  });
  const steps = schedule.map((s): StepRecord => ({
    id: stepId(id, s.key, s.recipient),
    planId: id,
    clinicId: event.clinicId,
    patientId: event.patient.id,
    key: s.key,
    template: s.template,
    recipient: s.recipient,
    channel: s.channel,
    critical: s.critical,
    grace: s.grace,
    expectsReply: s.expectsReply ?? null,
    dueAt: new Date(s.dueAt),
    state: s.status,
    reason: s.reason ?? null,
  }));
  const plan: PlanRecord = {
    id,
    clinicId: event.clinicId,
    patientId: event.patient.id,
    kind,
    reference,
    eventId: event.id,
    anchorAt,
    zone,
    escortName: escort?.name ?? null,
    escortPhone: escort?.phone ?? null,
  };
  return { plan, steps, schedule };
}

/** Expands one accepted event: plan and steps in one transaction, then one delayed job per step. */
export async function expandEvent(deps: SchedulerDeps, job: EventJob): Promise<void> {
  const now = deps.now?.() ?? new Date();
  const stored = await loadEventBody(deps.db, job.clinicId, job.eventId);
  if (!stored) throw new JobFailure('event-missing', `event ${job.eventId} of ${job.clinicId} is not in the database`);
  const parsed = clinicEventSchema.safeParse(stored.body);
  if (!parsed.success) throw new JobFailure('event-invalid', `stored event ${job.eventId} no longer validates`);
  const event = parsed.data;
  const clinic = deps.clinics.get(event.clinicId);
  if (!clinic) throw new JobFailure('clinic-unknown', `clinic ${event.clinicId} is not configured`);
  const log = deps.log.child({ clinicId: event.clinicId, eventId: event.id });

  if (event.type === 'plan.cancelled') {
    const cancelled = await deps.db.transaction(async (tx) => {
      const result = await cancelPlans(tx, event.clinicId, event.patientId, event.reference, `cancelled by event ${event.id}`);
      const entries: TimelineEntry[] = result.steps.map((s) => ({
        clinicId: event.clinicId, patientId: event.patientId, kind: 'step.cancelled', stepId: s.id,
        detail: { key: s.key, reason: `plan ${event.reference} cancelled`, eventId: event.id },
      }));
      entries.push({ clinicId: event.clinicId, patientId: event.patientId, kind: 'plan.cancelled',
        detail: { reference: event.reference, plans: result.plans, steps: result.steps.length } });
      await addTimeline(tx, entries);
      await markExpanded(tx, event.clinicId, event.id);
      return result.steps;
    });
    // The dispatcher re-checks state anyway; removing the jobs only saves Redis memory.
    await Promise.all(cancelled.map((s) => deps.queues.steps.remove(s.id).catch(() => 0)));
    log.info({ steps: cancelled.length }, 'plan cancelled');
    return;
  }

  const { plan, steps } = buildPlan(event, clinic, now);
  const created = await deps.db.transaction(async (tx) => {
    const isNew = await insertPlan(tx, plan);
    if (isNew) {
      await insertSteps(tx, steps);
      await addTimeline(tx, steps.map((s) => ({
        clinicId: s.clinicId, patientId: s.patientId, stepId: s.id,
        kind: s.state === 'expired' ? 'step.expired' : 'step.scheduled',
        detail: { key: s.key, template: s.template, recipient: s.recipient, dueAt: s.dueAt.toISOString(), ...(s.reason ? { reason: s.reason } : {}) },
      })));
    }
    await markExpanded(tx, event.clinicId, event.id);
    return isNew;
  });
  if (!created) {
    // A retry after a Redis failure, or a second event for the same session: make sure the
    // plan's open steps have their jobs (same ids, so this adds nothing that exists).
    await enqueueSteps(deps.queues, await openStepsOfPlan(deps.db, plan.id), now);
    log.info({ planId: plan.id }, 'plan already exists; nothing new scheduled');
    return;
  }
  const open = steps.filter((s) => s.state === 'scheduled');
  await enqueueSteps(deps.queues, open, now);
  for (const s of open) deps.metrics?.stepsScheduled.inc({ template: s.template });
  log.info({ planId: plan.id, scheduled: open.length, expired: steps.length - open.length }, 'plan scheduled');
}
