import { DateTime } from 'luxon';
import { z } from 'zod';
import Fastify, { type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Clinic, Clinics } from '../../config/clinics.ts';
import { idSchema } from '../../core/events.ts';
import { AftercareError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Metrics } from '../../lib/metrics.ts';
import type { Queues } from '../../lib/queues.ts';
import type { Db } from '../../store/db.ts';
import { patientTimeline } from '../../store/timeline.ts';
import { loadPatient } from '../../store/patients.ts';
import { acceptEvent } from '../accept-event.ts';
import { receiveReply } from '../receive-reply.ts';
import { acknowledge, loadEscalation, openEscalations } from '../../store/escalations.ts';
import { addTimeline } from '../../store/timeline.ts';
import { parseOrThrow } from '../parse.ts';
import { previewPlan } from '../preview-plan.ts';
import { authenticateClinic } from './auth.ts';
import { twilioWebhooks } from './twilio-webhooks.ts';
import type { ReportedDelivery } from '../../store/delivery-status.ts';

export interface ServerDeps {
  db: Db;
  redis: Redis;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  metrics: Metrics;
  now?: () => Date;
  bodyLimit?: number;
  /** Twilio webhooks: signatures are checked against PUBLIC_BASE_URL with the auth token. */
  twilio?: { authToken: string | undefined; publicBaseUrl: string; onUndelivered?: (d: ReportedDelivery) => Promise<void> };
}

const ackBodySchema = z.strictObject({ by: z.string().trim().min(1).max(80).default('API') });

declare module 'fastify' {
  interface FastifyRequest {
    clinic?: Clinic;
  }
}

/** The HTTP API, apart from `listen` so tests drive it with `inject()`. */
export function buildServer(deps: ServerDeps) {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }),
    bodyLimit: deps.bodyLimit ?? 64 * 1024,
    trustProxy: true,
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
  });

  // One error shape for every failure: a stable code, a sentence, and field errors when the input was bad.
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AftercareError) {
      const details = err.details && typeof err.details === 'object' ? err.details : {};
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...details } });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) return reply.status(413).send({ error: { code: 'body-too-large', message: 'The request body is too large.' } });
    if (status >= 400 && status < 500)
      return reply.status(status).send({ error: { code: 'invalid-input', message: 'The request could not be read as JSON.' } });
    req.log.error({ err: (err as Error).message }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong; nothing was changed.' } });
  });
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: { code: 'not-found', message: 'No such route.' } }));

  app.register(twilioWebhooks, {
    db: deps.db, log: deps.log, authToken: deps.twilio?.authToken, publicBaseUrl: deps.twilio?.publicBaseUrl ?? '',
    onUndelivered: deps.twilio?.onUndelivered,
    onInbound: (sms) => receiveReply(deps, sms),
  });

  const clinicOf = (req: FastifyRequest): Clinic => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    req.clinic = clinic;
    return clinic;
  };
  const now = () => deps.now?.() ?? new Date();

  app.post('/v1/events', async (req, reply) => {
    const clinic = clinicOf(req);
    const accepted = await acceptEvent(deps, req.body, clinic.id);
    return reply.status(202).send(accepted);
  });

  app.post('/v1/plans/preview', async (req) => previewPlan(deps.clinics, req.body, clinicOf(req).id, now()));

  app.get<{ Params: { patientId: string } }>('/v1/patients/:patientId/timeline', async (req) => {
    const clinic = clinicOf(req);
    const patientId = parseOrThrow(idSchema, req.params.patientId, 'Invalid patient id');
    // Another clinic's patient looks exactly like a missing one.
    const patient = await loadPatient(deps.db, clinic.id, patientId);
    if (!patient) throw new AftercareError('not-found', `No patient ${patientId} at clinic ${clinic.id}.`);
    const timezone = patient.timezone ?? clinic.timezone;
    const local = (iso: string) => DateTime.fromISO(iso).setZone(timezone).toISO({ suppressMilliseconds: true });
    // Times in UTC and in the patient's own zone, so staff read "08:00 their time" directly.
    const entries = (await patientTimeline(deps.db, clinic.id, patientId)).map((e) => ({
      ...e,
      atLocal: local(e.at),
      ...(typeof e.detail.dueAt === 'string' ? { dueAtLocal: local(e.detail.dueAt) } : {}),
    }));
    return { clinicId: clinic.id, patientId, timezone, entries };
  });

  app.get<{ Querystring: { status?: string } }>('/v1/escalations', async (req) => {
    const clinic = clinicOf(req);
    if ((req.query.status ?? 'open') !== 'open')
      throw new AftercareError('invalid-input', 'Only status=open is listed.', { fields: [{ path: 'status', message: 'expected "open"' }] });
    const open = await openEscalations(deps.db, clinic.id);
    return {
      escalations: open.map((e) => ({
        id: e.id, patientId: e.patientId, kind: e.kind, reason: e.reason, code: e.code, status: e.status,
        raisedAt: e.raisedAt.toISOString(), notifiedRounds: e.notifiedRounds,
      })),
    };
  });

  app.post<{ Params: { id: string }; Body: unknown }>('/v1/escalations/:id/ack', async (req) => {
    const clinic = clinicOf(req);
    const body = parseOrThrow(ackBodySchema, req.body ?? {}, 'Invalid acknowledgement');
    const acked = await acknowledge(deps.db, { clinicId: clinic.id, id: req.params.id }, body.by);
    if (!acked) {
      const existing = await loadEscalation(deps.db, req.params.id);
      if (existing?.clinicId === clinic.id)
        return { id: existing.id, status: existing.status, acknowledgedBy: existing.acknowledgedBy, acknowledgedAt: existing.acknowledgedAt?.toISOString() };
      throw new AftercareError('not-found', `No escalation ${req.params.id} at clinic ${clinic.id}.`);
    }
    await addTimeline(deps.db, [{ clinicId: clinic.id, patientId: acked.patientId, kind: 'escalation.acknowledged',
      detail: { escalationId: acked.id, code: acked.code, by: body.by, via: 'api' } }]);
    return { id: acked.id, status: acked.status, acknowledgedBy: acked.acknowledgedBy, acknowledgedAt: acked.acknowledgedAt?.toISOString() };
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks = { database: false, redis: false };
    await Promise.all([
      deps.db.query('SELECT 1').then(() => { checks.database = true; }, () => {}),
      deps.redis.ping().then((r) => { checks.redis = r === 'PONG'; }, () => {}),
    ]);
    const ready = checks.database && checks.redis;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  return app;
}
