import type { FastifyInstance } from 'fastify';
import type { Clinic } from '../../../config/clinics.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { requireRole, roleWords } from './roles.ts';

/** The clinic's settings as its admin sees them: who signs in and as what, who is alerted, quiet hours, SSO. */
export function clinicPage(clinic: Clinic): SafeHtml {
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
<p>${clinic.quietHours.start} to ${clinic.quietHours.end}, ${clinic.timezone} time.</p>`;
}

/** Clinic admins only: a nurse or an auditor is refused with a page saying so. */
export async function clinicPages(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  app.get('/clinic', async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'config.view');
    return ctx.render(reply, 200, { title: 'Clinic settings', section: 'clinic', main: clinicPage(who.clinic), signedIn: { who, csrfToken: ctx.csrfToken(reply, who) } });
  });
}
