import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../parse.ts';
import { onCallNow } from '../on-call-now.ts';
import { authenticateClinic } from './auth.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly, errors } from './route-schemas.ts';

const querySchema = z.object({ at: z.iso.datetime({ offset: true }).optional() });

const person = { type: 'string', description: 'The name of the person, as in the clinic file.' };
const schema: FastifySchema = {
  tags: ['Escalations'], operationId: 'getOnCall', summary: 'Who is on call now and next, per rotation',
  description: 'Names only. `at` asks about another moment (ISO 8601 with an offset); overrides are included.',
  querystring: { type: 'object', properties: { at: { type: 'string', format: 'date-time', description: 'Default: now.' } } },
  response: {
    200: {
      description: 'Every rotation of the clinic.',
      type: 'object',
      properties: {
        clinicId: { type: 'string' }, timezone: { type: 'string' }, at: { type: 'string', format: 'date-time' },
        rotations: { type: 'array', items: { type: 'object', properties: {
          rotation: { type: 'string' }, handoff: { type: 'string', enum: ['daily', 'weekly'] }, now: person, next: person,
          handoffAt: { type: 'string', format: 'date-time' }, handoffAtLocal: { type: 'string', description: 'The hand-off in the clinic\u2019s zone.' },
          override: { type: 'boolean', description: 'An override decides who is on call now.' },
        } } },
      },
    },
    ...errors(400, 401, 429, 500),
  },
};

/** GET /v1/oncall: the clinic's rotations, by clinic API key. */
export async function onCallApi(api: FastifyInstance, deps: Pick<ServerDeps, 'clinics' | 'now'>): Promise<void> {
  documentationOnly(api);
  api.get<{ Querystring: Record<string, unknown> }>('/v1/oncall', { schema }, async (req) => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    const query = parseOrThrow(querySchema, req.query ?? {}, 'Invalid query');
    return onCallNow(clinic, query.at ? new Date(query.at) : (deps.now?.() ?? new Date()));
  });
}
