import { createHash } from 'node:crypto';
import type { ClinicInput } from '../config/clinics.ts';
import type { CarePlanStepInput } from '../core/care-plan.ts';

export const benchClinicId = 'bench-clinic';
export const benchApiKey = 'bench-key-bench-clinic';

/** Three messages an hour or more ahead: they stay delayed for the whole run (schedule, cancel, memory). */
export const futurePlan: CarePlanStepInput[] = [
  { key: 'no-driving', template: 'no-driving', after: 'PT1H', quietHours: 'ignore' },
  { key: 'light-meal', template: 'light-meal', after: 'PT2H' },
  { key: 'checkin-24h', template: 'checkin-24h', after: 'PT3H', expectsReply: { within: 'PT6H', remindOnce: true } },
];
export const futureStepsPerEvent = futurePlan.length;

/** One message at the session's end: with `endedAt` ahead, every plan falls due at that instant. */
export const duePlan: CarePlanStepInput[] = [{ key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', grace: 'PT1H' }];

/** The bench clinic: quiet hours off (start == end) so no step moves, short plans given by the case. */
export function benchClinic(session: CarePlanStepInput[], id = benchClinicId): ClinicInput {
  return {
    id,
    name: 'Bench Clinic',
    phone: '+15550001111',
    timezone: 'America/Denver',
    apiKeySha256: createHash('sha256').update(`bench-key-${id}`).digest('hex'),
    quietHours: { start: '00:00', end: '00:00' },
    escalation: { contacts: [{ name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' }] },
    plans: { session },
  };
}

/** A session.completed event for patient `i` of a run; ids are unique per run tag. */
export function sessionEvent(run: string, i: number, endedAt: string, clinicId = benchClinicId): Record<string, unknown> {
  return {
    type: 'session.completed',
    id: `evt-${run}-${i}`,
    clinicId,
    patient: {
      id: `p-${run}-${i}`, firstName: 'Sam', phone: '+15551234567', email: 'sam@example.org',
      timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true,
    },
    session: { id: `s-${run}-${i}`, endedAt, modality: 'iv' },
  };
}

/** Cancels the plan of sessionEvent(run, i). */
export function cancelEvent(run: string, i: number): Record<string, unknown> {
  return { type: 'plan.cancelled', id: `cancel-${run}-${i}`, clinicId: benchClinicId, patientId: `p-${run}-${i}`, reference: `s-${run}-${i}` };
}
