import type { FastifyInstance, FastifySchema } from 'fastify';
import { idSchema } from '../../core/events.ts';
import { erasePatient } from '../erase-patient.ts';
import { parseOrThrow } from '../parse.ts';
import { patientParam } from './access-audit.ts';
import { authenticateClinic } from './auth.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly, errors, parameterSchema, required } from './route-schemas.ts';

const schema: FastifySchema = {
  tags: ['Patients'], operationId: 'erasePatient', summary: "Erase a patient's personal data",
  description: 'Cancels every pending message, then removes phone, email, names, escort details, message bodies and reply texts from every record; ids, counts and the access audit stay. A second call answers 404.',
  params: required({ patientId: { ...parameterSchema(idSchema), description: 'The `patient.id` you sent.' } }),
  response: { 200: { description: 'Erased: what was cancelled and removed.', type: 'object' }, ...errors(400, 401, 404, 429, 500, 503) },
};

/** DELETE /v1/patients/{id}: the clinic's own patients only (for now with the clinic API key). */
export async function patientErasure(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'clinics' | 'queues' | 'log' | 'now' | 'inboundSpool'>): Promise<void> {
  documentationOnly(api);
  api.delete<{ Params: { patientId: string } }>('/v1/patients/:patientId',
    { schema, config: { audit: { action: 'patient.erase', patient: patientParam('patientId') } } },
    async (req) => {
      // Clinic admin scope: the clinic's API key, until admin keys (authorizeAdmin) exist.
      const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
      req.clinic = clinic;
      const patientId = parseOrThrow(idSchema, req.params.patientId, 'Invalid patient id');
      return erasePatient(deps, clinic.id, patientId);
    });
}
