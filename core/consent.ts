import { z } from 'zod';
import { Channel } from './care-plan.ts';

/**
 * A patient's consent to each channel as a history: who or what granted or withdrew it, when, in
 * which words. The patients row (`sms_consent`, `sms_opted_out_at`, `email_opted_out`) stays the
 * fast path the dispatcher reads; the records say how it came to be.
 */

/** Where a change came from. */
export const ConsentSource = z.enum([
  /** A clinic event (API, CLI, library) set the patient's consent. */
  'event',
  /** An event mapped from the clinic's EHR: FHIR or HL7v2. */
  'fhir',
  'hl7',
  /** The patient texted START (or "start again please"). */
  'start-reply',
  /** The patient texted STOP, or asked in words to stop. */
  'stop-reply',
  /** The patient used an email's unsubscribe link (RFC 8058 one-click or the page's button). */
  'unsubscribe-link',
  /** A member of staff recorded it in the console. */
  'console',
]);
export type ConsentSource = z.infer<typeof ConsentSource>;

export const ConsentStatus = z.enum(['granted', 'withdrawn']);
export type ConsentStatus = z.infer<typeof ConsentStatus>;

export interface ConsentChange {
  channel: Channel;
  status: ConsentStatus;
  source: ConsentSource;
  /** The keyword or cue that withdrew it (`STOP`, `STOP (in words)`, `List-Unsubscribe=One-Click`), never the message itself. */
  words?: string;
  /** The version of the consent wording the patient was shown, for a grant. */
  wordingVersion?: string;
  /** The staff member, for a console change (`username (Full Name)`). */
  by?: string;
  /** The event that made the change. */
  eventId?: string;
}

/** What a patient's record said before an event: undefined for a patient not seen before. */
export interface ConsentOnRecord {
  smsConsent: boolean;
  hasEmail: boolean;
}

/** The source an event's consent counts as: its id says whether the EHR sent it (core/fhir-mapping.ts, core/hl7-mapping.ts). */
export function consentSourceOfEvent(eventId: string): ConsentSource {
  if (eventId.startsWith('fhir-')) return 'fhir';
  if (eventId.startsWith('hl7-')) return 'hl7';
  return 'event';
}

/**
 * The consent changes an event brings: SMS when its `smsConsent` differs from the record (or a new
 * patient arrives with it), email when an email address arrives for a patient who had none. An
 * email unsubscribe or a STOP is not undone by an event: those stand until the patient says otherwise.
 */
export function consentChangesOfEvent(before: ConsentOnRecord | undefined, patient: { smsConsent: boolean; email?: string | undefined },
  origin: { eventId: string; wordingVersion: string }): ConsentChange[] {
  const source = consentSourceOfEvent(origin.eventId);
  const changes: ConsentChange[] = [];
  const grant = (channel: Channel): ConsentChange => ({ channel, status: 'granted', source, wordingVersion: origin.wordingVersion, eventId: origin.eventId });
  if (patient.smsConsent && !before?.smsConsent) changes.push(grant('sms'));
  if (!patient.smsConsent && before?.smsConsent) changes.push({ channel: 'sms', status: 'withdrawn', source, eventId: origin.eventId, words: 'smsConsent: false' });
  if (patient.email && !before?.hasEmail) changes.push(grant('email'));
  return changes;
}

/** A console change as staff submit it. */
export const consentFormSchema = z.strictObject({
  channel: Channel,
  status: ConsentStatus,
});
