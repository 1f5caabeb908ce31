import type { Channel } from './care-plan.ts';
import { toE164 } from './phone.ts';

// What EHR patient records (FHIR Patient, HL7 PID) have in common once read: how to reach the person.
export interface ContactFacts {
  firstName?: string;
  mobile?: string;
  email?: string;
  /** A BCP-47 or ISO 639 language code, as the EHR gives it. */
  language?: string;
}

export type EhrPatient = {
  id: string;
  firstName: string;
  phone?: string;
  email?: string;
  locale: 'en' | 'es';
  channel: Channel;
  smsConsent: boolean;
};

/** The event's patient, or why there is none. A mobile on file is the SMS channel when the clinic says so. */
export function ehrPatient(id: string, facts: ContactFacts, smsConsent: boolean): EhrPatient | { reason: string } {
  const firstName = facts.firstName?.trim();
  if (!firstName) return { reason: `patient ${id} has no given name` };
  const phone = facts.mobile ? toE164(facts.mobile) : undefined;
  if (facts.mobile && !phone) return { reason: `patient ${id} has a mobile number that is not a phone number` };
  const email = facts.email?.trim() || undefined;
  const channel = phone && smsConsent ? 'sms' : email ? 'email' : phone ? 'sms' : undefined;
  if (!channel) return { reason: `patient ${id} has neither a mobile phone nor an email` };
  const locale = /^(es|spa)\b/i.test(facts.language ?? '') ? 'es' : 'en';
  return { id, firstName: firstName.slice(0, 80), ...(phone ? { phone } : {}), ...(email ? { email } : {}), locale, channel, smsConsent };
}
