import { clinicTexted, type Clinic, type Clinics } from '../config/clinics.ts';
import { classifyReply, parseAck } from '../core/classify-reply.ts';
import { OPT_OUT_KEYWORDS } from '../core/reply-words.ts';
import { escalationFor } from '../core/escalation.ts';
import { toE164 } from '../core/phone.ts';
import { renderSms } from '../core/render.ts';
import { escalationId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { enqueueNotice } from '../lib/queues.ts';
import { emitWebhook } from '../lib/emit-webhook.ts';
import type { Db } from '../store/db.ts';
import { raiseEscalation } from '../store/escalations.ts';
import { loadPatient, senderByPhone, setSmsOptOut, standInForUnknownSender, type Sender } from '../store/patients.ts';
import { latestPlanKind } from '../store/plans.ts';
import { markReplied, recordReply, standingOptOut } from '../store/replies.ts';
import { addTimeline } from '../store/timeline.ts';
import { findTemplate } from '../templates/index.ts';
import { messageVars } from '../templates/vars.ts';
import { acknowledgeBySms } from './acknowledge-by-sms.ts';
import { saveConsentChanges, withWording } from './consent-changes.ts';
import type { ReplyDeps, ReplyOutcome } from './deps.ts';

export interface InboundSms {
  /** The provider's message id: a redelivered webhook carries the same one. */
  sid: string;
  from: string;
  /** The number texted (Twilio's `To`): says which clinic a number nobody knows meant. */
  to?: string;
  body: string;
}

const answers = { crisis: 'crisis-reply', help: 'help-reply', 'opt-out': 'opt-out-confirmation', 'opt-in': 'opt-in-confirmation' } as const;
type AnswerKey = (typeof answers)[keyof typeof answers] | 'crisis-reply-other';

// Whom the staff notice says wrote, when it was not the patient.
const senderReason = { patient: (r: string) => r, escort: (r: string) => `has an escort who ${r}`,
  unknown: (r: string) => `texted from a number no patient or escort has and ${r}` } as const;

// Twilio itself acts on its English whole-message opt-out keywords: until START it refuses every
// message to that number, a TwiML answer included (error 21610). Our own keywords (Spanish, a
// stop in plain words) leave the number open.
const twilioBlocks = (keyword: string | undefined) => keyword !== undefined && (OPT_OUT_KEYWORDS as readonly string[]).includes(keyword.toLowerCase());
const undeliverable = {
  patient: 'guidance could not be delivered: the patient texted STOP, so Twilio blocks our replies; call them',
  escort: 'guidance could not be delivered: the escort texted STOP, so Twilio blocks our replies; call them',
  unknown: 'guidance could not be delivered: the sender texted STOP, so Twilio blocks our replies; call them',
} as const;

/**
 * Reads one inbound SMS: a staff acknowledgement, or a reply from a patient, an escort or a
 * number nobody knows, classified and acted on in one transaction (opt-out, closing the
 * check-in, raising an escalation), then answered.
 */
export async function receiveReply(deps: ReplyDeps, sms: InboundSms, options: { late?: boolean } = {}): Promise<ReplyOutcome> {
  const from = toE164(sms.from) ?? sms.from;
  const log = deps.log.child({ replyId: sms.sid });

  const code = parseAck(sms.body);
  const acked = code ? await acknowledgeBySms(deps, from, code, log) : undefined;
  if (acked) return acked;

  const known = await senderByPhone(deps.db, from);
  const knownClinic = known && deps.clinics.get(known.clinicId);
  const match = known && knownClinic ? { sender: known, clinic: knownClinic } : await unknownSender(deps, sms, from, log);
  if (!match) return { classification: 'unknown-sender' };
  const { sender, clinic } = match;
  const { clinicId, patientId } = sender;
  const checkin = sender.checkinStepId;
  const plan = await latestPlanKind(deps.db, clinicId, patientId);
  const reply = classifyReply(sms.body, { checkinOpen: checkin !== undefined, ...(plan ? { plan } : {}) });
  const wanted = escalationFor(reply);

  const outcome = await deps.db.transaction(async (tx) => {
    const blocked = reply.kind === 'crisis' && twilioBlocks(await standingOptOut(tx, from));
    const fresh = await recordReply(tx, { id: sms.sid, clinicId, patientId, fromPhone: from, body: sms.body,
      classification: reply.kind, level: reply.level, stepId: checkin ?? null, detail: { ...reply, sender: sender.sender } });
    if (!fresh) return undefined;
    await addTimeline(tx, [{ clinicId, patientId, kind: 'reply.received', stepId: checkin ?? null, detail: { replyId: sms.sid, text: sms.body,
      classification: reply.kind, level: reply.level, sender: sender.sender, ...(reply.kind === 'score' ? { score: reply.score } : {}),
      ...(reply.kind === 'crisis' || reply.kind === 'symptom' ? { evidence: reply.evidence, subject: reply.subject } : {}) } }]);
    await emitWebhook({ db: tx, queues: deps.queues, log }, { clinicId, type: 'reply.received', data: { patientId, replyId: sms.sid, classification: reply.kind, stepId: checkin ?? null }, replyBody: sms.body });
    let confirm = true;
    if (reply.kind === 'opt-out' || reply.kind === 'opt-in') {
      const out = reply.kind === 'opt-out';
      const changes = await setSmsOptOut(tx, clinicId, from, out);
      // At most one confirmation: Twilio confirms its own keywords itself (and refuses ours, 21610);
      // a stop from a number already stopped gets none.
      if (out) confirm = !twilioBlocks(reply.keyword) && !changes.every((c) => c.wasOptedOut);
      // The consent history keeps the keyword or cue, never the message.
      await saveConsentChanges(tx, changes.map((c) => ({ clinicId, patientId: c.patientId,
        ...withWording({ channel: 'sms', status: out ? 'withdrawn' : 'granted', source: out ? 'stop-reply' : 'start-reply', words: reply.keyword }) })),
        { queues: deps.queues, log });
      for (const changed of changes) {
        await addTimeline(tx, [{ clinicId, patientId: changed.patientId, kind: out ? 'patient.opted-out' : 'patient.opted-in', stepId: null,
          detail: { keyword: reply.keyword, ...(out ? { cancelledSteps: changed.cancelledSteps, ...(twilioBlocks(reply.keyword) ? { confirmedBy: 'twilio' } : {}) } : {}),
            ...(changed.patientId !== patientId ? { sharedPhoneWith: patientId } : {}) } }]);
      }
    }
    // Any reply answers the check-in: no reminder, no "no reply" escalation.
    if (checkin && !['opt-out', 'opt-in', 'help'].includes(reply.kind)) await markReplied(tx, checkin);
    if (!wanted) return { escalation: undefined, blocked, confirm };
    const reason = senderReason[sender.sender](wanted.reason) + (blocked ? `; ${undeliverable[sender.sender]}` : '');
    const { escalation, created } = await raiseEscalation(tx, {
      id: escalationId(clinicId, patientId, `reply-${sms.sid}`), clinicId, patientId, kind: wanted.kind, reason,
      replyId: sms.sid, stepId: checkin,
    });
    if (created) await addTimeline(tx, [{ clinicId, patientId, kind: 'escalation.raised', stepId: checkin ?? null,
      detail: { escalationId: escalation.id, kind: escalation.kind, reason: escalation.reason, code: escalation.code } }]);
    if (created) await emitWebhook({ db: tx, queues: deps.queues, log }, { clinicId, type: 'escalation.raised', data: { patientId, escalationId: escalation.id, kind: escalation.kind, reason: escalation.reason, stepId: checkin ?? null } });
    return { escalation, blocked, confirm };
  });
  if (!outcome) {
    log.info('reply already processed');
    return { classification: reply.kind };
  }
  const escalation = outcome.escalation;
  if (escalation) {
    deps.metrics?.escalationsRaised.inc({ kind: escalation.kind });
    log.warn({ clinicId, patientId, escalationId: escalation.id, kind: escalation.kind, sender: sender.sender }, 'escalation raised');
    // If Redis is away the reconciler notifies staff as soon as it is back.
    await enqueueNotice(deps.queues, { escalationId: escalation.id, round: 1 }).catch((err: Error) =>
      log.error({ escalationId: escalation.id, err: err.message }, 'escalation not queued; the reconciler will queue it'));
  }
  log.info({ clinicId, patientId, classification: reply.kind, level: reply.level, sender: sender.sender }, 'reply received');
  // Someone who is not a patient is answered only with crisis guidance. A message kept while the
  // database was away was answered then, from the clinic file, only if it was a crisis.
  const answerKey = reply.kind in answers && (sender.sender === 'patient' || reply.kind === 'crisis') && outcome.confirm
    && (!options.late || reply.kind === 'crisis')
    ? (reply.kind === 'crisis' && reply.subject === 'other' ? 'crisis-reply-other' : answers[reply.kind as keyof typeof answers])
    : undefined;
  const answer = answerKey ? await answerText(deps.db, clinic, sender, answerKey) : undefined;
  if (answerKey) await addTimeline(deps.db, [{ clinicId, patientId, kind: 'reply.answered', detail: { replyId: sms.sid, template: answerKey,
    ...(options.late ? { late: true } : {}), ...(outcome.blocked ? { delivered: false, why: undeliverable[sender.sender] } : {}) } }]);
  return { answer, classification: reply.kind, ...(escalation ? { escalation: { id: escalation.id, kind: escalation.kind, code: escalation.code } } : {}) };
}

/**
 * A number no patient or escort has. What needs a human (crisis language, a serious symptom)
 * gets a stand-in patient at the clinic it texted, so it escalates like any reply; anything
 * else is recorded and left.
 */
async function unknownSender(deps: ReplyDeps, sms: InboundSms, from: string, log: Logger): Promise<{ sender: Sender; clinic: Clinic } | undefined> {
  const clinic = clinicTexted(deps.clinics, sms.to && (toE164(sms.to) ?? sms.to));
  const reply = classifyReply(sms.body, { checkinOpen: false });
  const wanted = escalationFor(reply);
  if (wanted?.kind === 'urgent' || wanted?.kind === 'attention') {
    const patientId = await standInForUnknownSender(deps.db, clinic.id, from, clinic.locale);
    return { sender: { clinicId: clinic.id, patientId, sender: 'unknown' }, clinic };
  }
  await recordReply(deps.db, { id: sms.sid, clinicId: clinic.id, patientId: null, fromPhone: from, body: sms.body,
    classification: reply.kind, level: reply.level, stepId: null, detail: { ...reply, sender: 'unknown' } });
  log.warn({ clinicId: clinic.id, classification: reply.kind }, 'reply from a number no patient or escort has');
  return undefined;
}

/**
 * What to answer at once when the database cannot be asked: crisis guidance, from the clinic
 * file alone, in the language of the clinic texted; nothing for any other message.
 */
export function immediateCrisisAnswer(clinics: Clinics, sms: InboundSms): string | undefined {
  const reply = classifyReply(sms.body, { checkinOpen: false });
  if (reply.kind !== 'crisis') return undefined;
  const clinic = clinicTexted(clinics, sms.to && (toE164(sms.to) ?? sms.to));
  return crisisAnswer(clinic, clinic.locale, undefined, reply.subject);
}

/** Crisis guidance from the clinic file alone, in the clinic's language: it needs no database. */
export function crisisAnswer(clinic: Clinic, locale: 'en' | 'es' = clinic.locale, firstName?: string, subject: 'self' | 'other' = 'self'): string | undefined {
  // Someone else's emergency: the sender is told to call the emergency number for them now.
  const template = findTemplate(subject === 'other' ? 'crisis-reply-other' : 'crisis-reply', locale);
  return template && renderSms(template, messageVars(clinic, firstName ?? greeting[locale], { namesTreatment: clinic.smsNamesTreatment }));
}

// The messages open with a first name; someone whose name we do not know is greeted instead.
const greeting = { en: 'Hello', es: 'Hola' } as const;

async function answerText(db: Db, clinic: Clinic, sender: Sender, key: AnswerKey): Promise<string | undefined> {
  const patient = await loadPatient(db, clinic.id, sender.patientId);
  const locale = patient?.locale ?? clinic.locale;
  const template = findTemplate(key, locale);
  if (!template) return undefined;
  const name = sender.sender === 'patient' ? patient?.firstName : sender.sender === 'escort' ? sender.escortName : undefined;
  return renderSms(template, messageVars(clinic, name ?? greeting[locale], { namesTreatment: clinic.smsNamesTreatment }));
}
