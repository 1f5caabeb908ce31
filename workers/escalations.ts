import type { Channel } from '../core/care-plan.ts';
import { DateTime } from 'luxon';
import type { Clinic } from '../config/clinics.ts';
import { escalationNotice, excerptOf, ladderRound, nextRung, rungsOf, type EscalationKind, type Rung } from '../core/escalation.ts';
import { emailHtml } from '../core/render.ts';
import { DeliveryError } from '../channels/channel.ts';
import { escalationId } from '../lib/ids.ts';
import { enqueueNotice, type NoticeJob } from '../lib/queues.ts';
import { loadEscalation, markExhausted, markNotified, raiseEscalation, type EscalationRecord } from '../store/escalations.ts';
import { claimNotice, recordNotice, roundNotices } from '../store/notices.ts';
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

/**
 * One round of notices for an open escalation: the ladder (core/escalation.ts) says who and how;
 * each (round, person, channel) is claimed once and sent and recorded on its own. A person Twilio
 * or SMTP refuses for good is noted on the timeline and the notice moves to the next rung at once.
 * The round's first attempt queues the next round; an acknowledged escalation stops here.
 */
export async function notifyEscalation(deps: EscalationDeps, job: NoticeJob): Promise<'notified' | 'acknowledged'> {
  const now = DateTime.fromJSDate(deps.now?.() ?? new Date());
  const escalation = await loadEscalation(deps.db, job.escalationId);
  if (!escalation) throw new JobFailure('escalation-missing', `escalation ${job.escalationId} is not in the database`);
  if (escalation.status !== 'open') return 'acknowledged';
  const clinic = deps.clinics.get(escalation.clinicId);
  if (!clinic) throw new JobFailure('clinic-unknown', `clinic ${escalation.clinicId} is not configured`);
  const log = deps.log.child({ clinicId: clinic.id, patientId: escalation.patientId, escalationId: escalation.id, round: job.round });

  // A retry reads the ladder as the round's first attempt did, and sends to the same people.
  const earlier = await roundNotices(deps.db, escalation.id, job.round);
  const at = earlier[0] ? DateTime.fromJSDate(earlier[0].createdAt) : now;
  const { contacts, lastResort } = clinic.escalation;
  const plan = ladderRound({
    kind: escalation.kind, round: job.round, sinceRaised: at.diff(DateTime.fromJSDate(escalation.raisedAt)), contacts, lastResort,
    renotifyAfter: clinic.escalation.renotifyAfter, nextContactAfter: clinic.escalation.nextContactAfter, now: at,
  });
  const queue: Array<{ who: Rung; channel: Channel }> = plan.recipients.flatMap((r) => r.channels.map((channel) => ({ who: r.who, channel })));
  for (const n of earlier) {
    const who: Rung = n.contact < 0 ? 'last-resort' : n.contact;
    if (!queue.some((q) => q.who === who && q.channel === n.channel)) queue.push({ who, channel: n.channel });
  }
  const notice = await noticeText(deps, clinic, escalation, job.round);
  const rungs = rungsOf(contacts, lastResort);
  const sent = new Map<Rung, Channel[]>();
  const retrying: Array<{ channel: Channel; code: string }> = [];
  // Each channel is tried and recorded on its own: a Twilio outage must not hold back the email.
  for (let i = 0; i < queue.length; i++) {
    const { who, channel } = queue[i]!;
    const person = who === 'last-resort' ? lastResort : contacts[who];
    const to = channel === 'sms' ? person?.phone : person?.email;
    if (!person || !to) continue;
    const id = `${escalation.id}-r${job.round}-${who === 'last-resort' ? 'lr' : `c${who}`}-${channel}`;
    if (!(await claimNotice(deps.db, { id, escalationId: escalation.id, round: job.round, channel, contact: who === 'last-resort' ? -1 : who }))) continue;
    const base = { messageId: id, clinicId: clinic.id, patientId: escalation.patientId, template: 'escalation-notice', to, scheduledFor: at.toISO() ?? '' };
    try {
      const receipt = channel === 'sms'
        ? await deps.channels.sms.send({ ...base, channel, body: notice.sms, priority: 'urgent' })
        : await deps.channels.email.send({ ...base, channel, fromName: `Aftercare for ${clinic.name}`, subject: notice.subject, text: notice.text, html: emailHtml(notice.subject, notice.text) });
      await recordNotice(deps.db, id, receipt);
      sent.set(who, [...(sent.get(who) ?? []), channel]);
    } catch (err) {
      // Anything but a provider's permanent refusal (Redis away for the rate limit, a timeout) is tried again.
      const permanent = err instanceof DeliveryError && err.permanent;
      const code = err instanceof DeliveryError ? err.code : ((err as { code?: string }).code ?? 'notice-error');
      await recordNotice(deps.db, id, { status: permanent ? 'failed' : 'retry', errorCode: code });
      log.warn({ channel, code, contact: who }, 'staff notice failed');
      if (!permanent) {
        retrying.push({ channel, code });
        continue;
      }
      // Nobody may go unwarned because one phone is blocked (Twilio 21610) or wrong (21211).
      const next = nextRung(rungs, who, queue.map((q) => q.who));
      await addTimeline(deps.db, [{ clinicId: clinic.id, patientId: escalation.patientId, stepId: escalation.stepId, kind: 'escalation.contact-unreachable',
        detail: { escalationId: escalation.id, round: job.round, contact: person.name, channel, errorCode: code } }]);
      if (next !== undefined) for (const c of ['sms', 'email'] as const) queue.push({ who: next, channel: c });
    }
  }
  await recordRound(deps, escalation, job.round, [...sent].map(([who, channels]) => ({ contact: (who === 'last-resort' ? lastResort : contacts[who])?.name ?? '', channels })));
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

async function noticeText(deps: EscalationDeps, clinic: Clinic, escalation: EscalationRecord, round: number) {
  const patient = await loadPatient(deps.db, escalation.clinicId, escalation.patientId);
  const patientRef = patient ? `${escalation.patientId} (${patient.firstName.slice(0, 1)}.)` : escalation.patientId;
  const body = escalation.replyId ? await replyBody(deps.db, escalation.replyId) : undefined;
  return escalationNotice({
    kind: escalation.kind, clinicName: clinic.name, patientRef, code: escalation.code, reason: escalation.reason,
    excerpt: body ? excerptOf(body) : undefined, round,
  });
}

/** Who was told in this attempt, one timeline entry per person (the console's "Notified" line). */
async function recordRound(deps: EscalationDeps, e: EscalationRecord, round: number, told: Array<{ contact: string; channels: Channel[] }>) {
  if (told.length === 0) return;
  await addTimeline(deps.db, told.map((t) => ({ clinicId: e.clinicId, patientId: e.patientId, stepId: e.stepId, kind: 'escalation.notified' as const,
    detail: { escalationId: e.id, round, contact: t.contact, channels: t.channels } })));
  deps.log.info({ clinicId: e.clinicId, escalationId: e.id, round, told: told.length }, 'staff notified');
}

/** Some channels of a round failed for a passing reason: the job retries, and only those are sent again. */
export class NoticeRetry extends Error {
  override name = 'NoticeRetry';
  readonly code = 'notice-retry';
  constructor(escalationId: string, round: number, failed: Array<{ channel: Channel; code: string }>) {
    super(`staff notice ${escalationId} round ${round}: ${failed.map((f) => `${f.channel} ${f.code}`).join(', ')} to be retried`);
  }
}
