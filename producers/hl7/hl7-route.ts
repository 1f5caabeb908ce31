import type { FastifyInstance, FastifySchema } from 'fastify';
import { AftercareError } from '../../lib/errors.ts';
import { authenticateClinic } from '../http/auth.ts';
import { documentationOnly, errors, required, textResponse } from '../http/route-schemas.ts';
import { receiveHl7, type Hl7Deps } from './receive-hl7.ts';

const er7Type = 'x-application/hl7-v2+er7';
const schema: FastifySchema = {
  tags: ['EHR'], operationId: 'hl7Message', summary: 'One HL7v2 message (SIU^S14/S15/S26, ADT^A03)',
  description: 'The same messages the MLLP listener takes, for interface engines that post. The answer is the ACK.',
  params: required({ clinicId: { type: 'string', description: 'Your clinic id.' } }),
  body: { content: { [er7Type]: { schema: { type: 'string' } } } },
  response: { 200: textResponse(er7Type, 'ACK with `MSA|AA`.'), 400: textResponse(er7Type, 'ACK with `MSA|AE` and the reason in `ERR-8`.'), ...errors(401, 403, 429, 500) },
};

/**
 * POST /hl7/v2/{clinicId}: the same messages as the MLLP listener, for engines that post. The
 * clinic API key says who sends; the answer is the ACK (200 for AA, 400 for AE or AR).
 */
export async function hl7Http(api: FastifyInstance, deps: Hl7Deps): Promise<void> {
  documentationOnly(api);
  api.addContentTypeParser([er7Type, 'text/plain', 'application/hl7-v2'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  api.post<{ Params: { clinicId: string } }>('/hl7/v2/:clinicId', { schema, config: { audit: { action: 'event.accept' } } }, async (req, reply) => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    if (clinic.id !== req.params.clinicId) throw new AftercareError('forbidden', `This API key belongs to clinic ${clinic.id}, not ${req.params.clinicId}.`);
    if (typeof req.body !== 'string') throw new AftercareError('invalid-input', `Send the message as ${er7Type}.`);
    const answer = await receiveHl7(deps, req.body, clinic);
    return reply.status(answer.code === 'AA' ? 200 : 400).type(er7Type).send(answer.ack.toString());
  });
}
