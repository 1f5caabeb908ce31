import type { Clinic, Clinics } from '../config/clinics.ts';
import { classifyReply, parseAck } from '../core/classify-reply.ts';
import { escalationFor, type EscalationKind } from '../core/escalation.ts';
import { toE164 } from '../core/phone.ts';
import { renderSms } from '../core/render.ts';
import { escalationId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { observeAcknowledgement, type Metrics } from '../lib/metrics.ts';
import { enqueueNotice, type Queues } from '../lib/queues.ts';
import type { Db, Sql } from '../store/db.ts';
import { acknowledge, raiseEscalation } from '../store/escalations.ts';
import { loadPatient } from '../store/patients.ts';
import { latestPlanKind } from '../store/plans.ts';
import { markReplied, openCheckin, patientByPhone, recordReply, setSmsOptOut } from '../store/replies.ts';
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

  const match = await patientByPhone(deps.db, from);
  const clinic = match && deps.clinics.get(match.clinicId);
  if (!match || !clinic) {
    // Recorded so nothing is lost; no patient, so nothing else changes.
    await recordReply(deps.db, { id: sms.sid, clinicId: null, patientId: null, fromPhone: from, body: sms.body,
      classification: 'unknown-sender', level: 'none', stepId: null, detail: {} });
    log.warn('reply from a number no patient has');
    return { classification: 'unknown-sender' };
  }
  const { clinicId, patientId } = match;
  const checkin = await openCheckin(deps.db, clinicId, patientId);
  const plan = await latestPlanKind(deps.db, clinicId, patientId);
  const reply = classifyReply(sms.body, { checkinOpen: checkin !== undefined, ...(plan ? { plan } : {}) });
  const wanted = escalationFor(reply);

  const outcome = await deps.db.transaction(async (tx) => {
    const fresh = await recordReply(tx, { id: sms.sid, clinicId, patientId, fromPhone: from, body: sms.body,
      classification: reply.kind, level: reply.level, stepId: checkin?.stepId ?? null, detail: { ...reply } });
    if (!fresh) return undefined;
    const note = (kind: Parameters<typeof addTimeline>[1][number]['kind'], detail: Record<string, unknown>, stepId?: string) =>
      addTimeline(tx, [{ clinicId, patientId, kind, stepId: stepId ?? null, detail }]);
    await note('reply.received', { replyId: sms.sid, text: sms.body, classification: reply.kind, level: reply.level,
      ...(reply.kind === 'score' ? { score: reply.score } : {}),
      ...(reply.kind === 'crisis' || reply.kind === 'symptom' ? { evidence: reply.evidence, subject: reply.subject } : {}) }, checkin?.stepId);
    if (reply.kind === 'opt-out') await optOut(tx, clinicId, patientId, note);
    if (reply.kind === 'opt-in') {
      await setSmsOptOut(tx, clinicId, patientId, false);
      await note('patient.opted-in', { keyword: reply.keyword });
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
  // Someone else's emergency: the sender is told to call the emergency number for them now.
  const answerKey = reply.kind === 'crisis' && reply.subject === 'other' ? 'crisis-reply-other'
    : reply.kind in answers ? answers[reply.kind as keyof typeof answers] : undefined;
  const answer = answerKey ? await answerText(deps.db, clinic, patientId, answerKey) : undefined;
  if (answerKey) await addTimeline(deps.db, [{ clinicId, patientId, kind: 'reply.answered', detail: { replyId: sms.sid, template: answerKey } }]);
  return { answer, classification: reply.kind, ...(escalation ? { escalation: { id: escalation.id, kind: escalation.kind, code: escalation.code } } : {}) };
}

async function optOut(tx: Sql, clinicId: string, patientId: string, note: (kind: 'patient.opted-out', detail: Record<string, unknown>) => Promise<void>) {
  await setSmsOptOut(tx, clinicId, patientId, true);
  // Steps that can only go by SMS are cancelled now; the others switch to email at send time.
  const cancelled = await tx.query<{ id: string }>(
    `UPDATE steps SET state = 'cancelled', reason = 'patient opted out of SMS', updated_at = now()
     WHERE clinic_id = $1 AND patient_id = $2 AND state = 'scheduled' AND (channel = 'sms' OR recipient = 'escort') RETURNING id`,
    [clinicId, patientId],
  );
  await note('patient.opted-out', { cancelledSteps: cancelled.length });
}

async function answerText(db: Db, clinic: Clinic, patientId: string, key: (typeof answers)[keyof typeof answers] | 'crisis-reply-other'): Promise<string | undefined> {
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
