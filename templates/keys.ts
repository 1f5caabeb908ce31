/** Every message the service can send. en.ts and es.ts must cover all of them (checked by the compiler). */
export const templateKeys = [
  'no-driving',
  'no-driving-escort',
  'light-meal',
  'checkin-24h',
  'checkin-reminder',
  'withdrawal-checkin',
  'week-two-stabilisation',
  'crisis-reply',
  'help-reply',
  'opt-out-confirmation',
  'opt-in-confirmation',
  'escalation-notice',
] as const;

export type TemplateKey = (typeof templateKeys)[number];

/** Sent to clinic staff, never to a patient or escort. */
export const staffTemplateKeys = ['escalation-notice'] as const satisfies readonly TemplateKey[];

export type PatientTemplateKey = Exclude<TemplateKey, (typeof staffTemplateKeys)[number]>;

export const patientTemplateKeys: readonly PatientTemplateKey[] = templateKeys.filter(
  (key): key is PatientTemplateKey => key !== 'escalation-notice',
);
