import { DateTime } from 'luxon';
import { escalationNotice, excerptOf, noticeRound, type EscalationKind, type NoticeChannel } from '../core/escalation.ts';
import { emailHtml } from '../core/render.ts';
import { DeliveryError } from '../channels/channel.ts';
import { escalationId } from '../lib/ids.ts';
import { enqueueNotice, type NoticeJob } from '../lib/queues.ts';
import { claimNotice, loadEscalation, markNotified, raiseEscalation, recordNotice } from '../store/escalations.ts';
import { loadPatient } from '../store/patients.ts';
import { replyBody } from '../store/replies.ts';
import { addTimeline } from '../store/timeline.ts';
import type { DispatcherDeps } from './dispatcher.ts';
import { JobFailure } from './job-failure.ts';

export type EscalationDeps = Pick<DispatcherDeps, 'db' | 'queues' | 'clinics' | 'channels' | 'log' | 'metrics' | 'now'>;

/** Raises an escalation from a worker (no reply, unreachable) and queues its first notice. */
export async function raiseAndNotify(
  deps: EscalationDeps,
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
}

/**
 * One round of notices for an open escalation: the round's contact, by SMS and/or email,
 * each (round, channel) claimed once; then the next round is queued unless this was the last.
 * An acknowledged escalation stops here.
 */
export async function notifyEscalation(deps: EscalationDeps, job: NoticeJob): Promise<'notified' | 'acknowledged'> {
  const now = DateTime.fromJSDate(deps.now?.() ?? new Date());
  const escalation = await loadEscalation(deps.db, job.escalationId);
  if (!escalation) throw new JobFailure('escalation-missing', `escalation ${job.escalationId} is not in the database`);
  if (escalation.status !== 'open') return 'acknowledged';
  const clinic = deps.clinics.get(escalation.clinicId);
  if (!clinic) throw new JobFailure('clinic-unknown', `clinic ${escalation.clinicId} is not configured`);
  const log = deps.log.child({ clinicId: clinic.id, patientId: escalation.patientId, escalationId: escalation.id, round: job.round });

  const round = noticeRound({
    kind: escalation.kind, round: job.round, raisedAt: DateTime.fromJSDate(escalation.raisedAt), now,
    policy: { contacts: clinic.escalation.contacts.length, renotifyAfter: clinic.escalation.renotifyAfter, nextContactAfter: clinic.escalation.nextContactAfter },
  });
  const contact = clinic.escalation.contacts[round.contactIndex] ?? clinic.escalation.contacts[0];
  if (!contact) throw new JobFailure('no-contacts', `clinic ${clinic.id} has no escalation contacts`);
  const reachable = (c: NoticeChannel) => (c === 'sms' ? contact.phone : contact.email);
  // A review goes by email; a contact without email gets it by SMS rather than not at all.
  let channels = round.channels.filter((c) => reachable(c));
  if (channels.length === 0) channels = (['sms', 'email'] as const).filter((c) => reachable(c));

  const patient = await loadPatient(deps.db, escalation.clinicId, escalation.patientId);
  const patientRef = patient ? `${escalation.patientId} (${patient.firstName.slice(0, 1)}.)` : escalation.patientId;
  const body = escalation.replyId ? await replyBody(deps.db, escalation.replyId) : undefined;
  const notice = escalationNotice({
    kind: escalation.kind, clinicName: clinic.name, patientRef, code: escalation.code, reason: escalation.reason,
    excerpt: body ? excerptOf(body) : undefined, round: job.round,
  });

  // Each channel is tried and recorded on its own: a Twilio outage must not hold back the email.
  const sent: NoticeChannel[] = [];
  const retrying: Array<{ channel: NoticeChannel; code: string }> = [];
  for (const channel of channels) {
    const to = reachable(channel);
    if (!to) continue;
    const id = `${escalation.id}-r${job.round}-${channel}`;
    if (!(await claimNotice(deps.db, { id, escalationId: escalation.id, round: job.round, channel, contact: round.contactIndex }))) continue;
    const base = { messageId: id, clinicId: clinic.id, patientId: escalation.patientId, template: 'escalation-notice', to, scheduledFor: now.toISO() ?? '' };
    try {
      const receipt = channel === 'sms'
        ? await deps.channels.sms.send({ ...base, channel, body: notice.sms, priority: 'urgent' })
        : await deps.channels.email.send({ ...base, channel, fromName: `Aftercare for ${clinic.name}`, subject: notice.subject, text: notice.text, html: emailHtml(notice.subject, notice.text) });
      await recordNotice(deps.db, id, receipt);
      sent.push(channel);
    } catch (err) {
      // Anything but a provider's permanent refusal (Redis away for the rate limit, a timeout) is tried again.
      const permanent = err instanceof DeliveryError && err.permanent;
      const code = err instanceof DeliveryError ? err.code : ((err as { code?: string }).code ?? 'notice-error');
      await recordNotice(deps.db, id, { status: permanent ? 'failed' : 'retry', errorCode: code });
      log.warn({ channel, code }, 'staff notice failed');
      if (!permanent) retrying.push({ channel, code });
    }
  }
  // Only the first attempt of a round queues the next one: a retry after that round ran must not start it again.
  const first = await markNotified(deps.db, escalation.id, job.round);
  if (sent.length) {
    await addTimeline(deps.db, [{ clinicId: clinic.id, patientId: escalation.patientId, stepId: escalation.stepId, kind: 'escalation.notified',
      detail: { escalationId: escalation.id, round: job.round, contact: contact.name, channels: sent } }]);
    log.info({ channels: sent, contact: round.contactIndex }, 'staff notified');
  }
  if (first && round.nextRoundAt) await enqueueNotice(deps.queues, { escalationId: escalation.id, round: job.round + 1 }, round.nextRoundAt.toJSDate(), now.toJSDate());
  if (retrying.length) throw new NoticeRetry(escalation.id, job.round, retrying);
  return 'notified';
}

/** Some channels of a round failed for a passing reason: the job retries, and only those are sent again. */
export class NoticeRetry extends Error {
  override name = 'NoticeRetry';
  readonly code = 'notice-retry';
  constructor(escalationId: string, round: number, failed: Array<{ channel: NoticeChannel; code: string }>) {
    super(`staff notice ${escalationId} round ${round}: ${failed.map((f) => `${f.channel} ${f.code}`).join(', ')} to be retried`);
  }
}
