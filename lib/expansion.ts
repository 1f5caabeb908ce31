import { DateTime } from 'luxon';
import type { Clinic } from '../config/clinics.ts';
import { planAnchor, planKindOf, type ClinicEvent, type PlanEvent } from '../core/events.ts';
import { planSchedule, type ScheduledStep } from '../core/schedule.ts';
import type { Sql } from '../store/db.ts';
import { markExpanded } from '../store/events.ts';
import { cancelPlans, insertPlans, insertSteps, openStepsOfPlans, type PlanRecord, type StepRecord } from '../store/plans.ts';
import { addTimeline, type TimelineEntry } from '../store/timeline.ts';
import { planId, stepId } from './ids.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { enqueueSteps, type Queues } from './queues.ts';

// Turning accepted events into plans, steps and their jobs. Shared by the acceptance path (which
// expands in the same transaction that stores the event) and the scheduler worker (which expands
// events the reconciler finds unexpanded), so neither imports the other.

/** The plan of an event as rows: pure apart from the ids, which are digests of business keys. */
export function buildPlan(event: PlanEvent, clinic: Clinic, now: Date): BuiltPlan {
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

export interface BuiltPlan {
  plan: PlanRecord;
  steps: StepRecord[];
  schedule: ScheduledStep[];
}

/** What one transaction wrote; the jobs follow once it has committed. */
export interface Expansion {
  created: BuiltPlan[];
  /** Plans that already existed: a replay, or a second event for the same session. */
  existing: string[];
  cancelled: Array<{ event: Extract<ClinicEvent, { type: 'plan.cancelled' }>; plans: number; steps: string[] }>;
}

/**
 * Writes the plans and steps of accepted events, inside the caller's transaction, and marks the
 * events expanded. Cancellations come last, so one that arrives with its session's event cancels it.
 */
export async function writeExpansion(tx: Sql, items: Array<{ event: ClinicEvent; clinic: Clinic }>, now: Date): Promise<Expansion> {
  const built = items.flatMap(({ event, clinic }) => (event.type === 'plan.cancelled' ? [] : [buildPlan(event, clinic, now)]));
  const fresh = await insertPlans(tx, built.map((b) => b.plan));
  // Two events for one session in a batch: the plan is written once.
  const created = built.filter((b, i) => fresh.has(b.plan.id) && built.findIndex((o) => o.plan.id === b.plan.id) === i);
  const steps = created.flatMap((b) => b.steps);
  await insertSteps(tx, steps);
  const entries: TimelineEntry[] = steps.map((s) => ({
    clinicId: s.clinicId, patientId: s.patientId, stepId: s.id,
    kind: s.state === 'expired' ? 'step.expired' : 'step.scheduled',
    detail: { key: s.key, template: s.template, recipient: s.recipient, dueAt: s.dueAt.toISOString(), ...(s.reason ? { reason: s.reason } : {}) },
  }));
  const cancelled: Expansion['cancelled'] = [];
  for (const { event } of items) {
    if (event.type !== 'plan.cancelled') continue;
    const result = await cancelPlans(tx, event.clinicId, event.patientId, event.reference, `cancelled by event ${event.id}`);
    entries.push(...result.steps.map((s): TimelineEntry => ({
      clinicId: event.clinicId, patientId: event.patientId, kind: 'step.cancelled', stepId: s.id,
      detail: { key: s.key, reason: `plan ${event.reference} cancelled`, eventId: event.id },
    })));
    entries.push({ clinicId: event.clinicId, patientId: event.patientId, kind: 'plan.cancelled',
      detail: { reference: event.reference, plans: result.plans, steps: result.steps.length } });
    cancelled.push({ event, plans: result.plans, steps: result.steps.map((s) => s.id) });
  }
  await addTimeline(tx, entries);
  await markExpanded(tx, items.map(({ event }) => ({ clinicId: event.clinicId, eventId: event.id })));
  const createdIds = new Set(created.map((b) => b.plan.id));
  return { created, existing: [...new Set(built.filter((b) => !createdIds.has(b.plan.id)).map((b) => b.plan.id))], cancelled };
}

/** After the commit: one addBulk for every open step, and cancelled steps' jobs removed. */
export async function scheduleExpansion(
  deps: { db: Sql; queues: Queues; log: Logger; metrics?: Metrics },
  expansion: Expansion,
  now: Date,
): Promise<void> {
  const open = expansion.created.flatMap((b) => b.steps.filter((s) => s.state === 'scheduled'));
  // For existing plans, make sure their open steps have jobs (same ids, so nothing is added twice).
  await enqueueSteps(deps.queues, [...open, ...(await openStepsOfPlans(deps.db, expansion.existing))], now);
  for (const s of open) deps.metrics?.stepsScheduled.inc({ template: s.template });
  for (const b of expansion.created) {
    const scheduled = b.steps.filter((s) => s.state === 'scheduled').length;
    deps.log.info({ clinicId: b.plan.clinicId, eventId: b.plan.eventId, planId: b.plan.id, scheduled, expired: b.steps.length - scheduled }, 'plan scheduled');
  }
  if (expansion.existing.length) deps.log.info({ plans: expansion.existing.length }, 'plans already exist; nothing new scheduled');
  for (const c of expansion.cancelled) {
    // The dispatcher re-checks state anyway; removing the jobs only saves Redis memory.
    await Promise.all(c.steps.map((id) => deps.queues.steps.remove(id).catch(() => 0)));
    deps.log.info({ clinicId: c.event.clinicId, eventId: c.event.id, steps: c.steps.length }, 'plan cancelled');
  }
}
