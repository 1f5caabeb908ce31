import { z } from 'zod';
import { html, type SafeHtml } from './html.ts';
import { patientLocalTime } from './layout.ts';

// The admin API's dry-run answer, as the configuration pages show it: nothing was stored or sent.

const diffSchema = z.array(z.object({ path: z.string(), op: z.enum(['added', 'removed', 'changed']) }));
const planSchema = z.object({
  plan: z.string(),
  timezone: z.string(),
  steps: z.array(z.object({ key: z.string(), channel: z.string(), sendAtLocal: z.string(), status: z.string(), deferredForQuietHours: z.boolean() })),
});
export const dryRunAnswer = z.object({
  version: z.number(),
  diff: diffSchema,
  preview: z.object({
    plans: z.object({ session: planSchema, cessation: planSchema }),
    messages: z.array(z.object({ template: z.string(), locale: z.string(), sms: z.string(), segments: z.number(), encoding: z.string() })),
  }),
});
export type DryRunAnswer = z.infer<typeof dryRunAnswer>;
export type ConfigDiff = z.infer<typeof diffSchema>;

const opWords = { added: 'added', removed: 'removed', changed: 'changed' } as const;
const shownPaths = 12;

/** The paths a change touched (never values); a long list folds away. */
export function diffSummary(diff: ConfigDiff): SafeHtml {
  if (diff.length === 0) return html`<p>No change.</p>`;
  const list = html`<ul>${diff.map((d) => html`<li><code>${d.path}</code> ${opWords[d.op]}</li>`)}</ul>`;
  return diff.length <= shownPaths ? list : html`<details><summary>${diff.length} paths changed</summary>${list}</details>`;
}

function planTable(title: string, p: DryRunAnswer['preview']['plans']['session']): SafeHtml {
  return html`<h3>${title} (${p.timezone} time)</h3>
<table>
  <thead><tr><th scope="col">Step</th><th scope="col">Sends at (local)</th><th scope="col">Channel</th><th scope="col">Status</th></tr></thead>
  <tbody>${p.steps.map((s) => html`<tr>
    <td data-label="Step">${s.key}</td>
    <td data-label="Sends at (local)">${patientLocalTime(s.sendAtLocal)}</td>
    <td data-label="Channel">${s.channel}</td>
    <td data-label="Status">${s.status === 'expired' ? 'will not be sent (too late)' : 'scheduled'}${s.deferredForQuietHours ? ', moved out of quiet hours' : ''}</td>
  </tr>`)}</tbody>
</table>`;
}

/** What the changed configuration would do to a sample session and cessation, and every message it would send. */
export function dryRunPreview(answer: DryRunAnswer): SafeHtml {
  const { plans, messages } = answer.preview;
  return html`<section aria-labelledby="preview-heading">
<h2 id="preview-heading">Preview: would be version ${answer.version}</h2>
<p class="note">A sample patient and event; nothing was stored or sent.</p>
<h3>What changes</h3>
${diffSummary(answer.diff)}
${planTable('Sample session', plans.session)}
${planTable('Sample cessation', plans.cessation)}
<h3>Messages</h3>
<table>
  <thead><tr><th scope="col">Template</th><th scope="col">Language</th><th scope="col">SMS segments</th><th scope="col">Text</th></tr></thead>
  <tbody>${messages.map((m) => html`<tr>
    <td data-label="Template">${m.template}</td>
    <td data-label="Language">${m.locale}</td>
    <td data-label="SMS segments">${m.segments} (${m.encoding})</td>
    <td data-label="Text">${m.sms}</td>
  </tr>`)}</tbody>
</table>
</section>`;
}
