import type { Locale } from '../core/events.ts';
import { en } from './en.ts';
import { es } from './es.ts';
import { templateKeys, type TemplateKey } from './keys.ts';
import type { MessageTemplate } from './template.ts';

export { templateKeys } from './keys.ts';
export type { TemplateKey } from './keys.ts';

const tables: Record<Locale, Record<TemplateKey, MessageTemplate>> = { en, es };
const known = new Set<string>(templateKeys);

export function isTemplateKey(key: string): key is TemplateKey {
  return known.has(key);
}

/** The template for a key in a language; undefined for a key no table knows (a typo in a clinic's plan). */
export function findTemplate(key: string, locale: Locale): MessageTemplate | undefined {
  if (!isTemplateKey(key)) return undefined;
  // Every table covers every key (checked by the compiler); English stays the safety net.
  return tables[locale][key] ?? tables.en[key];
}
