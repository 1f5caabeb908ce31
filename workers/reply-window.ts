import { DateTime, Duration } from 'luxon';
import { chooseChannels } from '../core/channel-choice.ts';
import { allowedSendTime, sendWindowFor } from '../core/send-window.ts';
import { zoneFor } from '../core/time-zone.ts';
import { enqueueReplyWindow, type ReplyWindowJob } from '../lib/queues.ts';
import { loadStep, type StepRecord } from '../store/plans.ts';
import { markReminded, markWindowClosed, replyWindowOf } from '../store/replies.ts';
import { addTimeline } from '../store/timeline.ts';
import { buildMessage, deliver } from './deliver.ts';
import type { DispatcherDeps } from './deps.ts';
import { raiseAndNotify, type EscalationDeps } from './escalations.ts';
import { JobFailure } from './job-failure.ts';

/**
 * A step that expects a reply and expired unsent: staff review it, so nobody believes the check-in
 * went out and is waiting for an answer. Raised once per step.
 */
export async function reviewUnsentCheckin(deps: Pick<EscalationDeps, 'db' | 'queues' | 'log' | 'metrics'>, step: StepRecord, reason: string): Promise<void> {
  if (!step.expectsReply || step.recipient !== 'patient') return;
  await raiseAndNotify(deps, {
    clinicId: step.clinicId, patientId: step.patientId, kind: 'review', stepId: step.id, cause: `unsent-${step.id}`,
    reason: `the ${step.key} check-in was never sent: ${reason}`,
  });
}

export type WindowOutcome = { state: 'replied' | 'reminded' | 'escalated' } | { state: 'deferred'; until: Date };

/**
 * The end of a check-in's reply window with no reply: round 1 sends one gentle reminder (when
 * the step asks for it) and opens a second window; after that, a review escalation.
 */
export async function closeReplyWindow(deps: DispatcherDeps & EscalationDeps, job: ReplyWindowJob): Promise<WindowOutcome> {
  const now = DateTime.fromJSDate(deps.now?.() ?? new Date());
  const loaded = await loadStep(deps.db, job.stepId);
  if (!loaded) throw new JobFailure('step-missing', `step ${job.stepId} is not in the database`);
  const { step, plan, patient } = loaded;
  const row = await replyWindowOf(deps.db, step.id);
  if (!row || row.replied || row.closed || !step.expectsReply || plan.cancelledAt) return { state: 'replied' };
  const clinic = deps.clinics.get(step.clinicId);
  if (!clinic || !patient) throw new JobFailure('patient-missing', `patient or clinic of step ${step.id} is not configured`);
  const within = Duration.fromISO(step.expectsReply.within);

  if (job.round === 1 && step.expectsReply.remindOnce && !row.reminded) {
    // A reminder is never sent at night: it waits for the end of quiet hours (and of the state's calling hours).
    const zone = zoneFor(plan, clinic);
    const allowed = allowedSendTime(now.setZone(zone), sendWindowFor({ quietHours: clinic.quietHours, zone, phone: patient.phone }), { critical: false });
    if (allowed.deferred) return { state: 'deferred', until: allowed.at.toJSDate() };
    const log = deps.log.child({ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id });
    const choice = chooseChannels({ recipient: 'patient', rule: step.channel, preferred: patient.channel, phone: patient.phone,
      email: patient.email, smsConsent: patient.smsConsent, smsOptedOut: patient.smsOptedOutAt !== null,
      emailOptedOut: patient.emailOptedOut });
    const channels: string[] = [];
    for (const target of choice.send) {
      const message = buildMessage({ step, plan, patient, clinic, ...target, variant: { template: 'checkin-reminder', idSuffix: '-reminder' } });
      if ((await deliver(deps, { message, step, now: now.toJSDate(), log, finalAttempt: false })) === 'sent') channels.push(target.channel);
    }
    await markReminded(deps.db, step.id);
    await addTimeline(deps.db, [{ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id, kind: 'checkin.reminded',
      detail: { key: step.key, channels } }]);
    await enqueueReplyWindow(deps.queues, { stepId: step.id, round: 2 }, now.plus(within).toJSDate(), now.toJSDate());
    return { state: 'reminded' };
  }

  await markWindowClosed(deps.db, step.id);
  await raiseAndNotify(deps, {
    clinicId: step.clinicId, patientId: step.patientId, kind: 'review', stepId: step.id, cause: `no-reply-${step.id}`,
    reason: `did not answer the ${step.key} check-in${row.reminded ? ', even after a reminder' : ''}`,
  });
  return { state: 'escalated' };
}
