import type { FastifyInstance } from 'fastify';
import type { ChainedEntry } from '../../../core/audit-chain.ts';
import { searchAccessAudit } from '../../../store/access-audit.ts';
import { can } from './roles.ts';
import { auditCsv, auditQuerySchema, nextPageQuery } from '../audit-query.ts';
import type { ConsoleContext, ConsoleDeps } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { clinicTime } from './layout.ts';
import { problemPage } from './sign-in-page.ts';

function filters(raw: Record<string, unknown>): SafeHtml {
  const value = (name: string) => (typeof raw[name] === 'string' ? raw[name] : '');
  return html`<form method="get" action="/console/audit" class="filters">
  <label>Patient id <input name="patientId" value="${value('patientId')}"></label>
  <label>Actor <input name="actor" value="${value('actor')}"></label>
  <label>From <input name="from" placeholder="2026-12-01" value="${value('from')}"></label>
  <label>To <input name="to" placeholder="2026-12-31" value="${value('to')}"></label>
  <button type="submit">Search</button>
</form>`;
}

function entriesTable(entries: ChainedEntry[], zone: string): SafeHtml {
  if (entries.length === 0) return html`<p>No entries.</p>`;
  return html`<table class="audit">
<thead><tr><th>#</th><th>When</th><th>Who</th><th>Role</th><th>Action</th><th>Outcome</th><th>Patient</th><th>Address</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td>${e.seq}</td><td><time datetime="${e.at}">${clinicTime(e.at, zone)}</time></td><td>${e.actor}</td><td>${e.role}</td>
<td>${e.action}</td><td>${e.outcome}</td><td>${e.patientId ?? ''}</td><td>${e.clientAddress ?? ''}</td></tr>`)}</tbody>
</table>`;
}

/** /console/audit: the clinic's access audit, for auditors and clinic admins (roles.ts). */
export async function auditPages(app: FastifyInstance, deps: ConsoleDeps, ctx: ConsoleContext): Promise<void> {
  app.get<{ Querystring: Record<string, unknown> }>('/audit', { config: { audit: { action: 'audit.search' } } }, async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    const signedIn = { who, csrfToken: ctx.csrfToken(reply, who) };
    if (!can(who.staff.role, 'audit.view'))
      return ctx.render(reply, 403, { title: 'Auditors only', section: 'audit', signedIn,
        main: problemPage('Auditors only', 'The access audit is open to auditors and clinic admins. Ask your clinic’s administrator.') });
    const q = auditQuerySchema.safeParse(req.query ?? {});
    if (!q.success)
      return ctx.render(reply, 400, { title: 'Access audit', section: 'audit', signedIn,
        main: html`<h1>Access audit</h1>${filters(req.query ?? {})}<p class="notice" role="alert">${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}</p>` });
    const entries = await searchAccessAudit(deps.db, { ...q.data, clinicId: who.clinic.id });
    if (q.data.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="audit-${who.clinic.id}.csv"`).send(auditCsv(entries));
    const next = nextPageQuery(req.query ?? {}, entries, q.data.limit);
    const csv = new URLSearchParams(Object.entries(req.query ?? {}).flatMap(([k, v]) => (typeof v === 'string' && k !== 'format' ? [[k, v] as [string, string]] : [])));
    csv.set('format', 'csv');
    const main = html`<h1>Access audit</h1>
<p class="note">Who read or changed this clinic’s patient data, oldest first, in clinic time (${who.clinic.timezone}).</p>
${filters(req.query ?? {})}
${entriesTable(entries, who.clinic.timezone)}
<p>${next && html`<a href="/console/audit?${next}">Next page</a> · `}<a href="/console/audit?${csv.toString()}">Download as CSV</a></p>`;
    return ctx.render(reply, 200, { title: 'Access audit', section: 'audit', main, signedIn });
  });
}
