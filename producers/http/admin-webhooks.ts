import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';
import type { Clinics } from '../../config/clinics.ts';
import { webhookEventTypes } from '../../lib/emit-webhook.ts';
import { AftercareError } from '../../lib/errors.ts';
import { enqueueWebhooks, type Queues } from '../../lib/queues.ts';
import { seal } from '../../lib/seal.ts';
import type { Db } from '../../store/db.ts';
import { listWebhookDeliveries, loadWebhookDelivery, reopenWebhookDelivery, webhookAttempts, type WebhookDelivery } from '../../store/webhook-deliveries.ts';
import { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookEndpoints, updateWebhookEndpoint, type WebhookEndpoint } from '../../store/webhook-endpoints.ts';
import { isPrivateHostLiteral } from '../../lib/receiver-address.ts';
import { parseOrThrow } from '../parse.ts';
import { auditAdminRoutes } from './admin-auth.ts';
import { documentationOnly, errors, parameterSchema, required } from './route-schemas.ts';

/** Who may administer a clinic's webhooks: throws `unauthenticated` / `forbidden`, else names the actor. */
export type Authorize = (request: FastifyRequest, clinicId: string) => Promise<{ actor: string }>;

export interface AdminWebhookOptions {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  /** The key the endpoints' signing secrets are sealed with (DATA_KEY). */
  dataKey: Buffer;
  authorize: Authorize;
  /** WEBHOOK_PRIVATE_NETWORKS=allow: endpoints on loopback and private networks are accepted. */
  allowPrivateNetworks: boolean;
  now?: () => Date;
}

const loopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
// Payloads carry patient ids: only TLS, except to this machine while developing.
const urlSchema = z.url({ protocol: /^https?$/ }).max(2048).refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' || loopback(url.hostname);
}, 'expected an https:// URL (http:// only on loopback, for development)');
const eventTypesSchema = z.array(z.enum(webhookEventTypes)).min(1).transform((types) => [...new Set(types)]);
const createSchema = z.strictObject({
  url: urlSchema,
  eventTypes: eventTypesSchema,
  includeReplyBody: z.boolean().default(false),
  enabled: z.boolean().default(true),
});
const updateSchema = z.strictObject({
  url: urlSchema.optional(),
  eventTypes: eventTypesSchema.optional(),
  includeReplyBody: z.boolean().optional(),
  enabled: z.boolean().optional(),
});
const idParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an id');
const deliveryQuery = z.strictObject({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  endpointId: idParam.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const endpointView = (e: WebhookEndpoint) => ({
  id: e.id, clinicId: e.clinicId, url: e.url, eventTypes: e.eventTypes, includeReplyBody: e.includeReplyBody, enabled: e.enabled,
  createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString(),
});
const deliveryView = (d: WebhookDelivery) => ({
  id: d.id, endpointId: d.endpointId, type: d.eventType, status: d.status, attempts: d.attempts, lastError: d.lastError,
  createdAt: d.createdAt.toISOString(), nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
});

const clinicParam = { clinicId: { type: 'string' as const, description: 'The clinic whose webhooks these are.' } };
const withId = (what: string) => required({ ...clinicParam, id: { type: 'string' as const, description: what } });
const endpointBody = (all: boolean) => ({
  type: 'object', additionalProperties: false, ...(all ? { required: ['url', 'eventTypes'] } : {}),
  properties: {
    url: { ...parameterSchema(urlSchema), description: 'Where events are POSTed: https, or http on loopback for development.' },
    eventTypes: { type: 'array', items: { type: 'string', enum: [...webhookEventTypes] }, minItems: 1 },
    includeReplyBody: { type: 'boolean', default: false, description: '`reply.received` carries the reply text (`data.body`) only when true.' },
    enabled: { type: 'boolean', default: true },
  },
});
const obj = (description: string) => ({ description, type: 'object' });
const tagged = { tags: ['Webhooks'], security: [{ operatorApiKey: [] }] };
const schemas: Record<'create' | 'list' | 'update' | 'remove' | 'deliveries' | 'delivery' | 'replay', FastifySchema> = {
  create: { ...tagged, operationId: 'createWebhookEndpoint', summary: 'Add a webhook endpoint', params: required(clinicParam), body: endpointBody(true),
    description: 'Answers the signing secret (`whsec_…`, Standard Webhooks) once; it is kept sealed and never shown again.',
    response: { 201: obj('The endpoint, with its `secret`.'), ...errors(400, 401, 403, 404, 413, 429, 500, 503) } },
  list: { ...tagged, operationId: 'listWebhookEndpoints', summary: "A clinic's webhook endpoints", params: required(clinicParam),
    response: { 200: obj('Every endpoint, without secrets.'), ...errors(401, 403, 404, 429, 500, 503) } },
  update: { ...tagged, operationId: 'updateWebhookEndpoint', summary: 'Change a webhook endpoint', params: withId('The endpoint id.'), body: endpointBody(false),
    response: { 200: obj('The endpoint as it now is.'), ...errors(400, 401, 403, 404, 429, 500, 503) } },
  remove: { ...tagged, operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint and what is still owed to it', params: withId('The endpoint id.'),
    response: { 204: { description: 'Deleted.', type: 'null' }, ...errors(401, 403, 404, 429, 500, 503) } },
  deliveries: { ...tagged, operationId: 'listWebhookDeliveries', summary: 'Webhook deliveries, newest first', params: required(clinicParam),
    querystring: { type: 'object', properties: { status: { type: 'string', enum: ['pending', 'delivered', 'failed'] }, endpointId: { type: 'string' },
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } } },
    response: { 200: obj('Deliveries with their state and attempt count.'), ...errors(400, 401, 403, 404, 429, 500, 503) } },
  delivery: { ...tagged, operationId: 'getWebhookDelivery', summary: 'One delivery with every attempt', params: withId('The delivery id (the `webhook-id` header).'),
    response: { 200: obj('The delivery and its attempts: time, status code or error, duration, the start of the answer.'), ...errors(401, 403, 404, 429, 500, 503) } },
  replay: { ...tagged, operationId: 'replayWebhookDelivery', summary: 'Send a failed delivery again', params: withId('The delivery id.'),
    description: 'The same `webhook-id` and payload, signed anew; retried again for WEBHOOK_RETRY_FOR.',
    response: { 202: obj('Owed again and queued.'), ...errors(400, 401, 403, 404, 429, 500, 503) } },
};

/**
 * The admin API of a clinic's outbound webhooks: endpoints, deliveries with their attempts, and
 * replay. `authorize` says who may (an operator, or the clinic's admin).
 */
export async function adminWebhooks(api: FastifyInstance, options: AdminWebhookOptions): Promise<void> {
  documentationOnly(api);
  auditAdminRoutes(api);
  const now = () => options.now?.() ?? new Date();
  const base = '/v1/admin/clinics/:clinicId';
  const clinicOf = async (req: FastifyRequest<{ Params: { clinicId: string } }>) => {
    await options.authorize(req, req.params.clinicId);
    const clinic = options.clinics.get(req.params.clinicId);
    if (!clinic) throw new AftercareError('not-found', `No clinic ${req.params.clinicId}.`);
    return clinic.id;
  };
  const endpointId = (id: string) => parseOrThrow(idParam, id, 'Invalid endpoint id');
  // Names are checked again each time they are resolved (lib/receiver-address.ts); an address is refused here already.
  const reachable = (url: string | undefined) => {
    if (url === undefined || options.allowPrivateNetworks || !isPrivateHostLiteral(new URL(url).hostname)) return;
    throw new AftercareError('invalid-input', 'Invalid webhook endpoint', { fields: [{ path: 'url',
      message: 'a loopback or private-network address; set WEBHOOK_PRIVATE_NETWORKS=allow to send webhooks inside your own network' }] });
  };

  api.post<{ Params: { clinicId: string } }>(`${base}/webhooks`, { schema: schemas.create }, async (req, reply) => {
    const clinicId = await clinicOf(req);
    const body = parseOrThrow(createSchema, req.body ?? {}, 'Invalid webhook endpoint');
    reachable(body.url);
    // Standard Webhooks: "whsec_" and the base64 of the key; 32 random bytes.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const endpoint = await createWebhookEndpoint(options.db, { id: `whe_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`, clinicId,
      ...body, secretSealed: seal(options.dataKey, secret) });
    return reply.status(201).send({ ...endpointView(endpoint), secret });
  });

  api.get<{ Params: { clinicId: string } }>(`${base}/webhooks`, { schema: schemas.list }, async (req) => {
    const clinicId = await clinicOf(req);
    return { endpoints: (await listWebhookEndpoints(options.db, clinicId)).map(endpointView) };
  });

  api.patch<{ Params: { clinicId: string; id: string } }>(`${base}/webhooks/:id`, { schema: schemas.update }, async (req) => {
    const clinicId = await clinicOf(req);
    const change = parseOrThrow(updateSchema, req.body ?? {}, 'Invalid webhook endpoint');
    reachable(change.url);
    const updated = await updateWebhookEndpoint(options.db, { clinicId, id: endpointId(req.params.id) }, change);
    if (!updated) throw new AftercareError('not-found', `No webhook endpoint ${req.params.id} at clinic ${clinicId}.`);
    return endpointView(updated);
  });

  api.delete<{ Params: { clinicId: string; id: string } }>(`${base}/webhooks/:id`, { schema: schemas.remove }, async (req, reply) => {
    const clinicId = await clinicOf(req);
    if (!(await deleteWebhookEndpoint(options.db, { clinicId, id: endpointId(req.params.id) })))
      throw new AftercareError('not-found', `No webhook endpoint ${req.params.id} at clinic ${clinicId}.`);
    return reply.status(204).send();
  });

  api.get<{ Params: { clinicId: string } }>(`${base}/webhook-deliveries`, { schema: schemas.deliveries }, async (req) => {
    const clinicId = await clinicOf(req);
    const query = parseOrThrow(deliveryQuery, req.query ?? {}, 'Invalid query');
    return { deliveries: (await listWebhookDeliveries(options.db, clinicId, query)).map(deliveryView) };
  });

  api.get<{ Params: { clinicId: string; id: string } }>(`${base}/webhook-deliveries/:id`, { schema: schemas.delivery }, async (req) => {
    const clinicId = await clinicOf(req);
    const delivery = await loadWebhookDelivery(options.db, clinicId, req.params.id);
    if (!delivery) throw new AftercareError('not-found', `No webhook delivery ${req.params.id} at clinic ${clinicId}.`);
    const attempts = (await webhookAttempts(options.db, delivery.id)).map((a) => ({ ...a, attemptedAt: a.attemptedAt.toISOString() }));
    return { ...deliveryView(delivery), attempts };
  });

  api.post<{ Params: { clinicId: string; id: string } }>(`${base}/webhook-deliveries/:id/replay`, { schema: schemas.replay }, async (req, reply) => {
    const clinicId = await clinicOf(req);
    const at = now();
    const reopened = await reopenWebhookDelivery(options.db, { clinicId, id: req.params.id }, at);
    if (!reopened) {
      const existing = await loadWebhookDelivery(options.db, clinicId, req.params.id);
      if (!existing) throw new AftercareError('not-found', `No webhook delivery ${req.params.id} at clinic ${clinicId}.`);
      throw new AftercareError('invalid-input', `Only a failed delivery is replayed; this one is ${existing.status}.`);
    }
    // If Redis is away now, the reconciler queues it once it is back.
    await enqueueWebhooks(options.queues, [{ id: reopened.id }], at).catch(() => undefined);
    return reply.status(202).send(deliveryView(reopened));
  });
}
