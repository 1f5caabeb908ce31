import { DateTime } from 'luxon';
import type { Mapping } from './fhir-mapping.ts';
import { ehrPatient } from './patient-contact.ts';
import { drugOf, modalityOfTreatment, rxnormSystem, treatmentOf } from './treatment.ts';

/**
 * An HL7v2 message as plain data: segment name → occurrences → fields (index = field number) →
 * repetitions → components (index 0 = component 1). Read by the HL7 library in producers/hl7.
 */
export type Hl7Segments = Record<string, string[][][][]>;

export interface Hl7Header {
  type: string;
  trigger: string;
  controlId: string;
  sendingFacility: string;
}

/** Component `c` (1-based) of repetition `rep` of field `f` of the first (or `occ`th) segment. */
export function hl7Value(m: Hl7Segments, seg: string, f: number, c = 1, rep = 0, occ = 0): string | undefined {
  const v = m[seg]?.[occ]?.[f]?.[rep]?.[c - 1]?.trim();
  return v ? v : undefined;
}

export function hl7Header(m: Hl7Segments): Hl7Header | { reason: string } {
  const type = hl7Value(m, 'MSH', 9, 1);
  const trigger = hl7Value(m, 'MSH', 9, 2);
  const controlId = hl7Value(m, 'MSH', 10);
  const sendingFacility = hl7Value(m, 'MSH', 4) ?? '';
  if (!type || !trigger || !controlId) return { reason: 'MSH-9 (message type) and MSH-10 (control id) are required' };
  return { type, trigger, controlId, sendingFacility };
}

/** HL7 TS (YYYYMMDDHHMM[SS[.S]][+/-ZZZZ]) as UTC ISO; a time without an offset is in `zone`. */
export function hl7Instant(ts: string | undefined, zone: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(ts ?? '');
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, off] = m;
  const text = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${off ? `${off.slice(0, 3)}:${off.slice(3)}` : ''}`;
  const t = off ? DateTime.fromISO(text, { setZone: true }) : DateTime.fromISO(text, { zone });
  return t.isValid ? t.toUTC().toISO() ?? undefined : undefined;
}

// Ids travel into keys; an MRN or appointment number may hold characters they do not.
const safeId = (raw: string) => raw.replace(/[^A-Za-z0-9._~-]/g, '-').slice(0, 100);

function contact(m: Hl7Segments) {
  // PID-13 (home) and PID-14 (business) XTN: 2 use code, 3 equipment (CP = cellular), 4 email, 6 area, 7 local.
  const reps = [...(m.PID?.[0]?.[13] ?? []), ...(m.PID?.[0]?.[14] ?? [])];
  const number = (r: string[]) => r[0]?.trim() || (r[6] ? `${r[5] ?? ''}${r[6]}`.trim() : undefined);
  const mobile = reps.find((r) => r[2] === 'CP' && number(r));
  const email = reps.find((r) => r[1] === 'NET' || r[2] === 'Internet')?.[3];
  return { mobile: mobile ? number(mobile) : undefined, email: email?.trim() || undefined };
}

function treatment(m: Hl7Segments) {
  // RXA-5 administered code (CE; RxNorm as "RXNORM"), RXR-1 route.
  const code = hl7Value(m, 'RXA', 5, 1);
  const system = hl7Value(m, 'RXA', 5, 3);
  const drug = drugOf([{ system: /rxnorm/i.test(system ?? '') ? rxnormSystem : system, code, display: hl7Value(m, 'RXA', 5, 2) }]);
  if (!drug) return undefined;
  return treatmentOf(drug, [{ code: hl7Value(m, 'RXR', 1, 1), display: hl7Value(m, 'RXR', 1, 2) }], hl7Value(m, 'RXR', 1, 2));
}

/**
 * SIU^S14 with SCH-25 "Complete" (or ADT^A03, a discharge): session.completed, ending at SCH-11.5
 * (or PV1-45, then EVN-6). SIU^S15 or S14 "Cancelled"/"Deleted", and S26 (no-show): plan.cancelled.
 */
export function mapHl7(m: Hl7Segments, facts: { clinicId: string; zone: string; smsConsent: boolean }): Mapping {
  const header = hl7Header(m);
  if ('reason' in header) return { kind: 'unmapped', reason: header.reason };
  const kind = `${header.type}^${header.trigger}`;
  const mrn = hl7Value(m, 'PID', 3);
  if (!m.PID) return { kind: 'unmapped', reason: `${kind} has no PID segment` };
  if (!mrn) return { kind: 'unmapped', reason: 'PID-3 (patient identifier) is empty' };
  const patientId = safeId(mrn);
  const id = `hl7-${safeId(header.controlId)}`;
  let reference: string;
  let endedAt: string | undefined;
  if (header.type === 'SIU') {
    const appointment = hl7Value(m, 'SCH', 2) ?? hl7Value(m, 'SCH', 1);
    if (!appointment) return { kind: 'unmapped', reason: 'SCH-1 and SCH-2 (appointment id) are empty' };
    reference = `appt-${safeId(appointment)}`;
    const status = (hl7Value(m, 'SCH', 25) ?? '').toLowerCase();
    if (header.trigger === 'S15' || header.trigger === 'S26' || status === 'cancelled' || status === 'deleted' || status === 'noshow')
      return { kind: 'event', event: { type: 'plan.cancelled', id, clinicId: facts.clinicId, patientId, reference } };
    if (header.trigger !== 'S14' || status !== 'complete') return { kind: 'ignored', reason: `${kind} with SCH-25 "${status}" is not a completed appointment` };
    endedAt = hl7Instant(hl7Value(m, 'SCH', 11, 5), facts.zone) ?? hl7Instant(hl7Value(m, 'EVN', 6), facts.zone);
  } else if (header.type === 'ADT' && header.trigger === 'A03') {
    const visit = hl7Value(m, 'PV1', 19);
    if (!visit) return { kind: 'unmapped', reason: 'PV1-19 (visit number) is empty' };
    reference = `visit-${safeId(visit)}`;
    endedAt = hl7Instant(hl7Value(m, 'PV1', 45), facts.zone) ?? hl7Instant(hl7Value(m, 'EVN', 6), facts.zone);
  } else {
    return { kind: 'ignored', reason: `${kind} starts no plan` };
  }
  if (!endedAt) return { kind: 'unmapped', reason: `${kind} gives no end time (SCH-11.5, PV1-45 or EVN-6)` };
  const patient = ehrPatient(patientId, { firstName: hl7Value(m, 'PID', 5, 2), ...contact(m), language: hl7Value(m, 'PID', 15) }, facts.smsConsent);
  if ('reason' in patient) return { kind: 'unmapped', reason: patient.reason };
  const given = treatment(m);
  return {
    kind: 'event',
    event: {
      type: 'session.completed', id, clinicId: facts.clinicId, patient,
      session: { id: reference, endedAt, modality: given ? modalityOfTreatment[given] : 'other', ...(given ? { treatment: given } : {}) },
    },
  };
}
