import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clinic } from '../../../config/clinics.ts';
import { callAdminApi, problemNotice, problemStatus, savedNotice, type ConsoleProblem } from './clinic-admin-api.ts';
import { clinicContactsPage } from './clinic-contacts-page.ts';
import { clinicKeysPage } from './clinic-keys-page.ts';
import { clinicNav } from './clinic-nav.ts';
import { clinicPlansPage } from './clinic-plans-page.ts';
import { clinicStaffPage } from './clinic-staff-page.ts';
import { clinicVersionsPage } from './clinic-versions-page.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { allowedStaff, can, roleWords } from './roles.ts';

/** The clinic's settings at a glance: who signs in and as what, who is alerted, SSO, and the quiet hours form. */
export function clinicPage(clinic: Clinic, edit?: { csrfToken: string; problem?: ConsoleProblem; saved?: boolean }): SafeHtml {
  const sso = clinic.oidc;
  return html`<h1>Clinic settings: ${clinic.name}</h1>
${clinicNav('overview')}
<h2>Staff</h2>
${clinic.staff.length === 0 ? html`<p>No password accounts.</p>` : html`<table>
  <thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Role</th></tr></thead>
  <tbody>${clinic.staff.map((s) => html`<tr><td data-label="Username">${s.username}</td><td data-label="Name">${s.name}</td><td data-label="Role">${roleWords[s.role]}</td></tr>`)}</tbody>
</table>`}
<p><a href="/console/clinic/staff">Add, change or remove staff</a></p>
<h2>Single sign-on</h2>
${sso ? html`<dl class="facts">
  <dt>Identity provider</dt><dd>${sso.issuer}</dd>
  <dt>Email domains</dt><dd>${Object.entries(sso.roleFrom.emailDomains).map(([d, r]) => `${d}: ${roleWords[r]}`).join('; ') || 'none'}</dd>
  ${sso.roleFrom.claim && html`<dt>Claim ${sso.roleFrom.claim.name}</dt><dd>${Object.entries(sso.roleFrom.claim.values).map(([v, r]) => `${v}: ${roleWords[r]}`).join('; ')}</dd>`}
</dl>` : html`<p>Not set up: staff sign in with a password.</p>`}
<h2>Escalation contacts</h2>
<ol>${clinic.escalation.contacts.map((c) => html`<li>${c.name}</li>`)}</ol>
<p><a href="/console/clinic/contacts">Change the escalation ladder</a></p>
<h2>Quiet hours</h2>
<p>${clinic.quietHours.start} to ${clinic.quietHours.end}, ${clinic.timezone} time.</p>
${edit && html`${savedNotice(edit.saved && 'Quiet hours saved as a new configuration version.')}
${problemNotice(edit.problem, 'quiet-hours-problem')}
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

/** Clinic admins only: a nurse or an auditor is refused with a page saying so. Every page below changes the clinic through the admin API. */
export async function clinicPages(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  app.get('/clinic', async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.view');
    if (!who) return reply;
    const token = ctx.csrfToken(reply, who);
    const edit = can(who.staff.role, 'config.change') ? { csrfToken: token, saved: savedQuery.parse(req.query ?? {}).saved === 'quiet-hours' } : undefined;
    return ctx.render(reply, 200, { title: 'Clinic settings', section: 'clinic', main: clinicPage(who.clinic, edit), signedIn: { who, csrfToken: token } });
  });

  app.post('/clinic/quiet-hours', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const form = quietHoursForm.safeParse(req.body);
    const answer = await callAdminApi(app, req, who, { method: 'PUT', path: 'quiet-hours', payload: form.success ? form.data : {} });
    if (answer.ok) return reply.redirect('/console/clinic?saved=quiet-hours', 303);
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, problemStatus(answer), { title: 'Clinic settings', section: 'clinic',
      main: clinicPage(who.clinic, { csrfToken: token, problem: answer.problem }), signedIn: { who, csrfToken: token } });
  });

  await clinicStaffPage(app, ctx);
  await clinicContactsPage(app, ctx);
  await clinicPlansPage(app, ctx);
  await clinicVersionsPage(app, ctx);
  await clinicKeysPage(app, ctx);
}
