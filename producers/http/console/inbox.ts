import { z } from 'zod';
import type { Clinic } from '../../../config/clinics.ts';
import type { EscalationKind } from '../../../core/escalation.ts';
import type { Sql } from '../../../store/db.ts';
import { byUrgency } from '../../../store/escalations.ts';
import { html, type SafeHtml } from './html.ts';
import { age, clinicTime } from './layout.ts';

export interface InboxItem {
  id: string;
  patientId: string;
  firstName: string | null;
  kind: EscalationKind;
  reason: string;
  code: string;
  raisedAt: Date;
  replyText: string | null;
  /** Every contact was told and nobody acknowledged: the ladder keeps re-notifying. */
  exhaustedAt: Date | null;
  notified: Array<{ contact: string; channels: string[]; round: number | null }>;
}

export const kindWords: Record<EscalationKind, string> = {
  urgent: 'Urgent', attention: 'Needs attention', unreachable: 'Cannot reach patient', review: 'To read',
};

const notifiedDetail = z.object({
  escalationId: z.string(),
  contact: z.string(),
  channels: z.array(z.string()).catch([]),
  round: z.number().int().nullable().catch(null),
});

/** A clinic's open escalations, urgent first, with the reply that raised each and who has been told. */
export async function loadInbox(sql: Sql, clinicId: string): Promise<InboxItem[]> {
  const rows = await sql.query<{ id: string; patient_id: string; first_name: string | null; kind: EscalationKind; reason: string; code: string; raised_at: Date; reply_text: string | null; exhausted_at: Date | null }>(
    `SELECT e.id, e.patient_id, p.first_name, e.kind, e.reason, e.code, e.raised_at, r.body AS reply_text, e.exhausted_at
     FROM escalations e
     LEFT JOIN patients p ON p.clinic_id = e.clinic_id AND p.id = e.patient_id
     LEFT JOIN replies r ON r.id = e.reply_id AND r.clinic_id = e.clinic_id
     WHERE e.clinic_id = $1 AND e.status = 'open'
     ORDER BY ${byUrgency('e')}
     LIMIT 200`,
    [clinicId],
  );
  if (rows.length === 0) return [];
  // "Who was notified" lives on the timeline, where the escalation worker records each notice.
  const notices = await sql.query<{ detail: unknown }>(
    `SELECT detail FROM timeline
     WHERE clinic_id = $1 AND patient_id = ANY($2::text[]) AND kind = 'escalation.notified' AND detail->>'escalationId' = ANY($3::text[])
     ORDER BY id`,
    [clinicId, [...new Set(rows.map((r) => r.patient_id))], rows.map((r) => r.id)],
  );
  const byEscalation = new Map<string, InboxItem['notified']>();
  for (const n of notices) {
    const d = notifiedDetail.safeParse(n.detail);
    if (!d.success) continue;
    byEscalation.set(d.data.escalationId, [...(byEscalation.get(d.data.escalationId) ?? []), d.data]);
  }
  return rows.map((r) => ({
    id: r.id, patientId: r.patient_id, firstName: r.first_name, kind: r.kind, reason: r.reason, code: r.code,
    raisedAt: r.raised_at, replyText: r.reply_text, exhaustedAt: r.exhausted_at, notified: byEscalation.get(r.id) ?? [],
  }));
}

const excerpt = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function notifiedLine(item: InboxItem): SafeHtml {
  if (item.notified.length === 0) return html`<p><strong>Notified:</strong> nobody yet</p>`;
  const who = item.notified.map((n) => `${n.contact} by ${n.channels.map((c) => (c === 'sms' ? 'SMS' : c)).join(' and ') || 'no channel'}${n.round ? ` (round ${n.round})` : ''}`);
  return html`<p><strong>Notified:</strong> ${who.join('; ')}</p>`;
}

function card(item: InboxItem, clinic: Clinic, csrfToken: string, now: Date): SafeHtml {
  const patientHref = `/console/patients/${encodeURIComponent(item.patientId)}`;
  const who = item.firstName ?? 'The patient';
  return html`<article class="card kind-${item.kind}" data-escalation="${item.id}" aria-labelledby="esc-${item.id}">
  <h2 id="esc-${item.id}"><span class="kind">${kindWords[item.kind]}</span> <a href="${patientHref}">${who} (${item.patientId})</a></h2>
  <p>${who} ${item.reason}.</p>
  ${item.replyText !== null && html`<blockquote aria-label="Their reply">${excerpt(item.replyText)}</blockquote>`}
  <p><strong>Raised:</strong> <time datetime="${item.raisedAt.toISOString()}">${age(item.raisedAt, now)}</time> (${clinicTime(item.raisedAt, clinic.timezone)}) · code ${item.code}</p>
  ${item.exhaustedAt !== null && html`<p class="exhausted" role="alert"><strong>Nobody has acknowledged:</strong> every contact has been told (since <time datetime="${item.exhaustedAt.toISOString()}">${clinicTime(item.exhaustedAt, clinic.timezone)}</time>); still re-notifying until someone does.</p>`}
  ${notifiedLine(item)}
  <form method="post" action="/console/escalations/${encodeURIComponent(item.id)}/ack">
    <input type="hidden" name="_csrf" value="${csrfToken}">
    <button type="submit">Acknowledge<span class="visually-hidden"> ${kindWords[item.kind]} escalation for ${who}</span></button>
  </form>
</article>`;
}

/** The list the inbox page shows and the live updates replace (the same markup both ways). */
export function inboxList(items: InboxItem[], clinic: Clinic, csrfToken: string, now: Date): SafeHtml {
  const count = items.length === 0 ? 'No open escalations.' : `${items.length} open escalation${items.length === 1 ? '' : 's'}.`;
  return html`<p data-count>${count}</p>
${items.map((item) => card(item, clinic, csrfToken, now))}`;
}
