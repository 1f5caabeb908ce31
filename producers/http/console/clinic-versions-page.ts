import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { readAdminApi } from './clinic-admin-api.ts';
import { clinicNav } from './clinic-nav.ts';
import { diffSummary } from './config-preview.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { clinicTime } from './layout.ts';
import { allowedStaff } from './roles.ts';

const versionsAnswer = z.object({
  versions: z.array(z.object({
    version: z.number(), actor: z.string(), at: z.string(),
    diff: z.array(z.object({ path: z.string(), op: z.enum(['added', 'removed', 'changed']) })),
  })),
});
type Version = z.infer<typeof versionsAnswer>['versions'][number];

// `staff:ana.admin` is a console user, `key:<name>` an admin key, `operator` the operator key.
export function actorWords(actor: string): string {
  if (actor.startsWith('staff:')) return `${actor.slice('staff:'.length)} (console)`;
  if (actor.startsWith('key:')) return `API key ${actor.slice('key:'.length)}`;
  return actor;
}

/** Every configuration version of the clinic, newest first: who, when, and the paths it changed. */
export function versionsPage(versions: Version[], zone: string): SafeHtml {
  return html`<h1>Configuration versions</h1>
${clinicNav('versions')}
<p class="note">Each change made anywhere (console, admin API, clinic file import) is a version; values are never shown here.</p>
<table>
  <thead><tr><th scope="col">Version</th><th scope="col">Who</th><th scope="col">When (${zone})</th><th scope="col">What changed</th></tr></thead>
  <tbody>${versions.map((v) => html`<tr>
    <td data-label="Version">${v.version}</td>
    <td data-label="Who">${actorWords(v.actor)}</td>
    <td data-label="When"><time datetime="${v.at}">${clinicTime(v.at, zone)}</time></td>
    <td data-label="What changed">${diffSummary(v.diff)}</td>
  </tr>`)}</tbody>
</table>`;
}

export async function clinicVersionsPage(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  app.get('/clinic/versions', async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.view');
    if (!who) return reply;
    const { versions } = await readAdminApi(app, req, who, 'versions', versionsAnswer);
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, 200, { title: 'Configuration versions', section: 'clinic', main: versionsPage(versions, who.clinic.timezone), signedIn: { who, csrfToken: token } });
  });
}
