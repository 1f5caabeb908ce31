import type { FastifyInstance } from 'fastify';
import type { Clinic } from '../../../config/clinics.ts';
import { onCallNow } from '../../on-call-now.ts';
import type { ConsoleContext, ConsoleDeps } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { clinicTime } from './layout.ts';

/** Who is on call now and next, per rotation, in the clinic's time. */
export function onCallSection(clinic: Clinic, now: Date): SafeHtml {
  const { rotations } = onCallNow(clinic, now);
  if (rotations.length === 0) return html`<h1>On call</h1>
<p>This clinic has no on-call rotations; escalations go to its contacts in order.</p>`;
  return html`<h1>On call</h1>
<table>
  <thead><tr><th scope="col">Rotation</th><th scope="col">On call now</th><th scope="col">Next</th><th scope="col">Hands over</th></tr></thead>
  <tbody>
  ${rotations.map((r) => html`<tr>
    <td data-label="Rotation">${r.rotation} (${r.handoff})</td>
    <td data-label="On call now">${r.now}${r.override ? ' (covering)' : ''}</td>
    <td data-label="Next">${r.next}</td>
    <td data-label="Hands over"><time datetime="${r.handoffAt}">${clinicTime(r.handoffAt, clinic.timezone)}</time></td>
  </tr>`)}
  </tbody>
</table>
<p class="note">Times are the clinic's (${clinic.timezone}).</p>`;
}

export async function onCallPage(app: FastifyInstance, _deps: ConsoleDeps, ctx: ConsoleContext): Promise<void> {
  app.get('/on-call', async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, 200, { title: 'On call', section: 'on-call', main: onCallSection(who.clinic, ctx.now()), signedIn: { who, csrfToken: token } });
  });
}
