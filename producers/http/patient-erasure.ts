import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { idSchema } from '../../core/events.ts';
import { AftercareError } from '../../lib/errors.ts';
import { erasePatient } from '../erase-patient.ts';
import { parseOrThrow } from '../parse.ts';
import { patientParam } from './access-audit.ts';
import { authorizeAdmin } from './admin-auth.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly, errors, parameterSchema, required } from './route-schemas.ts';

const schema: FastifySchema = {
  tags: ['Patients'], operationId: 'erasePatient', summary: "Erase a patient's personal data",
  description: 'Cancels every pending message, then removes phone, email, names, escort details, message bodies and reply texts from every record; ids, counts and the access audit stay. A second call answers 404.',
  params: required({ patientId: { ...parameterSchema(idSchema), description: 'The `patient.id` you sent.' } }),
  querystring: { type: 'object', properties: { clinicId: { ...parameterSchema(idSchema), description: "The patient's clinic: needed with the operator key only." } } },
  security: [{ clinicApiKey: [] }, { operatorApiKey: [] }],
  response: { 200: { description: 'Erased: what was cancelled and removed.', type: 'object' }, ...errors(400, 401, 403, 404, 429, 500, 503) },
};

/** DELETE /v1/patients/{id}: a clinic admin key erases its own clinic's patients; the operator names the clinic. */
export async function patientErasure(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'clinics' | 'queues' | 'log' | 'now' | 'inboundSpool'>): Promise<void> {
  documentationOnly(api);
  api.delete<{ Params: { patientId: string }; Querystring: { clinicId?: string } }>('/v1/patients/:patientId',
    { schema, config: { audit: { action: 'patient.erase', patient: patientParam('patientId') } } },
    async (req) => {
      // Erasure is a clinic admin's act: an event-API key may send events but not erase.
      const who = authorizeAdmin(req, undefined);
      const clinicId = who.clinicId ?? z.object({ clinicId: idSchema }).safeParse(req.query).data?.clinicId;
      if (!clinicId) throw new AftercareError('invalid-input', 'With the operator key, name the clinic: ?clinicId=<id>.');
      const clinic = deps.clinics.get(clinicId);
      if (!clinic) throw new AftercareError('not-found', `No clinic ${clinicId}.`);
      const patientId = parseOrThrow(idSchema, req.params.patientId, 'Invalid patient id');
      return erasePatient(deps, clinic.id, patientId);
    });
}
