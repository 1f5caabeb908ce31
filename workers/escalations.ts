import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Clinic } from '../config/clinics.ts';
import { clinicOnCall } from '../config/on-call.ts';
import { escalationNotice, excerptOf, type EscalationKind } from '../core/escalation.ts';
import { nextPerson, policyRound, type NoticeChannel } from '../core/escalation-policy.ts';
import { emailHtml } from '../core/render.ts';
import { DeliveryError } from '../channels/channel.ts';
import { FieldCipherError } from '../lib/field-cipher.ts';
import { escalationId } from '../lib/ids.ts';
import { enqueueNotice, type EndCallsJob, type NoticeJob } from '../lib/queues.ts';
import { loadEscalation, markExhausted, markNotified, raiseEscalation, type EscalationRecord } from '../store/escalations.ts';
import { claimNotice, recordNotice, ringingCalls, roundNotices } from '../store/notices.ts';
import { loadPatient } from '../store/patients.ts';
import { replyBody } from '../store/replies.ts';
import { addTimeline } from '../store/timeline.ts';
import type { DispatcherDeps } from './deps.ts';
import { JobFailure } from './job-failure.ts';
import { emitWebhook } from '../lib/emit-webhook.ts';

export type EscalationDeps = Pick<DispatcherDeps, 'db' | 'queues' | 'clinics' | 'channels' | 'log' | 'metrics' | 'now'>;

/** Raises an escalation from a worker (no reply, unreachable) and queues its first notice. */
export async function raiseAndNotify(
  deps: Pick<EscalationDeps, 'db' | 'queues' | 'log' | 'metrics'>,
  e: { clinicId: string; patientId: string; kind: EscalationKind; reason: string; cause: string; stepId?: string },
): Promise<void> {
  const { escalation, created } = await raiseEscalation(deps.db, {
    id: escalationId(e.clinicId, e.patientId, e.cause), clinicId: e.clinicId, patientId: e.patientId, kind: e.kind, reason: e.reason, stepId: e.stepId,
  });
  if (!created) return;
  deps.metrics?.escalationsRaised.inc({ kind: e.kind });
  await addTimeline(deps.db, [{ clinicId: e.clinicId, patientId: e.patientId, stepId: e.stepId ?? null, kind: 'escalation.raised',
    detail: { escalationId: escalation.id, kind: escalation.kind, reason: escalation.reason, code: escalation.code } }]);
  deps.log.warn({ clinicId: e.clinicId, patientId: e.patientId, escalationId: escalation.id, kind: e.kind }, 'escalation raised');
  await enqueueNotice(deps.queues, { escalationId: escalation.id, round: 1 });
  await emitWebhook(deps, { clinicId: e.clinicId, type: 'escalation.raised', data: { patientId: e.patientId, escalationId: escalation.id, kind: escalation.kind, reason: escalation.reason, stepId: e.stepId ?? null } });
}

/** A person's part of a notice id: their place in the clinic's list (as before rotations), else a digest of their name. */
function personKey(clinic: Clinic, name: string): { key: string; contact: number } {
  const i = clinic.escalation.contacts.findIndex((c) => c.name === name);
  if (i >= 0) return { key: `c${i}`, contact: i };
  if (clinic.escalation.lastResort?.name === name) return { key: 'lr', contact: -1 };
  return { key: `p${createHash('sha256').update(name).digest('hex').slice(0, 10)}`, contact: -2 };
}

/** Who an earlier notice of this round went to. */
function noticePerson(clinic: Clinic, n: { person: string | null; contact: number }): string | undefined {
  return n.person ?? (n.contact === -1 ? clinic.escalation.lastResort?.name : clinic.escalation.contacts[n.contact]?.name);
}

/**
 * One round of notices for an open escalation: the clinic's policy for its kind, or the ladder
 * (core/escalation-policy.ts), says who and how; each (round, person, channel) is claimed once and
 * sent and recorded on its own. A person Twilio or SMTP refuses for good is noted on the timeline
 * and the notice moves to the next person at once. The round's first attempt queues the next
 * round; an acknowledged escalation stops here.
 */
export async function notifyEscalation(deps: EscalationDeps, job: NoticeJob): Promise<'notified' | 'acknowledged'> {
  const now = DateTime.fromJSDate(deps.now?.() ?? new Date());
  const escalation = await loadEscalation(deps.db, job.escalationId);
  if (!escalation) throw new JobFailure('escalation-missing', `escalation ${job.escalationId} is not in the database`);
  if (escalation.status !== 'open') return 'acknowledged';
  const clinic = deps.clinics.get(escalation.clinicId);
  if (!clinic) throw new JobFailure('clinic-unknown', `clinic ${escalation.clinicId} is not configured`);
  const log = deps.log.child({ clinicId: clinic.id, patientId: escalation.patientId, escalationId: escalation.id, round: job.round });

  // A retry reads the policy as the round's first attempt did, and sends to the same people.
  const earlier = await roundNotices(deps.db, escalation.id, job.round);
  const at = earlier[0] ? DateTime.fromJSDate(earlier[0].createdAt) : now;
  const { contacts, lastResort } = clinic.escalation;
  const { people, rotations } = clinicOnCall(clinic);
  const plan = policyRound({
    kind: escalation.kind, round: job.round, sinceRaised: at.diff(DateTime.fromJSDate(escalation.raisedAt)), now: at,
    policy: clinic.escalation.policies[escalation.kind], contacts, lastResort, people, rotations,
    renotifyAfter: clinic.escalation.renotifyAfter, nextContactAfter: clinic.escalation.nextContactAfter,
  });
  const queue: Array<{ who: string; channel: NoticeChannel }> = plan.recipients.flatMap((r) => r.channels.map((channel) => ({ who: r.who, channel })));
  for (const n of earlier) {
    const who = noticePerson(clinic, n);
    if (who && !queue.some((q) => q.who === who && q.channel === n.channel)) queue.push({ who, channel: n.channel });
  }
  const notice = await noticeText(deps, clinic, escalation, job.round);
  const order = [...contacts.map((c) => c.name), ...(lastResort ? [lastResort.name] : [])];
  const sent = new Map<string, NoticeChannel[]>();
  const retrying: Array<{ channel: NoticeChannel; code: string }> = [];
  // Each channel is tried and recorded on its own: a Twilio outage must not hold back the email.
  for (let i = 0; i < queue.length; i++) {
    const { who, channel } = queue[i]!;
    const person = people.get(who);
    const to = channel === 'email' ? person?.email : person?.phone;
    if (!person || !to) continue;
    const { key, contact } = personKey(clinic, who);
    const id = `${escalation.id}-r${job.round}-${key}-${channel}`;
    if (!(await claimNotice(deps.db, { id, escalationId: escalation.id, round: job.round, channel, contact, person: who }))) continue;
    const base = { messageId: id, clinicId: clinic.id, patientId: escalation.patientId, to, scheduledFor: at.toISO() ?? '' };
    try {
      const receipt = channel === 'sms'
        ? await deps.channels.sms.send({ ...base, template: 'escalation-notice', channel, body: notice.sms, priority: 'urgent' })
        : channel === 'voice'
          ? await deps.channels.voice.send({ ...base, template: 'escalation-call', channel })
          : await deps.channels.email.send({ ...base, template: 'escalation-notice', channel, fromName: `Aftercare for ${clinic.name}`, subject: notice.subject, text: notice.text, html: emailHtml(notice.subject, notice.text) });
      await recordNotice(deps.db, id, receipt);
      sent.set(who, [...(sent.get(who) ?? []), channel]);
    } catch (err) {
      // Anything but a provider's permanent refusal (Redis away for the rate limit, a timeout, a phone already ringing) is tried again.
      const permanent = err instanceof DeliveryError && err.permanent;
      const code = err instanceof DeliveryError ? err.code : ((err as { code?: string }).code ?? 'notice-error');
      await recordNotice(deps.db, id, { status: permanent ? 'failed' : 'retry', errorCode: code });
      log.warn({ channel, code, contact: key }, 'staff notice failed');
      if (!permanent) {
        retrying.push({ channel, code });
        continue;
      }
      // Nobody may go unwarned because one phone is blocked (Twilio 21610) or wrong (21211).
      const next = nextPerson(order, who, queue.map((q) => q.who));
      await addTimeline(deps.db, [{ clinicId: clinic.id, patientId: escalation.patientId, stepId: escalation.stepId, kind: 'escalation.contact-unreachable',
        detail: { escalationId: escalation.id, round: job.round, contact: person.name, channel, errorCode: code } }]);
      const channels: NoticeChannel[] = escalation.kind === 'urgent' ? ['sms', 'email', 'voice'] : ['sms', 'email'];
      if (next !== undefined) for (const c of channels) queue.push({ who: next, channel: c });
    }
  }
  await recordRound(deps, escalation, job.round, [...sent].map(([contact, channels]) => ({ contact, channels })));
  // Only the first attempt of a round queues the next one: a retry after that round ran must not start it again.
  const first = await markNotified(deps.db, escalation.id, job.round);
  if (plan.exhausted && (await markExhausted(deps.db, escalation.id))) {
    await addTimeline(deps.db, [{ clinicId: clinic.id, patientId: escalation.patientId, stepId: escalation.stepId, kind: 'escalation.exhausted',
      detail: { escalationId: escalation.id, round: job.round } }]);
    log.warn('every contact tried and nobody acknowledged; re-notifying until someone does');
  }
  if (first && plan.nextRoundAt) await enqueueNotice(deps.queues, { escalationId: escalation.id, round: job.round + 1 }, plan.nextRoundAt.toJSDate(), now.toJSDate());
  if (retrying.length) throw new NoticeRetry(escalation.id, job.round, retrying);
  return 'notified';
}

/** Someone acknowledged: calls of the escalation still queued or ringing are hung up (one answered finishes its own words). */
export async function endRingingCalls(deps: Pick<EscalationDeps, 'db' | 'channels' | 'log'>, job: EndCallsJob): Promise<number> {
  const calls = await ringingCalls(deps.db, job.escalationId);
  for (const call of calls) await deps.channels.voice.end(call.providerId);
  if (calls.length) deps.log.info({ escalationId: job.escalationId, calls: calls.length }, 'ringing calls ended after acknowledgement');
  return calls.length;
}

async function noticeText(deps: EscalationDeps, clinic: Clinic, escalation: EscalationRecord, round: number) {
  const patient = await loadPatient(deps.db, escalation.clinicId, escalation.patientId);
  const patientRef = patient ? `${escalation.patientId} (${patient.firstName.slice(0, 1)}.)` : escalation.patientId;
  const body = escalation.replyId ? await readableReply(deps, escalation.replyId) : undefined;
  return escalationNotice({
    kind: escalation.kind, clinicName: clinic.name, patientRef, code: escalation.code, reason: escalation.reason,
    excerpt: body ? excerptOf(body) : undefined, round,
  });
}

/**
 * The reply's text for the email excerpt, or none when it does not open (FIELD_KEYS not shared by
 * this process, say): the excerpt is a courtesy, the notice must go without it.
 */
async function readableReply(deps: EscalationDeps, replyId: string): Promise<string | undefined> {
  try {
    return await replyBody(deps.db, replyId);
  } catch (err) {
    if (!(err instanceof FieldCipherError)) throw err;
    deps.log.warn({ replyId, err: err.code }, 'reply text does not open with FIELD_KEYS; staff notice sent without its excerpt');
    return undefined;
  }
}

/** Who was told in this attempt, one timeline entry per person (the console's "Notified" line). */
async function recordRound(deps: EscalationDeps, e: EscalationRecord, round: number, told: Array<{ contact: string; channels: NoticeChannel[] }>) {
  if (told.length === 0) return;
  await addTimeline(deps.db, told.map((t) => ({ clinicId: e.clinicId, patientId: e.patientId, stepId: e.stepId, kind: 'escalation.notified' as const,
    detail: { escalationId: e.id, round, contact: t.contact, channels: t.channels } })));
  deps.log.info({ clinicId: e.clinicId, escalationId: e.id, round, told: told.length }, 'staff notified');
}

/** Some channels of a round failed for a passing reason: the job retries, and only those are sent again. */
export class NoticeRetry extends Error {
  override name = 'NoticeRetry';
  readonly code = 'notice-retry';
  constructor(escalationId: string, round: number, failed: Array<{ channel: NoticeChannel; code: string }>) {
    super(`staff notice ${escalationId} round ${round}: ${failed.map((f) => `${f.channel} ${f.code}`).join(', ')} to be retried`);
  }
}
