import { staffContacts } from '../config/clinics.ts';
import { emitWebhook } from '../lib/emit-webhook.ts';
import type { Logger } from '../lib/logger.ts';
import { observeAcknowledgement } from '../lib/metrics.ts';
import { enqueueEndCalls } from '../lib/queues.ts';
import { acknowledge, openEscalationByCode } from '../store/escalations.ts';
import { addTimeline } from '../store/timeline.ts';
import type { ReplyDeps, ReplyOutcome } from './deps.ts';

/**
 * `ACK <code>` from a staff phone: acknowledges the open escalation with that code, looked for
 * only among the clinics the sender is a contact of. Undefined when the sender is no contact,
 * so the message is read as a patient's.
 */
export async function acknowledgeBySms(deps: Pick<ReplyDeps, 'db' | 'clinics' | 'metrics'> & Partial<Pick<ReplyDeps, 'queues'>>, from: string, code: string, log: Logger): Promise<ReplyOutcome | undefined> {
  const memberships = deps.clinics.all().flatMap((clinic) => staffContacts(clinic).filter((c) => c.phone === from).map((contact) => ({ clinic, contact })));
  if (memberships.length === 0) return undefined;
  // Codes are unique among open escalations, so a contact of two clinics names exactly one.
  const open = await openEscalationByCode(deps.db, memberships.map((m) => m.clinic.id), code);
  const by = open && memberships.find((m) => m.clinic.id === open.clinicId)?.contact.name;
  const acked = open && by ? await acknowledge(deps.db, { clinicId: open.clinicId, id: open.id }, by) : undefined;
  if (!acked || !by) return { classification: 'ack', answer: `No open alert has code ${code}.` };
  observeAcknowledgement(deps.metrics, acked, 'sms');
  await addTimeline(deps.db, [{ clinicId: acked.clinicId, patientId: acked.patientId, kind: 'escalation.acknowledged',
    detail: { escalationId: acked.id, code, by, via: 'sms' } }]);
  await emitWebhook({ ...deps, log }, { clinicId: acked.clinicId, type: 'escalation.acknowledged', data: { patientId: acked.patientId, escalationId: acked.id, kind: acked.kind, via: 'sms' } });
  log.info({ clinicId: acked.clinicId, escalationId: acked.id }, 'escalation acknowledged by SMS');
  // A call still ringing for it is hung up; the acknowledgement stands even when Redis is away.
  if (deps.queues) await enqueueEndCalls(deps.queues, acked.id).catch((err: Error) => log.warn({ escalationId: acked.id, err: err.message }, 'could not queue hanging up its calls'));
  return { classification: 'ack', answer: `Acknowledged ${code} (patient ${acked.patientId}). Thank you.` };
}
