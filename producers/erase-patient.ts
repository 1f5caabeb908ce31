import { AftercareError } from '../lib/errors.ts';
import { eventJobId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import type { Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { erasePersonalData, lockPatientForErasure, planReferencesOf, recordErasure } from '../store/erasure.ts';
import { cancelPlans, lockPlanReferences } from '../store/plans.ts';
import { addTimeline } from '../store/timeline.ts';
import type { InboundSpool } from './inbound-spool.ts';

export interface ErasureDeps {
  db: Db;
  queues: Queues;
  log: Logger;
  inboundSpool?: Pick<InboundSpool, 'forget'>;
  now?: () => Date;
}

export interface Erasure {
  patientId: string;
  erasedAt: string;
  cancelledSteps: number;
  removedJobs: number;
  removedKeptMessages: number;
}

/**
 * Erases a patient on the clinic's request: their pending steps are cancelled the way a
 * `plan.cancelled` event cancels them, their personal data leaves every table (ids, counts, states
 * and the access audit stay), then their jobs and any message they sent that waits in Redis go too.
 * A patient erased already, or never known, is a 404.
 */
export async function erasePatient(deps: ErasureDeps, clinicId: string, patientId: string): Promise<Erasure> {
  const erasedAt = deps.now?.() ?? new Date();
  const done = await deps.db.transaction(async (tx) => {
    const patient = await lockPatientForErasure(tx, clinicId, patientId);
    if (!patient) return undefined;
    const references = (await planReferencesOf(tx, clinicId, patientId)).map((reference) => ({ clinicId, patientId, reference }));
    await lockPlanReferences(tx, references);
    const cancelled = await cancelPlans(tx, references.map((r) => ({ ...r, eventId: 'erasure', reason: 'the patient was erased' })));
    const steps = cancelled.flatMap((c) => c.steps);
    await addTimeline(tx, steps.map((st) => ({ clinicId, patientId, kind: 'step.cancelled' as const, stepId: st.id, detail: { key: st.key, reason: 'the patient was erased' } })));
    const erased = await erasePersonalData(tx, clinicId, patientId, patient.phone);
    await recordErasure(tx, { clinicId, patientId, erasedAt, cancelledSteps: steps.length });
    return { ...erased, cancelledSteps: steps.length };
  });
  if (!done) throw new AftercareError('not-found', `No patient ${patientId} at clinic ${clinicId} (or erased already).`);

  // Jobs carry ids only, but an erased patient leaves nothing behind: their steps' and events' jobs go.
  const jobIds = [
    ...done.stepIds.flatMap((id) => [id, `${id}-window1`, `${id}-window2`, `${id}-fallback-sms`, `${id}-fallback-email`]),
  ];
  const removed = await Promise.all([
    ...jobIds.map((id) => deps.queues.steps.remove(id).catch(() => 0)),
    ...done.eventIds.map((id) => deps.queues.eventsOf(clinicId).remove(eventJobId(clinicId, id)).catch(() => 0)),
  ]);
  const removedKeptMessages = done.phone && deps.inboundSpool ? await deps.inboundSpool.forget(done.phone) : 0;
  const result = { patientId, erasedAt: erasedAt.toISOString(), cancelledSteps: done.cancelledSteps, removedJobs: removed.filter((n) => n === 1).length, removedKeptMessages };
  deps.log.info({ clinicId, patientId, cancelledSteps: result.cancelledSteps, removedJobs: result.removedJobs, removedKeptMessages }, 'patient erased');
  return result;
}
