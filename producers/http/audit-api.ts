import type { FastifyInstance, FastifySchema } from 'fastify';
import { searchAccessAudit } from '../../store/access-audit.ts';
import { parseOrThrow } from '../parse.ts';
import { auditCsv, auditQuerySchema, nextPageQuery } from './audit-query.ts';
import { authenticateClinic } from './auth.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly, errors } from './route-schemas.ts';

const schema: FastifySchema = {
  tags: ['Audit'], operationId: 'searchAccessAudit', summary: 'Who read or changed your patients’ data',
  description: 'Your clinic’s access audit, oldest first: actor, role, action, outcome (`allowed` or `denied`), patient id, time, client address and the entry’s place in the hash chain. `after` pages on (the `Link: rel="next"` header gives the next page).',
  querystring: { type: 'object', properties: {
    patientId: { type: 'string' }, actor: { type: 'string' },
    from: { type: 'string', description: 'ISO-8601, inclusive.' }, to: { type: 'string', description: 'ISO-8601, exclusive.' },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
    after: { type: 'integer', minimum: 0, description: 'Entries after this sequence number.' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  } },
  response: { 200: { description: 'One page of entries (JSON or CSV).', type: 'object' }, ...errors(400, 401, 429, 500, 503) },
};

/** GET /v1/audit: a clinic's own access audit, by patient, actor and time, as JSON or CSV. */
export async function auditApi(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'clinics'>): Promise<void> {
  documentationOnly(api);
  api.get<{ Querystring: Record<string, unknown> }>('/v1/audit', { schema, config: { audit: { action: 'audit.search' } } }, async (req, reply) => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    req.clinic = clinic;
    const q = parseOrThrow(auditQuerySchema, req.query, 'Invalid audit query');
    const entries = await searchAccessAudit(deps.db, { ...q, clinicId: clinic.id });
    const next = nextPageQuery(req.query, entries, q.limit);
    if (next) reply.header('link', `</v1/audit?${next}>; rel="next"`);
    if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="audit-${clinic.id}.csv"`).send(auditCsv(entries));
    return { clinicId: clinic.id, entries: entries.map(({ chain: _chain, ...e }) => e), ...(next ? { next: `/v1/audit?${next}` } : {}) };
  });
}
