import { localeSchema, type Locale } from '../core/events.ts';
import { renderEmail, renderSms } from '../core/render.ts';
import { namesDrug, smsSegments } from '../core/sms-segments.ts';
import { findTemplate } from './index.ts';
import { templateKeys } from './keys.ts';
import type { MessageTemplate, MessageVars } from './template.ts';

/** Carriers stitch long texts back together, but past three parts delivery and cost both suffer. */
export const maxSmsSegments = 3;

/** Realistic, slightly long values: a 30-character clinic name and a full E.164 phone. */
export const sampleVars: MessageVars = {
  firstName: 'Alejandra',
  clinicName: 'Riverside Wellness Clinic West',
  clinicPhone: '+15550001111',
  namesTreatment: false,
  escortName: 'Christopher',
  emergencyPhone: '911',
  crisisLine: '988',
};

export interface TemplateUse {
  clinicId: string;
  namesTreatment: boolean;
  /** Template keys the clinic's care plans name. */
  templates: string[];
}

export interface TemplateCheck {
  ok: boolean;
  line: string;
}

/** Every template each clinic can send, in every language, rendered and measured. */
export function checkTemplates(uses: TemplateUse[]): { ok: boolean; lines: string[] } {
  const checks = uses.flatMap((use) => {
    // Replies, reminders and alerts are sent whatever the plans say, so they are always checked.
    const keys = [...new Set([...use.templates, ...templateKeys])];
    const vars = { ...sampleVars, namesTreatment: use.namesTreatment };
    return keys.flatMap((key) =>
      localeSchema.options.map((locale) => checkTemplate(use.clinicId, key, locale, findTemplate(key, locale), vars)),
    );
  });
  return { ok: checks.every((c) => c.ok), lines: checks.map((c) => c.line) };
}

/** One template in one language: exists, renders, fits in the SMS budget, keeps the drug out of SMS. */
export function checkTemplate(
  clinicId: string,
  key: string,
  locale: Locale,
  template: MessageTemplate | undefined,
  vars: MessageVars,
): TemplateCheck {
  const where = `${clinicId}  ${locale}  ${key}`;
  if (!template) return { ok: false, line: `FAIL ${where}  missing template` };

  let sms: string;
  let email: { subject: string; text: string };
  try {
    sms = renderSms(template, vars);
    email = renderEmail(template, vars);
  } catch (error) {
    return { ok: false, line: `FAIL ${where}  does not render: ${error instanceof Error ? error.message : String(error)}` };
  }

  const { encoding, segments, ucs2Characters } = smsSegments(sms);
  const problems: string[] = [];
  if (segments > maxSmsSegments) problems.push(`> ${maxSmsSegments}`);
  const drug = vars.namesTreatment ? undefined : namesDrug(sms);
  if (drug) problems.push(`names "${drug}" in SMS`);
  if (sms.length === 0) problems.push('empty SMS');
  if (email.subject.length === 0 || email.text.length === 0) problems.push('empty email');
  if (!sms.includes(vars.clinicName)) problems.push('SMS does not name the clinic');

  const forcing = ucs2Characters.length > 0 ? `: ${ucs2Characters.map(show).join(', ')}` : '';
  const size = `sms ${segments} segment${segments === 1 ? '' : 's'} (${encoding}${forcing})`;
  const ok = problems.length === 0;
  return { ok, line: `${ok ? 'ok  ' : 'FAIL'} ${where}  ${[size, ...problems].join(' ')}` };
}

// Invisible or look-alike characters (non-breaking space, curly quotes) must be visible in the report.
function show(char: string): string {
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) && !/[\u2018\u2019\u201C\u201D]/.test(char)
    ? char
    : `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
