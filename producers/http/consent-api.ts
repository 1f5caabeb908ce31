import type { FastifyInstance, FastifySchema } from 'fastify';
import { ConsentSource, ConsentStatus } from '../../core/consent.ts';
import { idSchema } from '../../core/events.ts';
import { AftercareError } from '../../lib/errors.ts';
import { consentHistory } from '../../store/consent.ts';
import { loadPatient } from '../../store/patients.ts';
import { CONSENT_WORDING_VERSION } from '../../templates/consent-wording.ts';
import { parseOrThrow } from '../parse.ts';
import { patientParam } from './access-audit.ts';
import { authenticateClinic } from './auth.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly, errors, parameterSchema, required } from './route-schemas.ts';

const record = {
  type: 'object',
  required: ['channel', 'status', 'source', 'at'],
  properties: {
    channel: { type: 'string', enum: ['sms', 'email'] },
    status: { type: 'string', enum: ConsentStatus.options },
    source: { type: 'string', enum: ConsentSource.options, description: 'What made the change: an event (or the EHR: `fhir`, `hl7`), a START or STOP text, an email unsubscribe link, or staff in the console.' },
    at: { type: 'string', description: 'When (ISO-8601, UTC).' },
    words: { type: 'string', description: 'The keyword or cue that withdrew consent (`STOP`, `STOP (in words)`, `List-Unsubscribe=One-Click`); never the message itself.' },
    wordingVersion: { type: 'string', description: 'The version of the consent wording a grant was given under.' },
    by: { type: 'string', description: 'The staff member, for a console change.' },
    eventId: { type: 'string', description: 'The event that made the change.' },
  },
};

const schema: FastifySchema = {
  tags: ['Patients'], operationId: 'getPatientConsent', summary: "A patient's consent history",
  description: 'Every grant and withdrawal of SMS and email consent, oldest first (newest last).',
  params: required({ patientId: { ...parameterSchema(idSchema), description: 'The `patient.id` you sent.' } }),
  response: {
    200: { description: 'The history, newest last, and the consent wording version in force now.', type: 'object',
      properties: { clinicId: { type: 'string' }, patientId: { type: 'string' }, currentWordingVersion: { type: 'string' }, records: { type: 'array', items: record } } },
    ...errors(400, 401, 404, 429, 500, 503),
  },
};

/** `GET /v1/patients/{id}/consent`, behind the clinic API key; another clinic's patient is a 404. */
export async function consentApi(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'clinics'>): Promise<void> {
  documentationOnly(api);
  api.get<{ Params: { patientId: string } }>('/v1/patients/:patientId/consent',
    { schema, config: { audit: { action: 'consent.read', patient: patientParam('patientId') } } }, async (req) => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    req.clinic = clinic;
    const patientId = parseOrThrow(idSchema, req.params.patientId, 'Invalid patient id');
    if (!(await loadPatient(deps.db, clinic.id, patientId))) throw new AftercareError('not-found', `No patient ${patientId} at clinic ${clinic.id}.`);
    const records = (await consentHistory(deps.db, clinic.id, patientId)).map((r) => ({ ...r, at: r.at.toISOString() }));
    return { clinicId: clinic.id, patientId, currentWordingVersion: CONSENT_WORDING_VERSION, records };
  });
}
