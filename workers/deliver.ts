import { DateTime } from 'luxon';
import type { Clinic } from '../config/clinics.ts';
import type { Channel } from '../core/care-plan.ts';
import { renderEmail, renderSms } from '../core/render.ts';
import { DeliveryError, type OutboundMessage, type SentReceipt } from '../channels/channel.ts';
import { AftercareError } from '../lib/errors.ts';
import { deliveryId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { loadClaims, recordFailure, takeOverClaim, type DeliveryStatus, type Refusal } from '../store/deliveries.ts';
import type { PatientRecord } from '../store/patients.ts';
import type { PlanRecord, StepRecord } from '../store/plans.ts';
import { clinicTemplate } from '../templates/overrides.ts';
import { messageVars } from '../templates/vars.ts';
import type { DispatcherDeps } from './deps.ts';
import { JobFailure } from './job-failure.ts';
import { sendStore, type SendStore } from './send-store.ts';

/** `withdrawn`: the send was no longer allowed when it was claimed (a STOP or a cancellation while it waited). */
export type DeliverOutcome = 'sent' | { code: string } | { withdrawn: Refusal };

/** One (step, channel) send: the message, the step it belongs to, and whether BullMQ retries it again. */
export interface DeliverRequest {
  message: OutboundMessage;
  step: StepRecord;
  now: Date;
  log: Logger;
  /** Retries are bounded: on the last attempt a transient error counts as permanent. */
  finalAttempt: boolean;
}

interface Attempt extends Omit<DeliverRequest, 'step'> {
  deps: DispatcherDeps;
  store: SendStore;
}

/** One (step, channel) send with its claim. Transient errors are rethrown so BullMQ retries with backoff. */
export async function deliver(deps: DispatcherDeps, request: DeliverRequest): Promise<DeliverOutcome> {
  const { message, step, now } = request;
  const provider = (message.channel === 'sms' ? deps.channels.sms : deps.channels.email).provider;
  const id = message.messageId;
  const store = deps.sends ?? sendStore(deps.db);
  const attempt: Attempt = { ...request, deps, store };
  const claim = await sendClaimed(attempt, () => store.claimDelivery({ id, stepId: step.id, channel: message.channel, provider }));
  if (!isUnclaimed(claim)) return claim;
  if (claim.refused) return { withdrawn: claim.refused };
  if (claim.status === 'failed') return { code: 'failed-earlier' };
  if (claim.status !== 'sending' && claim.status !== 'unknown') return 'sent';
  if (await foundAtProvider(attempt, claim)) return 'sent';
  const staleBefore = staleClaimsBefore(deps, now);
  request.log.warn({ channel: message.channel, messageId: id }, 'send with unknown outcome not found at the provider; sending again');
  const again = await sendClaimed(attempt, () => takeOverClaim(deps.db, id, staleBefore));
  if (!isUnclaimed(again)) return again;
  if (again.refused) return { withdrawn: again.refused };
  throw DeliveryError.transient('claim-in-flight', 'another attempt took this send');
}

const staleClaimsBefore = (deps: DispatcherDeps, now: Date) => DateTime.fromJSDate(now).minus({ milliseconds: deps.claimTimeoutMs }).toJSDate();

/**
 * A claim left `sending` or `unknown` by an earlier attempt: true when that attempt's message is
 * at the provider (then recorded as sent). While the claim is fresh its attempt may still be
 * talking to the provider, and nobody may decide for it.
 */
async function foundAtProvider(
  { deps, store, message, now, log }: Omit<Attempt, 'finalAttempt'>,
  claim: { status: DeliveryStatus; providerId: string | null; claimedAt: Date },
): Promise<boolean> {
  const id = message.messageId;
  // Accepted by the provider, only the record of it failed.
  if (claim.status === 'unknown' && claim.providerId) {
    await store.recordSent(id, claim.providerId);
    return true;
  }
  if (claim.status === 'sending' && claim.claimedAt > staleClaimsBefore(deps, now)) throw DeliveryError.transient('claim-in-flight', 'another attempt holds this send');
  const found = await (message.channel === 'sms'
    ? deps.channels.sms.findSent?.(message, claim.claimedAt)
    : deps.channels.email.findSent?.(message, claim.claimedAt));
  if (!found) return false;
  await store.recordSent(id, found.providerId);
  log.warn({ channel: message.channel, messageId: id }, 'send with unknown outcome found at the provider; not sent again');
  return true;
}

/** The channels of `messages` that an earlier attempt already sent, by their records or at the provider. Sends nothing. */
export async function sentEarlier(deps: DispatcherDeps, { messages, now, log }: { messages: OutboundMessage[]; now: Date; log: Logger }): Promise<Channel[]> {
  const store = deps.sends ?? sendStore(deps.db);
  const claims = await loadClaims(deps.db, messages.map((m) => m.messageId));
  const went: Channel[] = [];
  for (const message of messages) {
    const claim = claims.get(message.messageId);
    if (!claim || claim.status === 'retry' || claim.status === 'failed') continue;
    if ((claim.status !== 'sending' && claim.status !== 'unknown') || (await foundAtProvider({ deps, store, message, now, log }, claim))) went.push(message.channel);
  }
  return went;
}

type Unclaimed = { claimed: false; refused: Refusal | null };
const isUnclaimed = <C extends Unclaimed>(outcome: DeliverOutcome | C): outcome is C => typeof outcome === 'object' && 'claimed' in outcome;

/** Thrown inside the channel by a claim not taken: the provider is not called. */
class ClaimNotTaken extends Error {
  override name = 'ClaimNotTaken';
}

/**
 * Sends `message` if `take` claims it. The claim runs inside the channel, in the rate-limit slot
 * right before the provider call, so it reads opt-out and cancellation as they are at that moment.
 * Answers the claim when it was not taken.
 */
async function sendClaimed<C extends { claimed: true } | Unclaimed>(
  { deps, store, message, log, finalAttempt }: Attempt,
  take: () => Promise<C>,
): Promise<DeliverOutcome | Exclude<C, { claimed: true }>> {
  const id = message.messageId;
  let claim: C | undefined;
  const claimFirst = async () => {
    claim = await take();
    if (!claim.claimed) throw new ClaimNotTaken(`the send ${id} is not this attempt's`);
  };
  let receipt: SentReceipt;
  try {
    receipt = await (message.channel === 'sms' ? deps.channels.sms.send(message, claimFirst) : deps.channels.email.send(message, claimFirst));
  } catch (err) {
    const taken: C | undefined = claim;
    if (taken && !taken.claimed) return taken as Exclude<C, { claimed: true }>;
    // Stopped before the claim (the rate limit's Redis away, the claim statement failed): nothing to free.
    if (!taken) throw err;
    if (!(err instanceof DeliveryError)) {
      // Anything unforeseen after the claim may have reached the provider: the retry looks there first.
      await recordFailure(deps.db, id, err instanceof AftercareError ? 'retry' : 'unknown', err instanceof AftercareError ? err.code : 'internal');
      throw err;
    }
    log.warn({ channel: message.channel, code: err.code, permanent: err.permanent, ambiguous: err.ambiguous }, 'send failed');
    // On the last attempt a transient error counts as permanent.
    if (err.permanent || finalAttempt) {
      await recordFailure(deps.db, id, 'failed', err.code);
      return { code: err.code };
    }
    // Ambiguous: the retry looks at the provider before sending again.
    await recordFailure(deps.db, id, err.ambiguous ? 'unknown' : 'retry', err.code);
    throw err;
  }
  await recordAccepted(deps, store, id, receipt.providerId);
  return 'sent';
}

/**
 * The provider has the message: from here on nothing may free the claim for a resend. A failed
 * record (PostgreSQL restarting, a whole group-commit batch refused) leaves the claim `unknown`
 * with the provider's id, so the retry records it without sending; if even that write fails, the
 * claim stays `sending` and CLAIM_TIMEOUT makes the retry look at the provider first.
 */
async function recordAccepted(deps: DispatcherDeps, store: SendStore, id: string, providerId: string): Promise<void> {
  try {
    await store.recordSent(id, providerId);
  } catch (err) {
    await recordFailure(deps.db, id, 'unknown', err instanceof AftercareError ? err.code : 'record-failed', providerId).catch(() => undefined);
    throw err;
  }
}

/** What a message is made of: the step with its plan, patient and clinic, and one address. */
export interface MessageParts {
  step: StepRecord;
  plan: PlanRecord;
  patient: PatientRecord;
  clinic: Clinic;
  channel: Channel;
  to: string;
  /** A follow-up of the step (the check-in reminder) has its own template and message id. */
  variant?: { template: string; idSuffix: string };
}

/** The step's message for one channel. */
export function buildMessage({ step, plan, patient, clinic, channel, to, variant }: MessageParts): OutboundMessage {
  const key = variant?.template ?? step.template;
  const template = clinicTemplate(clinic.templates, key, patient.locale);
  if (!template) throw new JobFailure('template-unknown', `template ${key} (${patient.locale}) does not exist`);
  const vars = messageVars(clinic, patient.firstName, { namesTreatment: channel === 'email' || clinic.smsNamesTreatment, escortName: plan.escortName });
  const base = { messageId: deliveryId(`${step.id}${variant?.idSuffix ?? ''}`, channel), clinicId: step.clinicId, patientId: step.patientId, template: key, to, scheduledFor: step.dueAt.toISOString() };
  return channel === 'sms' ? { ...base, channel, body: renderSms(template, vars) } : { ...base, channel, fromName: clinic.name, ...renderEmail(template, vars) };
}
