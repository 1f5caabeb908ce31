import { z } from 'zod';
import type { Clinic } from '../../../config/clinics.ts';
import type { EscalationKind } from '../../../core/escalation.ts';
import type { Sql } from '../../../store/db.ts';
import { inboxEscalations, type InboxRow } from '../../../store/escalations.ts';
import { escalationNotices } from '../../../store/timeline.ts';
import { html, type SafeHtml } from './html.ts';
import { age, clinicTime } from './layout.ts';

/** An open escalation as the inbox shows it: its row, and who has been told so far. */
export interface InboxItem extends InboxRow {
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
  const rows = await inboxEscalations(sql, clinicId);
  if (rows.length === 0) return [];
  // "Who was notified" lives on the timeline, where the escalation worker records each notice.
  const notices = await escalationNotices(sql, clinicId, [...new Set(rows.map((r) => r.patientId))], rows.map((r) => r.id));
  const byEscalation = new Map<string, InboxItem['notified']>();
  for (const n of notices) {
    const d = notifiedDetail.safeParse(n);
    if (!d.success) continue;
    byEscalation.set(d.data.escalationId, [...(byEscalation.get(d.data.escalationId) ?? []), d.data]);
  }
  return rows.map((r) => ({ ...r, notified: byEscalation.get(r.id) ?? [] }));
}

const excerpt = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function notifiedLine(item: InboxItem): SafeHtml {
  if (item.notified.length === 0) return html`<p><strong>Notified:</strong> nobody yet</p>`;
  const who = item.notified.map((n) => `${n.contact} by ${n.channels.map((c) => (c === 'sms' ? 'SMS' : c)).join(' and ') || 'no channel'}${n.round ? ` (round ${n.round})` : ''}`);
  return html`<p><strong>Notified:</strong> ${who.join('; ')}</p>`;
}

function card(item: InboxItem, clinic: Clinic, csrfToken: string | undefined, now: Date): SafeHtml {
  const patientHref = `/console/patients/${encodeURIComponent(item.patientId)}`;
  const who = item.firstName ?? 'The patient';
  return html`<article class="card kind-${item.kind}" data-escalation="${item.id}" aria-labelledby="esc-${item.id}">
  <h2 id="esc-${item.id}"><span class="kind">${kindWords[item.kind]}</span> <a href="${patientHref}">${who} (${item.patientId})</a></h2>
  <p>${who} ${item.reason}.</p>
  ${item.replyText !== null && html`<blockquote aria-label="Their reply">${excerpt(item.replyText)}</blockquote>`}
  <p><strong>Raised:</strong> <time datetime="${item.raisedAt.toISOString()}">${age(item.raisedAt, now)}</time> (${clinicTime(item.raisedAt, clinic.timezone)}) · code ${item.code}</p>
  ${item.exhaustedAt !== null && html`<p class="exhausted" role="alert"><strong>Nobody has acknowledged:</strong> every contact has been told (since <time datetime="${item.exhaustedAt.toISOString()}">${clinicTime(item.exhaustedAt, clinic.timezone)}</time>); still re-notifying until someone does.</p>`}
  ${notifiedLine(item)}
  ${csrfToken !== undefined && html`<form method="post" action="/console/escalations/${encodeURIComponent(item.id)}/ack">
    <input type="hidden" name="_csrf" value="${csrfToken}">
    <button type="submit">Acknowledge<span class="visually-hidden"> ${kindWords[item.kind]} escalation for ${who}</span></button>
  </form>`}
</article>`;
}

/** The list the inbox page shows and the live updates replace (the same markup both ways); without a token (an auditor), no Acknowledge buttons. */
export function inboxList(items: InboxItem[], clinic: Clinic, csrfToken: string | undefined, now: Date): SafeHtml {
  const count = items.length === 0 ? 'No open escalations.' : `${items.length} open escalation${items.length === 1 ? '' : 's'}.`;
  return html`<p data-count>${count}</p>
${items.map((item) => card(item, clinic, csrfToken, now))}`;
}
