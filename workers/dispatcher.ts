import { DateTime, Duration } from 'luxon';
import type { Clinics } from '../config/clinics.ts';
import type { Channel } from '../core/care-plan.ts';
import { chooseChannels } from '../core/channel-choice.ts';
import { decideSend } from '../core/schedule.ts';
import { zoneFor } from '../core/time-zone.ts';
import type { Channels } from '../channels/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { enqueueReplyWindow, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import type { PatientRecord } from '../store/patients.ts';
import { deferStep, finalStepStates, moveStep, type PlanRecord, type StepRecord } from '../store/plans.ts';
import { addTimeline, type TimelineEntry } from '../store/timeline.ts';
import { buildMessage, deliver, sentEarlier } from './deliver.ts';
import { reviewUnsentCheckin } from './checkins.ts';
import { raiseAndNotify } from './escalations.ts';
import { JobFailure } from './job-failure.ts';
import { sendStore, type SendStore } from './send-store.ts';

export interface DispatcherDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  channels: Channels;
  log: Logger;
  metrics?: Metrics;
  now?: () => Date;
  /** A claim `sending` for longer than this lost its process: look at the provider, then send. Longer than any provider timeout. */
  claimTimeoutMs?: number;
  /** The send's statements, batched across concurrent jobs; one statement per call when unset. */
  sends?: SendStore;
}

export type DispatchOutcome =
  | { state: 'sent'; channels: Channel[] }
  | { state: 'deferred'; until: Date }
  | { state: 'expired' | 'cancelled' | 'skipped' | 'failed'; reason: string }
  | { state: 'unchanged'; reason: string };

/**
 * Sends one due step: re-checks cancellation, consent, opt-out and the clock, claims each
 * (step, channel) in PostgreSQL before the provider call and records the provider's id after it.
 */
export async function dispatchStep(deps: DispatcherDeps, stepIdToSend: string, options: { finalAttempt?: boolean } = {}): Promise<DispatchOutcome> {
  const now = deps.now?.() ?? new Date();
  const store = deps.sends ?? sendStore(deps.db);
  const loaded = await store.loadStep(stepIdToSend);
  if (!loaded) throw new JobFailure('step-missing', `step ${stepIdToSend} is not in the database`);
  const { step, plan, patient } = loaded;
  if (finalStepStates.includes(step.state)) return { state: 'unchanged', reason: `already ${step.state}` };
  const log = deps.log.child({ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id });
  const clinic = deps.clinics.get(step.clinicId);
  if (!clinic) throw new JobFailure('clinic-unknown', `clinic ${step.clinicId} is not configured`);
  const note = (kind: TimelineEntry['kind'], detail: Record<string, unknown>) =>
    addTimeline(deps.db, [{ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id, kind, detail: { key: step.key, ...detail } }]);
  const finish = async (state: 'expired' | 'cancelled' | 'skipped' | 'failed', reason: string, channel = 'none') => {
    if (await moveStep(deps.db, step.id, ['scheduled', 'sending'], state, reason)) {
      await note(`step.${state}`, { reason });
      deps.metrics?.stepsFinished.inc({ template: step.template, channel, state });
      log.info({ state, reason }, 'step finished');
    }
    return { state, reason } as const;
  };

  if (plan.cancelledAt) return finish('cancelled', 'plan cancelled');
  if (!patient) {
    await finish('failed', 'patient record missing');
    throw new JobFailure('patient-missing', `patient of step ${step.id} is not in the database`);
  }

  const sentNow = async (sent: Channel[], detail: Record<string, unknown> = {}): Promise<DispatchOutcome> => {
    if (await store.markStepSent(step, { key: step.key, template: step.template, recipient: step.recipient, channels: sent, ...detail })) {
      for (const channel of sent) deps.metrics?.stepsFinished.inc({ template: step.template, channel, state: 'sent' });
      deps.metrics?.dispatchLateness.observe(Math.max(0, DateTime.fromJSDate(now).diff(DateTime.fromJSDate(step.dueAt)).as('seconds')));
      log.info({ channels: sent }, 'step sent');
      if (step.expectsReply && step.recipient === 'patient') {
        const windowEnd = DateTime.fromJSDate(now).plus(Duration.fromISO(step.expectsReply.within));
        await enqueueReplyWindow(deps.queues, { stepId: step.id, round: 1 }, windowEnd.toJSDate(), now);
      }
    }
    return { state: 'sent', channels: sent };
  };

  const decision = decideSend({
    dueAt: step.dueAt.toISOString(),
    zone: zoneFor(plan, clinic),
    quietHours: clinic.quietHours,
    critical: step.critical,
    grace: step.grace,
    now: DateTime.fromJSDate(now),
  });
  if (decision.action !== 'send') {
    // A step still `sending` (its job back after an outage or a failed attempt) may have gone
    // already: what the provider has is recorded as sent; the clock decides the rest.
    const went = step.state === 'sending' ? await sentEarlier(deps, addressesOf(step, plan, patient)
      .map((a) => buildMessage(step, plan, patient, clinic, a.channel, a.to)), now, log) : [];
    if (went.length) return sentNow(went);
    if (decision.action === 'expire') {
      const outcome = await finish('expired', decision.reason);
      await reviewUnsentCheckin(deps, step, decision.reason);
      return outcome;
    }
    const until = new Date(decision.until);
    await deferStep(deps.db, step.id, until, decision.reason);
    await note('step.deferred', { until: decision.until, reason: decision.reason });
    return { state: 'deferred', until };
  }
  if (step.state === 'scheduled') await store.startSending(step.id);

  const choice = chooseChannels({
    recipient: step.recipient,
    rule: step.channel,
    preferred: patient.channel,
    phone: step.recipient === 'escort' ? plan.escortPhone : patient.phone,
    email: step.recipient === 'escort' ? null : patient.email,
    smsConsent: patient.smsConsent,
    smsOptedOut: patient.smsOptedOutAt !== null,
    emailOptedOut: patient.emailOptedOut,
  });
  if (choice.send.length === 0) return finish('skipped', choice.unavailable.map((u) => `${u.channel}: ${u.reason}`).join('; ') || 'no channel');

  const sent: Channel[] = [];
  const failures: string[] = [];
  const unavailable: string[] = [];
  let cancelled = false;
  const queue = [...choice.send];
  const fallback = [...choice.fallback];
  while (queue.length && !cancelled) {
    const target = queue.shift()!;
    let message;
    try {
      message = buildMessage(step, plan, patient, clinic, target.channel, target.to);
    } catch (err) {
      if (err instanceof JobFailure) await finish('failed', err.message);
      throw err;
    }
    const result = await deliver(deps, message, step, now, log, options.finalAttempt ?? false);
    if (result === 'sent') {
      sent.push(target.channel);
      continue;
    }
    if ('withdrawn' in result) {
      // Cancelled or opted out while the send waited for its slot: as if so when the channels were chosen.
      if (result.withdrawn === 'cancelled') cancelled = true;
      else unavailable.push(`${target.channel}: patient opted out of ${target.channel === 'sms' ? 'SMS' : 'email'}`);
    } else failures.push(`${target.channel}: ${result.code}`);
    // A permanent failure or an opt-out falls back to the patient's other channel, once.
    const next = cancelled ? undefined : fallback.shift();
    if (next && !sent.includes(next.channel)) {
      if ('code' in result) await note('delivery.failed', { channel: target.channel, code: result.code, fallback: next.channel });
      queue.push(next);
    }
  }
  if (sent.length === 0 && cancelled) return finish('cancelled', 'plan cancelled');
  if (sent.length === 0 && failures.length === 0) return finish('skipped', unavailable.join('; '));
  if (sent.length === 0) {
    const reason = `unreachable (${failures.join('; ')})`;
    const outcome = await finish('failed', reason);
    if (step.recipient === 'patient')
      await raiseAndNotify(deps, { clinicId: step.clinicId, patientId: step.patientId, kind: 'unreachable', stepId: step.id,
        cause: `unreachable-${step.id}`, reason: `cannot be reached for ${step.key}: ${failures.join('; ')}` });
    return outcome;
  }
  return sentNow(sent, { ...(failures.length ? { failures } : {}), ...(unavailable.length ? { unavailable } : {}) });
}

/** Every address the step could have gone to, whatever consent says now. */
function addressesOf(step: StepRecord, plan: PlanRecord, patient: PatientRecord): Array<{ channel: Channel; to: string }> {
  const all = step.recipient === 'escort'
    ? [{ channel: 'sms' as const, to: plan.escortPhone }]
    : [{ channel: 'sms' as const, to: patient.phone }, { channel: 'email' as const, to: patient.email }];
  return all.flatMap((a) => (a.to ? [{ channel: a.channel, to: a.to }] : []));
}

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
  const result = await deliver(deps, buildMessage(step, plan, patient, clinic, channel, to), step, now, log, false);
  if (result !== 'sent') return 'code' in result ? { state: 'failed', reason: result.code } : { state: 'skipped', reason: result.withdrawn };
  await addTimeline(deps.db, [{ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id, kind: 'step.sent',
    detail: { key: step.key, template: step.template, recipient: step.recipient, channels: [channel], fallback: true } }]);
  return { state: 'sent', channels: [channel] };
}
