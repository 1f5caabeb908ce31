import { DateTime, Duration } from 'luxon';
import type { Channel } from '../core/care-plan.ts';
import { addTimeline } from '../store/timeline.ts';
import { buildMessage, deliver } from './deliver.ts';
import type { DispatcherDeps } from './deps.ts';
import type { DispatchOutcome } from './dispatcher.ts';
import { JobFailure } from './job-failure.ts';
import { sendStore } from './send-store.ts';

/**
 * A step already sent by SMS that the carrier reported undelivered: send it by email too,
 * while it can still help (within its grace) and if the patient has an email address.
 */
export async function dispatchFallback(deps: DispatcherDeps, stepIdToSend: string, channel: Channel): Promise<DispatchOutcome> {
  const now = deps.now?.() ?? new Date();
  const loaded = await (deps.sends ?? sendStore(deps.db)).loadStep(stepIdToSend);
  if (!loaded) throw new JobFailure('step-missing', `step ${stepIdToSend} is not in the database`);
  const { step, plan, patient } = loaded;
  const clinic = deps.clinics.get(step.clinicId);
  if (!clinic || !patient) throw new JobFailure('patient-missing', `patient or clinic of step ${step.id} is not configured`);
  const log = deps.log.child({ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id });
  const to = step.recipient === 'patient' ? (channel === 'email' ? patient.email : patient.phone) : null;
  const late = DateTime.fromJSDate(now) > DateTime.fromJSDate(step.dueAt).plus(Duration.fromISO(step.grace));
  const reason = !to ? `no ${channel} for this recipient` : late ? 'past its grace' : plan.cancelledAt ? 'plan cancelled' : undefined;
  if (reason || !to) {
    await addTimeline(deps.db, [{ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id, kind: 'step.skipped',
      detail: { key: step.key, fallback: channel, reason } }]);
    return { state: 'skipped', reason: reason ?? 'no address' };
  }
  const message = buildMessage({ step, plan, patient, clinic, channel, to });
  const result = await deliver(deps, { message, step, now, log, finalAttempt: false });
  if (result !== 'sent') return 'code' in result ? { state: 'failed', reason: result.code } : { state: 'skipped', reason: result.withdrawn };
  await addTimeline(deps.db, [{ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id, kind: 'step.sent',
    detail: { key: step.key, template: step.template, recipient: step.recipient, channels: [channel], fallback: true } }]);
  return { state: 'sent', channels: [channel] };
}
