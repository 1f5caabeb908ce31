import { DateTime, Duration } from 'luxon';
import type { Clinic, Clinics } from '../config/clinics.ts';
import { clinicEventSchema, type ClinicEvent, type PlanEvent } from '../core/events.ts';
import { scheduleFor, type ScheduledStep } from '../core/schedule.ts';
import { planId, stepId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { enqueueRemsReminders, enqueueSteps, type EventJob, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { groupCommit } from '../lib/group-commit.ts';
import { loadEventBodies, markExpanded, type StoredEvent } from '../store/events.ts';
import {
  cancelPlans, insertPlans, insertSteps, lockPlanReferences, openStepsOfPlans, recordCancellations, recordedCancellations,
  referenceKey,
  type CancelRequest, type PlanRecord, type StepRecord,
} from '../store/plans.ts';
import { addTimeline, type TimelineEntry } from '../store/timeline.ts';
import { reviewUnsentCheckin } from './reply-window.ts';
import { JobFailure } from './job-failure.ts';

export interface SchedulerDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  metrics?: Metrics;
  now?: () => Date;
  /** SCHEDULE_HORIZON: a step due later than this from now is kept in PostgreSQL only, for the promoter. */
  scheduleHorizon: string;
}

/** The plan of an event as rows: pure apart from the ids, which are digests of business keys. */
export function buildPlan(event: PlanEvent, clinic: Clinic, now: Date): { plan: PlanRecord; steps: StepRecord[]; schedule: ScheduledStep[] } {
  const { kind, reference, anchorAt, zone, steps: schedule } = scheduleFor(event, clinic, DateTime.fromJSDate(now));
  const escort = event.type === 'session.completed' ? event.escort : undefined;
  const id = planId(event.clinicId, event.patient.id, kind, reference);
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
    deferredBy: s.deferredBy ?? null,
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
    configVersion: clinic.configVersion ?? null,
  };
  return { plan, steps, schedule };
}

type Parsed = { event: ClinicEvent; clinic: Clinic };

/** Reads an accepted event back; a missing, invalid or orphaned one can never be expanded. */
function parseStored(deps: SchedulerDeps, job: EventJob, stored: StoredEvent | undefined): Parsed | JobFailure {
  if (!stored) return new JobFailure('event-missing', `event ${job.eventId} of ${job.clinicId} is not in the database`);
  const parsed = clinicEventSchema.safeParse(stored.body);
  if (!parsed.success) return new JobFailure('event-invalid', `stored event ${job.eventId} no longer validates`);
  const clinic = deps.clinics.get(parsed.data.clinicId);
  if (!clinic) return new JobFailure('clinic-unknown', `clinic ${parsed.data.clinicId} is not configured`);
  return { event: parsed.data, clinic };
}

/**
 * Expands accepted events into plans and steps, then one delayed job per step due within the
 * horizon (the promoter adds the others' as they come near: workers/promoter.ts). Jobs that arrive
 * together are expanded together (group commit): one transaction and one `addBulk` per batch.
 */
export function createExpander(deps: SchedulerDeps): (job: EventJob) => Promise<void> {
  return groupCommit<EventJob, void>((jobs) => expandEvents(deps, jobs), { maxBatch: 100 });
}

export async function expandEvents(deps: SchedulerDeps, jobs: EventJob[]): Promise<Array<void | Error>> {
  const now = deps.now?.() ?? new Date();
  const horizonEnd = DateTime.fromJSDate(now).plus(Duration.fromISO(deps.scheduleHorizon)).toJSDate();
  const stored = new Map((await loadEventBodies(deps.db, jobs)).map((e) => [`${e.clinicId}\u0000${e.eventId}`, e]));
  const results = jobs.map((job) => parseStored(deps, job, stored.get(`${job.clinicId}\u0000${job.eventId}`)));
  const outcomes: Array<void | Error> = results.map((r) => (r instanceof Error ? r : undefined));
  const parsed = results.filter((r): r is Parsed => !(r instanceof Error));

  const built = parsed.flatMap(({ event, clinic }) => (event.type === 'plan.cancelled' ? [] : [buildPlan(event, clinic, now)]));
  const requested = parsed.flatMap(({ event: e }): CancelRequest[] => (e.type === 'plan.cancelled'
    ? [{ clinicId: e.clinicId, patientId: e.patientId, reference: e.reference, eventId: e.id, reason: `cancelled by event ${e.id}` }]
    : []));
  const { created, cancellations, cancelled } = await deps.db.transaction(async (tx) => {
    await lockPlanReferences(tx, [...built.map((b) => b.plan), ...requested]);
    // A cancellation expanded before its plan (another batch, or a retry) is honoured as the plan is written.
    const batchKeys = new Set(requested.map(referenceKey));
    const earlier = (await recordedCancellations(tx, built.map((b) => b.plan)))
      .filter((r) => !batchKeys.has(referenceKey(r)));
    await recordCancellations(tx, requested);
    const fresh = await insertPlans(tx, built.map((b) => b.plan));
    // Two events for one session in a batch: the plan is written once.
    const plans = built.filter((b, i) => fresh.has(b.plan.id) && built.findIndex((o) => o.plan.id === b.plan.id) === i);
    const steps = plans.flatMap((b) => b.steps);
    await insertSteps(tx, steps, horizonEnd);
    // After the plans, so a cancellation that arrives with its session's event still cancels it.
    const cancellations = [...requested, ...earlier];
    const cancelled = await cancelPlans(tx, cancellations);
    // A scheduled step's timeline entry is read from `steps`; one planned already expired says why.
    const entries: TimelineEntry[] = steps.filter((s) => s.state === 'expired').map((s) => ({
      clinicId: s.clinicId, patientId: s.patientId, stepId: s.id, kind: 'step.expired',
      detail: { key: s.key, template: s.template, recipient: s.recipient, dueAt: s.dueAt.toISOString(), ...(s.reason ? { reason: s.reason } : {}) },
    }));
    cancellations.forEach((e, i) => {
      const result = cancelled[i]!;
      for (const st of result.steps) entries.push({ clinicId: e.clinicId, patientId: e.patientId, kind: 'step.cancelled', stepId: st.id,
        detail: { key: st.key, reason: `plan ${e.reference} cancelled`, eventId: e.eventId } });
      if (result.plans > 0 || i < requested.length) entries.push({ clinicId: e.clinicId, patientId: e.patientId, kind: 'plan.cancelled',
        detail: { reference: e.reference, plans: result.plans, steps: result.steps.length, eventId: e.eventId } });
    });
    await addTimeline(tx, entries);
    await markExpanded(tx, parsed.map((p) => ({ clinicId: p.event.clinicId, eventId: p.event.id })));
    return { created: plans, cancellations, cancelled };
  });
  // A retry after a Redis failure, or a second event for the same session: make sure the plan's
  // open steps have their jobs (same ids, so this adds nothing that exists).
  const createdIds = new Set(created.map((b) => b.plan.id));
  const existing = [...new Set(built.filter((b) => !createdIds.has(b.plan.id)).map((b) => b.plan.id))];
  const gone = new Set(cancelled.flatMap((c) => c.steps.map((st) => st.id)));
  const open = created.flatMap((b) => b.steps.filter((s) => s.state === 'scheduled' && !gone.has(s.id)));
  const soon = open.filter((s) => s.dueAt < horizonEnd);
  await enqueueSteps(deps.queues, [...soon, ...(await openStepsOfPlans(deps.db, existing))], now);
  for (const s of open) deps.metrics?.stepsScheduled.inc({ template: s.template });
  // Esketamine (REMS): staff are reminded that the session's monitoring form is due within 7 days.
  const esketamine = new Set(parsed.flatMap(({ event }) => (event.type === 'session.completed' && event.session.treatment === 'esketamine-nasal' ? [event.id] : [])));
  await enqueueRemsReminders(deps.queues, created.filter((b) => esketamine.has(b.plan.eventId)).map((b) => b.plan.id));
  for (const b of created) {
    const scheduled = b.steps.filter((s) => s.state === 'scheduled' && !gone.has(s.id)).length;
    deps.log.info({ clinicId: b.plan.clinicId, eventId: b.plan.eventId, planId: b.plan.id, scheduled, expired: b.steps.length - scheduled }, 'plan scheduled');
  }
  if (existing.length) deps.log.info({ plans: existing.length }, 'plans already exist; nothing new scheduled');
  // A check-in that could no longer go when its event arrived is put before staff (once per step).
  for (const s of created.flatMap((b) => b.steps.filter((st) => st.state === 'expired'))) await reviewUnsentCheckin(deps, s, s.reason ?? 'expired');
  // A cancelled step keeps its instant's alarm, which other steps share: the alarm claims only
  // scheduled steps, so it passes this one by. A never-tried step has no job of its own to remove.
  cancellations.forEach((e, i) =>
    deps.log.info({ clinicId: e.clinicId, eventId: e.eventId, steps: cancelled[i]!.steps.length }, 'plan cancelled'));
  return outcomes;
}
