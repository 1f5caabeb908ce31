import type { FastifyInstance } from 'fastify';
import { AftercareError } from '../../lib/errors.ts';
import { authenticateClinic } from '../http/auth.ts';
import { receiveHl7, type Hl7Deps } from './receive-hl7.ts';

const er7Type = 'x-application/hl7-v2+er7';

/**
 * POST /hl7/v2/{clinicId}: the same messages as the MLLP listener, for engines that post. The
 * clinic API key says who sends; the answer is the ACK (200 for AA, 400 for AE or AR).
 */
export async function hl7Http(api: FastifyInstance, deps: Hl7Deps): Promise<void> {
  api.addContentTypeParser([er7Type, 'text/plain', 'application/hl7-v2'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  api.post<{ Params: { clinicId: string } }>('/hl7/v2/:clinicId', async (req, reply) => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    if (clinic.id !== req.params.clinicId) throw new AftercareError('forbidden', `This API key belongs to clinic ${clinic.id}, not ${req.params.clinicId}.`);
    if (typeof req.body !== 'string') throw new AftercareError('invalid-input', `Send the message as ${er7Type}.`);
    const answer = await receiveHl7(deps, req.body, clinic);
    return reply.status(answer.code === 'AA' ? 200 : 400).type(er7Type).send(answer.ack.toString());
  });
}
