import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { AftercareError } from '../../lib/errors.ts';
import { enqueueEhrIntake } from '../../lib/queues.ts';
import { ehrNotificationStatuses, listEhrNotifications, loadEhrNotification, settleEhrNotification } from '../../store/ehr-notifications.ts';
import { parseOrThrow } from '../parse.ts';
import { authenticateClinic } from './auth.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly, errors, required } from './route-schemas.ts';

const querySchema = z.strictObject({
  status: z.enum(ehrNotificationStatuses as ['received', 'done', 'ignored', 'unmapped', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const schemas: Record<'list' | 'retry', FastifySchema> = {
  list: {
    tags: ['EHR'], operationId: 'listEhrNotifications', summary: 'What the EHR sent and what became of it',
    querystring: { type: 'object', properties: {
      status: { type: 'string', enum: ['received', 'done', 'ignored', 'unmapped', 'failed'], description: '`received`, `done`, `ignored`, `unmapped` or `failed`.' },
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    } },
    response: { 200: { description: 'Newest first: ids, states, attempts and reasons (no patient details).', type: 'object' }, ...errors(400, 401, 429, 500, 503) },
  },
  retry: {
    tags: ['EHR'], operationId: 'retryEhrNotification', summary: 'Map a failed notification again',
    params: required({ id: { type: 'string' } }),
    response: { 202: { description: 'Queued again.', type: 'object' }, ...errors(400, 401, 404, 429, 500, 503) },
  },
};

/** What the clinic's EHR sent and what became of it: mapping failures are read here, with the reason. */
export async function ehrNotificationsApi(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'clinics' | 'queues'>): Promise<void> {
  documentationOnly(api);
  api.get<{ Querystring: Record<string, string> }>('/v1/ehr/notifications', { schema: schemas.list, config: { audit: { action: 'ehr-notifications.read' } } }, async (req) => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    const query = parseOrThrow(querySchema, req.query, 'Invalid query');
    const rows = await listEhrNotifications(deps.db, clinic.id, query.status, query.limit);
    // Ids, states and reasons only: the stored resources hold patient details.
    return {
      notifications: rows.map((n) => ({
        id: n.id, source: n.source, key: n.dedupKey, status: n.status, attempts: n.attempts, reason: n.reason,
        eventIds: n.eventIds, receivedAt: n.receivedAt.toISOString(), updatedAt: n.updatedAt.toISOString(),
      })),
    };
  });

  // A failed notification (the EHR was down too long) is taken again once the EHR is back.
  api.post<{ Params: { id: string } }>('/v1/ehr/notifications/:id/retry', { schema: schemas.retry, config: { audit: { action: 'ehr-notification.retry' } } }, async (req, reply) => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    const n = await loadEhrNotification(deps.db, req.params.id);
    if (!n || n.clinicId !== clinic.id) throw new AftercareError('not-found', `No EHR notification ${req.params.id} at clinic ${clinic.id}.`);
    if (n.status !== 'failed') throw new AftercareError('invalid-input', `Only a failed notification is retried; this one is ${n.status}.`);
    await settleEhrNotification(deps.db, n.id, { status: 'received', reason: n.reason ?? undefined, attempted: false });
    await deps.queues.ehrIntake.remove(n.id).catch(() => 0);
    await enqueueEhrIntake(deps.queues, [n.id]);
    return reply.status(202).send({ id: n.id, status: 'received' });
  });
}
