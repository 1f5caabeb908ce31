import type { Clinic } from '../../../config/clinics.ts';
import type { FieldError } from '../../parse.ts';
import type { PlanPreview } from '../../preview-plan.ts';
import { html, type SafeHtml } from './html.ts';
import { patientLocalTime } from './layout.ts';

export interface PreviewOutcome {
  preview?: PlanPreview;
  problem?: { message: string; fields: FieldError[] };
}

/** A sample to start from: the clinic's own id, a session that ended now, in the clinic's zone. */
export function sampleEvent(clinic: Clinic, now: Date): string {
  return JSON.stringify({
    type: 'session.completed', id: 'preview-1', clinicId: clinic.id,
    patient: { id: 'p-preview', firstName: 'Sam', phone: '+15551234567', timezone: clinic.timezone, locale: clinic.locale, channel: 'sms', smsConsent: true },
    session: { id: 's-preview', endedAt: now.toISOString(), modality: 'iv' },
  }, null, 2);
}

function schedule(p: PlanPreview): SafeHtml {
  return html`<h2>Schedule: ${p.plan} plan, reference ${p.reference}</h2>
<p class="note">Send times are the patient's local time (${p.timezone}). Nothing was stored or sent.</p>
<table>
  <thead><tr><th scope="col">Step</th><th scope="col">To</th><th scope="col">Channel</th><th scope="col">Sends at</th><th scope="col">Status</th></tr></thead>
  <tbody>
  ${p.steps.map((s) => html`<tr>
    <td data-label="Step">${s.key}</td>
    <td data-label="To">${s.recipient}</td>
    <td data-label="Channel">${s.channel}</td>
    <td data-label="Sends at"><time datetime="${s.sendAt}">${patientLocalTime(s.sendAtLocal)}</time></td>
    <td data-label="Status">${s.status === 'expired' ? 'will not be sent (too late)' : 'scheduled'}${s.deferredForQuietHours ? ', moved out of quiet hours' : ''}${s.reason ? `: ${s.reason}` : ''}</td>
  </tr>`)}
  </tbody>
</table>`;
}

function problem(p: NonNullable<PreviewOutcome['problem']>): SafeHtml {
  return html`<div class="notice error" role="alert" id="preview-problem">
  <p><strong>${p.message}</strong></p>
  ${p.fields.length > 0 && html`<ul>${p.fields.map((f) => html`<li><code>${f.path}</code>: ${f.message}</li>`)}</ul>`}
</div>`;
}

/** Paste an event, see when each message would go out, before go-live. */
export function previewPage(input: string, outcome: PreviewOutcome, csrfToken: string): SafeHtml {
  return html`<h1>Preview a plan</h1>
<p>Paste a <code>session.completed</code> or <code>cessation.started</code> event to see when each message would be sent.</p>
${outcome.problem && problem(outcome.problem)}
<form method="post" action="/console/preview">
  <input type="hidden" name="_csrf" value="${csrfToken}">
  <label for="event">Event JSON</label>
  <textarea id="event" name="event" spellcheck="false" required${outcome.problem ? html` aria-describedby="preview-problem"` : ''}>${input}</textarea>
  <p><button type="submit">Show schedule</button></p>
</form>
${outcome.preview && schedule(outcome.preview)}`;
}
