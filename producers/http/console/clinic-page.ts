import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clinic } from '../../../config/clinics.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { can, requireRole, roleWords } from './roles.ts';

/** The clinic's settings as its admin sees them: who signs in and as what, who is alerted, quiet hours, SSO. */
export function clinicPage(clinic: Clinic, edit?: { csrfToken: string; problem?: string; saved?: boolean }): SafeHtml {
  const sso = clinic.oidc;
  return html`<h1>Clinic settings: ${clinic.name}</h1>
<h2>Staff</h2>
${clinic.staff.length === 0 ? html`<p>No password accounts.</p>` : html`<table>
  <thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Role</th></tr></thead>
  <tbody>${clinic.staff.map((s) => html`<tr><td data-label="Username">${s.username}</td><td data-label="Name">${s.name}</td><td data-label="Role">${roleWords[s.role]}</td></tr>`)}</tbody>
</table>`}
<h2>Single sign-on</h2>
${sso ? html`<dl class="facts">
  <dt>Identity provider</dt><dd>${sso.issuer}</dd>
  <dt>Email domains</dt><dd>${Object.entries(sso.roleFrom.emailDomains).map(([d, r]) => `${d}: ${roleWords[r]}`).join('; ') || 'none'}</dd>
  ${sso.roleFrom.claim && html`<dt>Claim ${sso.roleFrom.claim.name}</dt><dd>${Object.entries(sso.roleFrom.claim.values).map(([v, r]) => `${v}: ${roleWords[r]}`).join('; ')}</dd>`}
</dl>` : html`<p>Not set up: staff sign in with a password.</p>`}
<h2>Escalation contacts</h2>
<ol>${clinic.escalation.contacts.map((c) => html`<li>${c.name}</li>`)}</ol>
<h2>Quiet hours</h2>
<p>${clinic.quietHours.start} to ${clinic.quietHours.end}, ${clinic.timezone} time.</p>
${edit && html`${edit.saved && html`<p class="notice" role="status">Quiet hours saved as a new configuration version.</p>`}
${edit.problem && html`<p class="notice error" role="alert" id="quiet-hours-problem">${edit.problem}</p>`}
<form method="post" action="/console/clinic/quiet-hours">
  <input type="hidden" name="_csrf" value="${edit.csrfToken}">
  <label for="qh-start">Quiet from (HH:MM)</label>
  <input id="qh-start" name="start" required value="${clinic.quietHours.start}">
  <label for="qh-end">Until (HH:MM)</label>
  <input id="qh-end" name="end" required value="${clinic.quietHours.end}">
  <p><button type="submit">Save quiet hours</button></p>
</form>`}`;
}

const savedQuery = z.object({ saved: z.string().optional().catch(undefined) });
const quietHoursForm = z.object({ start: z.string().max(10), end: z.string().max(10) });
const problemsOf = z.object({ error: z.object({ message: z.string(), fields: z.array(z.object({ path: z.string(), message: z.string() })).optional() }) });

/** Clinic admins only: a nurse or an auditor is refused with a page saying so. Changes go through the admin API, checked as the clinic file is. */
export async function clinicPages(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  app.get('/clinic', async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'config.view');
    const token = ctx.csrfToken(reply, who);
    const edit = can(who.staff.role, 'config.change') ? { csrfToken: token, saved: savedQuery.parse(req.query ?? {}).saved === 'quiet-hours' } : undefined;
    return ctx.render(reply, 200, { title: 'Clinic settings', section: 'clinic', main: clinicPage(who.clinic, edit), signedIn: { who, csrfToken: token } });
  });

  app.post('/clinic/quiet-hours', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'config.change');
    const form = quietHoursForm.safeParse(req.body);
    // The admin API, as this admin: one place validates, versions and records who changed what.
    const res = await app.inject({ method: 'PUT', url: `/v1/admin/clinics/${encodeURIComponent(who.clinic.id)}/quiet-hours`,
      headers: { cookie: req.headers.cookie ?? '', 'x-aftercare-console': '1' }, payload: form.success ? form.data : {} });
    if (res.statusCode === 200) return reply.redirect('/console/clinic?saved=quiet-hours', 303);
    const problem = problemsOf.safeParse(res.json()).data?.error;
    const message = problem ? [problem.message, ...(problem.fields ?? []).map((f) => `${f.path}: ${f.message}`)].join(' ') : 'The quiet hours could not be saved.';
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, res.statusCode >= 500 ? 503 : 400, { title: 'Clinic settings', section: 'clinic',
      main: clinicPage(who.clinic, { csrfToken: token, problem: message }), signedIn: { who, csrfToken: token } });
  });
}
