import type { FastifyInstance } from 'fastify';
import { consentFormSchema, type ConsentSource } from '../../../core/consent.ts';
import { idSchema } from '../../../core/events.ts';
import { AftercareError } from '../../../lib/errors.ts';
import { applyConsentChange, consentHistory, type ConsentRecord } from '../../../store/consent.ts';
import { loadPatient } from '../../../store/patients.ts';
import { CONSENT_WORDING_VERSION } from '../../../templates/consent-wording.ts';
import { saveConsentChanges, withWording } from '../../consent-changes.ts';
import type { ConsoleContext, ConsoleDeps } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { clinicTime } from './layout.ts';

const sourceWords: Record<ConsentSource, string> = {
  event: 'clinic event',
  fhir: 'EHR (FHIR)',
  hl7: 'EHR (HL7v2)',
  'start-reply': 'patient texted',
  'stop-reply': 'patient texted',
  'unsubscribe-link': 'email unsubscribe link',
  console: 'recorded in the console',
};

function row(r: ConsentRecord, zone: string): SafeHtml {
  return html`<li>
  <time datetime="${r.at.toISOString()}">${clinicTime(r.at, zone)}</time>
  <strong>${r.channel === 'sms' ? 'SMS' : 'Email'} ${r.status}</strong>
  ${sourceWords[r.source]}${r.words ? html` <q>${r.words}</q>` : ''}${r.by ? ` by ${r.by}` : ''}${r.wordingVersion ? ` · wording ${r.wordingVersion}` : ''}
</li>`;
}

/** The consent history on the patient page, newest last, and the form staff record a change with. */
export function consentSection(patientId: string, records: ConsentRecord[], zone: string, csrfToken: string): SafeHtml {
  return html`<h2 id="consent">Consent</h2>
${records.length === 0 ? html`<p>No consent recorded yet.</p>` : html`<ol class="timeline" aria-label="Consent history">${records.map((r) => row(r, zone))}</ol>`}
<form method="post" action="/console/patients/${encodeURIComponent(patientId)}/consent" class="consent-form">
  <input type="hidden" name="_csrf" value="${csrfToken}">
  <label>Channel <select name="channel"><option value="sms">SMS</option><option value="email">Email</option></select></label>
  <label>Change <select name="status"><option value="granted">Granted</option><option value="withdrawn">Withdrawn</option></select></label>
  <button type="submit">Record consent change</button>
  <p class="note">Recorded with your name; a grant is recorded under consent wording ${CONSENT_WORDING_VERSION}.</p>
</form>`;
}

export async function loadConsentSection(deps: Pick<ConsoleDeps, 'db'>, clinicId: string, patientId: string, zone: string, csrfToken: string): Promise<SafeHtml> {
  return consentSection(patientId, await consentHistory(deps.db, clinicId, patientId), zone, csrfToken);
}

const notFound = () => new AftercareError('not-found', 'No such record at this clinic.');

/** `POST /console/patients/:id/consent`: a staff member records a change; it applies at once and names them. */
export function consentRoutes(app: FastifyInstance, deps: ConsoleDeps, ctx: ConsoleContext): void {
  app.post<{ Params: { id: string } }>('/patients/:id/consent', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    const id = idSchema.safeParse(req.params.id);
    if (!id.success || !(await loadPatient(deps.db, who.clinic.id, id.data))) throw notFound();
    const { _csrf: _token, ...fields } = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
    const form = consentFormSchema.safeParse(fields);
    if (!form.success)
      throw new AftercareError('invalid-input', 'Choose a channel (sms or email) and a change (granted or withdrawn).', {
        fields: form.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })) });
    const { channel, status } = form.data;
    const by = `${who.staff.username} (${who.staff.name})`;
    await deps.db.transaction(async (tx) => {
      await applyConsentChange(tx, who.clinic.id, id.data, channel, status);
      await saveConsentChanges(tx, [{ clinicId: who.clinic.id, patientId: id.data, ...withWording({ channel, status, source: 'console', by }) }], { queues: deps.queues, log: deps.log });
    });
    req.log.info({ clinicId: who.clinic.id, patientId: id.data, channel, status }, 'consent change recorded in the console');
    return reply.redirect(`/console/patients/${encodeURIComponent(id.data)}#consent`, 303);
  });
}
