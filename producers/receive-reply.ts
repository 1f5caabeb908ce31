import type { Clinic, Clinics } from '../config/clinics.ts';
import { classifyReply, parseAck } from '../core/classify-reply.ts';
import { escalationFor, type EscalationKind } from '../core/escalation.ts';
import { toE164 } from '../core/phone.ts';
import { renderSms } from '../core/render.ts';
import { escalationId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { observeAcknowledgement, type Metrics } from '../lib/metrics.ts';
import { enqueueNotice, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { acknowledge, raiseEscalation } from '../store/escalations.ts';
import { loadPatient, setSmsOptOut } from '../store/patients.ts';
import { markReplied, recordReply, senderByPhone } from '../store/replies.ts';
import { addTimeline } from '../store/timeline.ts';
import { findTemplate } from '../templates/index.ts';
import { messageVars } from '../templates/vars.ts';

export interface ReplyDeps {
  db: Db;
  clinics: Clinics;
  queues: Queues;
  log: Logger;
  metrics?: Metrics;
}

export interface InboundSms {
  /** The provider's message id: a redelivered webhook carries the same one. */
  sid: string;
  from: string;
  body: string;
}

/** What to answer the sender at once (as TwiML), if anything. */
export interface ReplyOutcome {
  answer?: string;
  classification: string;
  escalation?: { id: string; kind: EscalationKind; code: string };
}

const answers = { crisis: 'crisis-reply', help: 'help-reply', 'opt-out': 'opt-out-confirmation', 'opt-in': 'opt-in-confirmation' } as const;

/**
 * Reads one inbound SMS: a staff acknowledgement, or a patient's reply, classified and acted
 * on in one transaction (opt-out, closing the check-in, raising an escalation), then answered.
 */
export async function receiveReply(deps: ReplyDeps, sms: InboundSms): Promise<ReplyOutcome> {
  const from = toE164(sms.from) ?? sms.from;
  const log = deps.log.child({ replyId: sms.sid });

  const code = parseAck(sms.body);
  const staff = code ? deps.clinics.all().flatMap((c) => c.escalation.contacts.filter((k) => k.phone === from).map((k) => ({ clinic: c, contact: k }))) : [];
  if (code && staff.length) return acknowledgeByCode(deps, staff, code, log);

  const match = await senderByPhone(deps.db, from);
  const clinic = match && deps.clinics.get(match.clinicId);
  if (!match || !clinic) {
    // Recorded so nothing is lost; no patient, so nothing else changes.
    await recordReply(deps.db, { id: sms.sid, clinicId: null, patientId: null, fromPhone: from, body: sms.body,
      classification: 'unknown-sender', level: 'none', stepId: null, detail: {} });
    log.warn('reply from a number no patient has');
    return { classification: 'unknown-sender' };
  }
  const { clinicId, patientId } = match;
  const checkin = match.checkinStepId ? { stepId: match.checkinStepId } : undefined;
  const reply = classifyReply(sms.body, { checkinOpen: checkin !== undefined });
  const wanted = escalationFor(reply);

  const outcome = await deps.db.transaction(async (tx) => {
    const fresh = await recordReply(tx, { id: sms.sid, clinicId, patientId, fromPhone: from, body: sms.body,
      classification: reply.kind, level: reply.level, stepId: checkin?.stepId ?? null, detail: { ...reply } });
    if (!fresh) return undefined;
    const note = (kind: Parameters<typeof addTimeline>[1][number]['kind'], detail: Record<string, unknown>, stepId?: string) =>
      addTimeline(tx, [{ clinicId, patientId, kind, stepId: stepId ?? null, detail }]);
    await note('reply.received', { replyId: sms.sid, text: sms.body, classification: reply.kind, level: reply.level,
      ...(reply.kind === 'score' ? { score: reply.score } : {}) }, checkin?.stepId);
    if (reply.kind === 'opt-out' || reply.kind === 'opt-in') {
      const out = reply.kind === 'opt-out';
      for (const changed of await setSmsOptOut(tx, clinicId, from, out)) {
        await addTimeline(tx, [{ clinicId, patientId: changed.patientId, kind: out ? 'patient.opted-out' : 'patient.opted-in', stepId: null,
          detail: { keyword: reply.keyword, ...(out ? { cancelledSteps: changed.cancelledSteps } : {}), ...(changed.patientId !== patientId ? { sharedPhoneWith: patientId } : {}) } }]);
      }
    }
    // Any reply answers the check-in: no reminder, no "no reply" escalation.
    if (checkin && !['opt-out', 'opt-in', 'help'].includes(reply.kind)) await markReplied(tx, checkin.stepId);
    if (!wanted) return { escalation: undefined };
    const { escalation, created } = await raiseEscalation(tx, {
      id: escalationId(clinicId, patientId, `reply-${sms.sid}`), clinicId, patientId, kind: wanted.kind, reason: wanted.reason,
      replyId: sms.sid, stepId: checkin?.stepId,
    });
    if (created) await note('escalation.raised', { escalationId: escalation.id, kind: escalation.kind, reason: escalation.reason, code: escalation.code });
    return { escalation };
  });
  if (!outcome) {
    log.info('reply already processed');
    return { classification: reply.kind };
  }
  const escalation = outcome.escalation;
  if (escalation) {
    deps.metrics?.escalationsRaised.inc({ kind: escalation.kind });
    log.warn({ clinicId, patientId, escalationId: escalation.id, kind: escalation.kind }, 'escalation raised');
    // If Redis is away the reconciler notifies staff as soon as it is back.
    await enqueueNotice(deps.queues, { escalationId: escalation.id, round: 1 }).catch((err: Error) =>
      log.error({ escalationId: escalation.id, err: err.message }, 'escalation not queued; the reconciler will queue it'));
  }
  log.info({ clinicId, patientId, classification: reply.kind, level: reply.level }, 'reply received');
  const answerKey = reply.kind in answers ? answers[reply.kind as keyof typeof answers] : undefined;
  const answer = answerKey ? await answerText(deps.db, clinic, patientId, answerKey) : undefined;
  if (answerKey) await addTimeline(deps.db, [{ clinicId, patientId, kind: 'reply.answered', detail: { replyId: sms.sid, template: answerKey } }]);
  return { answer, classification: reply.kind, ...(escalation ? { escalation: { id: escalation.id, kind: escalation.kind, code: escalation.code } } : {}) };
}

async function answerText(db: Db, clinic: Clinic, patientId: string, key: (typeof answers)[keyof typeof answers]): Promise<string | undefined> {
  const patient = await loadPatient(db, clinic.id, patientId);
  const template = findTemplate(key, patient?.locale ?? clinic.locale);
  if (!template) return undefined;
  return renderSms(template, messageVars(clinic, patient?.firstName ?? '', { namesTreatment: clinic.smsNamesTreatment }));
}

async function acknowledgeByCode(
  deps: ReplyDeps,
  staff: Array<{ clinic: Clinic; contact: { name: string } }>,
  code: string,
  log: Logger,
): Promise<ReplyOutcome> {
  for (const { clinic, contact } of staff) {
    const acked = await acknowledge(deps.db, { clinicId: clinic.id, code }, contact.name);
    if (!acked) continue;
    observeAcknowledgement(deps.metrics, acked, 'sms');
    await addTimeline(deps.db, [{ clinicId: clinic.id, patientId: acked.patientId, kind: 'escalation.acknowledged',
      detail: { escalationId: acked.id, code, by: contact.name, via: 'sms' } }]);
    log.info({ clinicId: clinic.id, escalationId: acked.id }, 'escalation acknowledged by SMS');
    return { classification: 'ack', answer: `Acknowledged ${code} (patient ${acked.patientId}). Thank you.` };
  }
  return { classification: 'ack', answer: `No open alert has code ${code}.` };
}
