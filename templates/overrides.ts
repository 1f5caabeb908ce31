import { z } from 'zod';
import { localeSchema, type Locale } from '../core/events.ts';
import { namesDrug } from '../core/sms-segments.ts';
import { findTemplate, isTemplateKey } from './index.ts';
import type { MessageTemplate, MessageVars } from './template.ts';

// A clinic may word a template its own way, per locale; what it leaves out stays the shipped text.
const placeholders = ['firstName', 'clinicName', 'clinicPhone', 'escortName', 'emergencyPhone', 'crisisLine'] as const;
type Placeholder = (typeof placeholders)[number];
const known = new Set<string>(placeholders);

const overrideSchema = z.strictObject({
  sms: z.string().trim().min(1).max(1600).optional(),
  subject: z.string().trim().min(1).max(200).optional(),
  text: z.string().trim().min(1).max(10_000).optional(),
});
export type TemplateOverride = z.infer<typeof overrideSchema>;

export const templateOverridesSchema = z.record(z.string(), z.partialRecord(localeSchema, overrideSchema)).default({});
export type TemplateOverrides = z.infer<typeof templateOverridesSchema>;

/** Unknown templates and placeholders, and a drug named in an SMS (unless the clinic allows it): paths relative to `templates`. */
export function templateOverrideProblems(overrides: TemplateOverrides, smsNamesTreatment = false): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  for (const [key, locales] of Object.entries(overrides)) {
    if (!isTemplateKey(key)) {
      problems.push({ path: key, message: `overrides missing template "${key}"` });
      continue;
    }
    for (const [locale, parts] of Object.entries(locales ?? {})) {
      for (const [part, text] of Object.entries(parts ?? {})) {
        for (const [, name] of String(text).matchAll(/\{([^{}]*)\}/g))
          if (!known.has(name ?? '')) problems.push({ path: `${key}.${locale}.${part}`, message: `unknown placeholder {${name}}; use ${placeholders.map((p) => `{${p}}`).join(', ')}` });
        const drug = part === 'sms' && !smsNamesTreatment ? namesDrug(String(text)) : undefined;
        if (drug) problems.push({ path: `${key}.${locale}.${part}`, message: `an SMS must not name the drug ("${drug}")` });
      }
    }
  }
  return problems;
}

const fill = (text: string) => (vars: MessageVars) =>
  text.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => (known.has(name) ? String(vars[name as Placeholder] ?? '') : whole));

/** The template a clinic sends for a key in a language: its override where it has one, the shipped text otherwise. */
export function clinicTemplate(overrides: TemplateOverrides | undefined, key: string, locale: Locale): MessageTemplate | undefined {
  const shipped = findTemplate(key, locale);
  const own = overrides?.[key]?.[locale];
  if (!shipped || !own) return shipped;
  return {
    sms: own.sms ? fill(own.sms) : shipped.sms,
    email: { subject: own.subject ? fill(own.subject) : shipped.email.subject, text: own.text ? fill(own.text) : shipped.email.text },
  };
}
