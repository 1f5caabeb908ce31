import { DateTime, Duration } from 'luxon';
import type { Clinic } from '../config/clinics.ts';
import type { Channel } from '../core/care-plan.ts';
import { chooseChannels, type ChannelChoice } from '../core/channel-choice.ts';
import { decideSend } from '../core/schedule.ts';
import { zoneFor } from '../core/time-zone.ts';
import type { Logger } from '../lib/logger.ts';
import { enqueueReplyWindow, enqueueSteps } from '../lib/queues.ts';
import type { PatientRecord } from '../store/patients.ts';
import { deferStep, finalStepStates, moveStep, type LoadedStep, type StepRecord } from '../store/plans.ts';
import { addTimeline, type TimelineEntry } from '../store/timeline.ts';
import { buildMessage, deliver, sentEarlier } from './deliver.ts';
import { reviewUnsentCheckin } from './reply-window.ts';
import type { DispatcherDeps } from './deps.ts';
import { raiseAndNotify } from './escalations.ts';
import { JobFailure } from './job-failure.ts';
import { sendStore, type SendStore } from './send-store.ts';

/** The end states of a step that was not sent. */
type Finished = 'expired' | 'cancelled' | 'skipped' | 'failed';

export type DispatchOutcome =
  | { state: 'sent'; channels: Channel[] }
  | { state: 'deferred'; until: Date }
  | { state: Finished; reason: string }
  | { state: 'unchanged'; reason: string };

/** A step being sent: what was loaded for it, and the attempt's clock and logger. */
interface StepSend {
  deps: DispatcherDeps;
  store: SendStore;
  now: Date;
  log: Logger;
  finalAttempt: boolean;
  step: StepRecord;
  plan: LoadedStep['plan'];
  patient: PatientRecord;
  clinic: Clinic;
}

/** What sending on each chosen channel came to. */
interface Sends {
  sent: Channel[];
  failures: string[];
  unavailable: string[];
  cancelled: boolean;
}

/**
 * Sends one due step: re-checks cancellation, consent, opt-out and the clock, claims each
 * (step, channel) in PostgreSQL before the provider call and records the provider's id after it.
 */
export async function dispatchStep(deps: DispatcherDeps, stepIdToSend: string, options: { finalAttempt?: boolean } = {}): Promise<DispatchOutcome> {
  const loaded = await (deps.sends ?? sendStore(deps.db)).loadStep(stepIdToSend);
  if (!loaded) throw new JobFailure('step-missing', `step ${stepIdToSend} is not in the database`);
  return dispatchLoaded(deps, loaded, options);
}

/**
 * Sends a step already loaded. `claimed`: this attempt has just moved it from scheduled to sending
 * (a batch's claim), so no earlier attempt can have sent anything.
 */
export async function dispatchLoaded(deps: DispatcherDeps, loaded: LoadedStep, options: { finalAttempt?: boolean; claimed?: boolean } = {}): Promise<DispatchOutcome> {
  const send = await prepare(deps, loaded, options.finalAttempt ?? false);
  if ('state' in send) return send;
  const claimed = options.claimed ?? false;
  const byTime = await decideByTime(send, claimed);
  if (byTime) return byTime;
  // A step's own job meeting a step its alarm took already (a job from an earlier release, a repaired one).
  if (!claimed && send.step.state === 'scheduled' && !(await send.store.startSending(send.step.id))) return { state: 'unchanged', reason: 'taken by another attempt' };
  const choice = chooseChannelsFor(send);
  if (choice.send.length === 0) return finish(send, 'skipped', choice.unavailable.map((u) => `${u.channel}: ${u.reason}`).join('; ') || 'no channel');
  return settle(send, await sendEach(send, choice));
}

/** The step with its clinic, the attempt's clock and logger; an outcome instead when there is nothing left to send. */
async function prepare(deps: DispatcherDeps, loaded: LoadedStep, finalAttempt: boolean): Promise<StepSend | DispatchOutcome> {
  const now = deps.now?.() ?? new Date();
  const store = deps.sends ?? sendStore(deps.db);
  const { step, plan, patient } = loaded;
  if (finalStepStates.includes(step.state)) return { state: 'unchanged', reason: `already ${step.state}` };
  const log = deps.log.child({ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id });
  const clinic = deps.clinics.get(step.clinicId);
  if (!clinic) throw new JobFailure('clinic-unknown', `clinic ${step.clinicId} is not configured`);
  const known = { deps, log, step };
  if (plan.cancelledAt) return finish(known, 'cancelled', 'plan cancelled');
  if (!patient) {
    await finish(known, 'failed', 'patient record missing');
    throw new JobFailure('patient-missing', `patient of step ${step.id} is not in the database`);
  }
  return { deps, store, now, log, finalAttempt, step, plan, patient, clinic };
}

/** Expired or deferred by the time rules (grace, quiet hours); undefined when the step goes now. */
async function decideByTime(send: StepSend, claimed: boolean): Promise<DispatchOutcome | undefined> {
  const { deps, step, plan, clinic, now } = send;
  const decision = decideSend({
    dueAt: step.dueAt.toISOString(),
    zone: zoneFor(plan, clinic),
    quietHours: clinic.quietHours,
    critical: step.critical,
    grace: step.grace,
    now: DateTime.fromJSDate(now),
    phone: step.recipient === 'escort' ? plan.escortPhone : send.patient.phone,
  });
  if (decision.action === 'send') return undefined;
  // A step still `sending` (its job back after an outage or a failed attempt) may have gone
  // already: what the provider has is recorded as sent; the clock decides the rest.
  const went = step.state === 'sending' && !claimed
    ? await sentEarlier(deps, { messages: addressesOf(send).map((a) => buildMessage({ ...send, ...a })), now, log: send.log })
    : [];
  if (went.length) return sent(send, went);
  if (decision.action === 'expire') {
    const outcome = await finish(send, 'expired', decision.reason);
    await reviewUnsentCheckin(deps, step, decision.reason);
    return outcome;
  }
  const until = new Date(decision.until);
  await deferStep(deps.db, step.id, until, decision.reason);
  // The alarm of its new instant: steps deferred to the same morning go out together.
  await enqueueSteps(deps.queues, [{ id: step.id, clinicId: step.clinicId, dueAt: until }], now);
  await note(send, 'step.deferred', { until: decision.until, reason: decision.reason, ...(decision.deferredBy ? { deferredBy: decision.deferredBy } : {}) });
  return { state: 'deferred', until };
}

/** Consent and opt-out as they stand now. */
function chooseChannelsFor({ step, plan, patient }: StepSend): ChannelChoice {
  return chooseChannels({
    recipient: step.recipient,
    rule: step.channel,
    preferred: patient.channel,
    phone: step.recipient === 'escort' ? plan.escortPhone : patient.phone,
    email: step.recipient === 'escort' ? null : patient.email,
    smsConsent: patient.smsConsent,
    smsOptedOut: patient.smsOptedOutAt !== null,
    emailOptedOut: patient.emailOptedOut,
  });
}

/** Sends on each chosen channel in turn; a permanent failure or an opt-out falls back to the other channel, once. */
async function sendEach(send: StepSend, choice: ChannelChoice): Promise<Sends> {
  const result: Sends = { sent: [], failures: [], unavailable: [], cancelled: false };
  const queue = [...choice.send];
  const fallback = [...choice.fallback];
  while (queue.length && !result.cancelled) {
    const target = queue.shift()!;
    let message;
    try {
      message = buildMessage({ ...send, ...target });
    } catch (err) {
      if (err instanceof JobFailure) await finish(send, 'failed', err.message);
      throw err;
    }
    const outcome = await deliver(send.deps, { message, step: send.step, now: send.now, log: send.log, finalAttempt: send.finalAttempt });
    if (outcome === 'sent') {
      result.sent.push(target.channel);
      continue;
    }
    if ('withdrawn' in outcome) {
      // Cancelled or opted out while the send waited for its slot: as if so when the channels were chosen.
      if (outcome.withdrawn === 'cancelled') result.cancelled = true;
      else result.unavailable.push(`${target.channel}: patient opted out of ${target.channel === 'sms' ? 'SMS' : 'email'}`);
    } else result.failures.push(`${target.channel}: ${outcome.code}`);
    const next = result.cancelled ? undefined : fallback.shift();
    if (next && !result.sent.includes(next.channel)) {
      if ('code' in outcome) await note(send, 'delivery.failed', { channel: target.channel, code: outcome.code, fallback: next.channel });
      queue.push(next);
    }
  }
  return result;
}

/** The step's end state from what its sends came to; a patient nobody could reach is escalated. */
async function settle(send: StepSend, { sent: channels, failures, unavailable, cancelled }: Sends): Promise<DispatchOutcome> {
  const { deps, step } = send;
  if (channels.length === 0 && cancelled) return finish(send, 'cancelled', 'plan cancelled');
  if (channels.length === 0 && failures.length === 0) return finish(send, 'skipped', unavailable.join('; '));
  if (channels.length === 0) {
    const outcome = await finish(send, 'failed', `unreachable (${failures.join('; ')})`);
    if (step.recipient === 'patient')
      await raiseAndNotify(deps, { clinicId: step.clinicId, patientId: step.patientId, kind: 'unreachable', stepId: step.id,
        cause: `unreachable-${step.id}`, reason: `cannot be reached for ${step.key}: ${failures.join('; ')}` });
    return outcome;
  }
  return sent(send, channels, { ...(failures.length ? { failures } : {}), ...(unavailable.length ? { unavailable } : {}) });
}

/** Marks the step sent (once, whichever attempt gets there) and opens its reply window. */
async function sent(send: StepSend, channels: Channel[], detail: Record<string, unknown> = {}): Promise<DispatchOutcome> {
  const { deps, step, now, log } = send;
  if (await send.store.markStepSent(step, { key: step.key, template: step.template, recipient: step.recipient, channels, ...detail })) {
    for (const channel of channels) deps.metrics?.stepsFinished.inc({ template: step.template, channel, state: 'sent' });
    deps.metrics?.dispatchLateness.observe(Math.max(0, DateTime.fromJSDate(now).diff(DateTime.fromJSDate(step.dueAt)).as('seconds')));
    log.info({ channels }, 'step sent');
    if (step.expectsReply && step.recipient === 'patient') {
      const windowEnd = DateTime.fromJSDate(now).plus(Duration.fromISO(step.expectsReply.within));
      await enqueueReplyWindow(deps.queues, { stepId: step.id, round: 1 }, windowEnd.toJSDate(), now);
    }
  }
  return { state: 'sent', channels };
}

/** Ends a step that will not be sent; the entry and the metric are written by whichever attempt moved it. */
async function finish(send: Pick<StepSend, 'deps' | 'log' | 'step'>, state: Finished, reason: string): Promise<DispatchOutcome> {
  const { deps, step, log } = send;
  if (await moveStep(deps.db, step.id, ['scheduled', 'sending'], state, reason)) {
    await note(send, `step.${state}`, { reason });
    deps.metrics?.stepsFinished.inc({ template: step.template, channel: 'none', state });
    log.info({ state, reason }, 'step finished');
  }
  return { state, reason };
}

async function note(send: Pick<StepSend, 'deps' | 'step'>, kind: TimelineEntry['kind'], detail: Record<string, unknown>): Promise<void> {
  const { deps, step } = send;
  await addTimeline(deps.db, [{ clinicId: step.clinicId, patientId: step.patientId, stepId: step.id, kind, detail: { key: step.key, ...detail } }]);
}

/** Every address the step could have gone to, whatever consent says now. */
function addressesOf({ step, plan, patient }: StepSend): Array<{ channel: Channel; to: string }> {
  const all = step.recipient === 'escort'
    ? [{ channel: 'sms' as const, to: plan.escortPhone }]
    : [{ channel: 'sms' as const, to: patient.phone }, { channel: 'email' as const, to: patient.email }];
  return all.flatMap((a) => (a.to ? [{ channel: a.channel, to: a.to }] : []));
}
