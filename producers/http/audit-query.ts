import { DateTime } from 'luxon';
import { z } from 'zod';
import type { ChainedEntry } from '../../core/audit-chain.ts';
import { idSchema } from '../../core/events.ts';

// What GET /v1/audit and the console's audit page both read: the filters, one page, and CSV.

const instant = z.string().max(64).transform((text, ctx) => {
  const at = DateTime.fromISO(text, { setZone: true });
  if (!at.isValid) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 date or date-time (2026-12-01 or 2026-12-01T09:00:00Z)' });
    return z.NEVER;
  }
  return at.toJSDate();
});
const blankIsUnset = (value: unknown) => (value === '' ? undefined : value);

export const auditQuerySchema = z.object({
  patientId: z.preprocess(blankIsUnset, idSchema.optional()),
  actor: z.preprocess(blankIsUnset, z.string().max(200).optional()),
  from: z.preprocess(blankIsUnset, instant.optional()),
  to: z.preprocess(blankIsUnset, instant.optional()),
  format: z.enum(['json', 'csv']).default('json'),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditQueryInput = z.infer<typeof auditQuerySchema>;

/** The query string of the next page: the same filters, after the last entry shown. */
export function nextPageQuery(raw: Record<string, unknown>, entries: ChainedEntry[], limit: number): string | undefined {
  if (entries.length < limit) return undefined;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' && k !== 'after') params.set(k, v);
  params.set('after', String(entries.at(-1)!.seq));
  return params.toString();
}

export const auditColumns = ['seq', 'at', 'actor', 'role', 'action', 'outcome', 'status', 'clinicId', 'patientId', 'clientAddress', 'prevHash', 'hash'] as const;

// Quoted always; a leading = + - @ is defused so a spreadsheet shows it as text (CSV injection).
const cell = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
};

export function auditCsv(entries: ChainedEntry[]): string {
  return [auditColumns.join(','), ...entries.map((e) => auditColumns.map((c) => cell(e[c])).join(','))].join('\r\n') + '\r\n';
}
