import { Hl7Message, Hl7Segment } from '@medplum/core';
import type { Clinic, Clinics } from '../../config/clinics.ts';
import { hl7Header, mapHl7, type Hl7Segments } from '../../core/hl7-mapping.ts';
import { acceptMapped, type AcceptEvent } from '../../lib/accept-mapped.ts';
import { AftercareError } from '../../lib/errors.ts';
import { ehrNotificationId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Db } from '../../store/db.ts';
import { loadEhrNotification, recordEhrNotification, settleEhrNotification } from '../../store/ehr-notifications.ts';

export interface Hl7Deps {
  db: Db;
  clinics: Clinics;
  log: Logger;
  accept: AcceptEvent;
}

export type AckCode = 'AA' | 'AE' | 'AR';

/** The message as plain data for core: segment → occurrences → fields → repetitions → components. */
export function segmentsOf(message: Hl7Message): Hl7Segments {
  const out: Hl7Segments = {};
  for (const seg of message.segments) {
    const fields: string[][][] = [[]];
    // getField knows MSH's offset (MSH-1 is the separator itself).
    const count = seg.name === 'MSH' ? seg.fields.length : seg.fields.length - 1;
    for (let i = 1; i <= count; i++) fields.push(seg.getField(i)?.components ?? []);
    (out[seg.name] ??= []).push(fields);
  }
  return out;
}

/** An ACK naming the reason in ERR-8 (and MSA-3, which older engines show). */
function ack(message: Hl7Message, code: AckCode, reason?: string): Hl7Message {
  if (!reason) return message.buildAck({ ackCode: code });
  const text = reason.replace(/[|^~\\&\r\n]/g, ' ').slice(0, 200);
  const built = message.buildAck({ ackCode: code, errSegment: new Hl7Segment(['ERR', '', '', '207^Application internal error^HL70357', 'E', '', '', '', text], message.context) });
  built.getSegment('MSA')?.setField(3, text);
  return built;
}

const fallbackHeader = 'MSH|^~\\&|UNKNOWN|UNKNOWN|AFTERCARE|AFTERCARE|||ACK|0|P|2.5.1';

/**
 * One HL7v2 message from an interface engine, over MLLP or HTTP: stored once per (sending
 * facility, control id), mapped and accepted at once (no fetch needed), answered AA when accepted
 * or there is nothing to do, AE with the reason when it cannot become an event, AR for a sender
 * no clinic names. A replayed message gets the answer its first copy got.
 */
export async function receiveHl7(deps: Hl7Deps, text: string, clinicOfCaller?: Clinic): Promise<{ code: AckCode; ack: Hl7Message; reason?: string }> {
  const er7 = text.replace(/\r\n|\n/g, '\r').trim();
  let message: Hl7Message;
  try {
    message = Hl7Message.parse(er7);
  } catch {
    message = Hl7Message.parse(fallbackHeader);
  }
  const answer = (code: AckCode, reason?: string) => ({ code, ack: ack(message, code, reason), ...(reason ? { reason } : {}) });
  if (!message.getSegment('MSH') || !er7.startsWith('MSH')) return answer('AE', 'not an HL7v2 message: it must start with an MSH segment');
  const segments = segmentsOf(message);
  const header = hl7Header(segments);
  if ('reason' in header) return answer('AE', header.reason);
  const clinic = clinicOfCaller ?? deps.clinics.all().find((c) => c.ehr?.hl7?.sendingFacility === header.sendingFacility);
  if (!clinic) return answer('AR', `no clinic has sending facility "${header.sendingFacility}" (MSH-4)`);
  const dedupKey = `hl7 ${header.sendingFacility} ${header.controlId}`;
  const id = ehrNotificationId(clinic.id, dedupKey);
  const ids = { clinicId: clinic.id, notificationId: id, messageType: `${header.type}^${header.trigger}` };
  try {
    if (!(await recordEhrNotification(deps.db, { id, clinicId: clinic.id, source: 'hl7', dedupKey, body: { er7 } }))) {
      const first = await loadEhrNotification(deps.db, id);
      if (first && first.status !== 'received') return answer(first.status === 'unmapped' ? 'AE' : 'AA', first.status === 'unmapped' ? first.reason ?? undefined : undefined);
    }
    const mapping = mapHl7(segments, { clinicId: clinic.id, zone: clinic.timezone, smsConsent: (clinic.ehr?.smsConsent ?? 'mobile-on-file') === 'mobile-on-file' });
    const outcome = await acceptMapped(deps, mapping);
    await settleEhrNotification(deps.db, id, outcome);
    deps.log.info({ ...ids, status: outcome.status, reason: outcome.reason }, 'hl7 message mapped');
    return outcome.status === 'unmapped' ? answer('AE', outcome.reason) : answer('AA');
  } catch (err) {
    // Nothing half-done is answered AA: the engine keeps the message and sends it again.
    const reason = err instanceof AftercareError ? `${err.code}: ${err.message}` : 'internal: the message could not be stored; send it again';
    deps.log.warn({ ...ids, err: (err as Error).message }, 'hl7 message not accepted');
    return answer('AE', reason);
  }
}
