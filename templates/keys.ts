/** Every message a patient or escort can receive (staff notices are written in core/escalation.ts). en.ts and es.ts must cover all of them (checked by the compiler). */
export const templateKeys = [
  'no-driving',
  'no-driving-escort',
  'no-driving-esketamine',
  'no-driving-esketamine-escort',
  'light-meal',
  'checkin-24h',
  'checkin-reminder',
  'withdrawal-checkin',
  'week-two-stabilisation',
  'crisis-reply',
  'crisis-reply-other',
  'help-reply',
  'opt-out-confirmation',
  'opt-in-confirmation',
] as const;

export type TemplateKey = (typeof templateKeys)[number];
