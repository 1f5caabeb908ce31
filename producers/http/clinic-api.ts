import { DateTime } from 'luxon';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { Clinic } from '../../config/clinics.ts';
import { idSchema } from '../../core/events.ts';
import { emitWebhook } from '../../lib/emit-webhook.ts';
import { AftercareError } from '../../lib/errors.ts';
import { observeAcknowledgement } from '../../lib/metrics.ts';
import { enqueueEndCalls } from '../../lib/queues.ts';
import { acknowledge, loadEscalation, openEscalations } from '../../store/escalations.ts';
import { loadPatient } from '../../store/patients.ts';
import { addTimeline, patientTimeline } from '../../store/timeline.ts';
import { createAcceptor } from '../accept-event.ts';
import { parseOrThrow } from '../parse.ts';
import { previewPlan } from '../preview-plan.ts';
import { eventPatient, patientParam } from './access-audit.ts';
import { authenticateClinic } from './auth.ts';
import { ackRequestSchema } from './openapi.ts';
import { documentationOnly, errors, parameterSchema, ref, required } from './route-schemas.ts';
import type { ServerDeps } from './deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    clinic?: Clinic;
  }
}

const examplePatient = { id: 'p-123', firstName: 'Sam', phone: '+15551234567', email: 'sam@example.org', timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true };
// Wrapped in allOf: swagger drops keywords beside a bare $ref, and the examples must stay.
const eventBody = {
  allOf: [ref('ClinicEvent')],
  'x-examples': {
    session: { summary: 'A session ended', value: { type: 'session.completed', id: 'evt-example-1', clinicId: 'clinic-a', patient: examplePatient,
      escort: { name: 'Alex', phone: '+15557654321' }, session: { id: 's-1', endedAt: '2026-11-23T15:30:00-07:00', modality: 'iv' } } },
    cessation: { summary: 'Treatment stopped', value: { type: 'cessation.started', id: 'evt-example-2', clinicId: 'clinic-a', patient: examplePatient,
      cessation: { id: 'c-1', lastUseAt: '2026-12-01T09:00:00-07:00' } } },
    cancel: { summary: 'Cancel a plan', value: { type: 'plan.cancelled', id: 'evt-example-3', clinicId: 'clinic-a', patientId: 'p-123', reference: 's-1' } },
  },
};

const schemas: Record<'sendEvent' | 'previewPlan' | 'timeline' | 'escalations' | 'acknowledge', FastifySchema> = {
  sendEvent: {
    tags: ['Events'], operationId: 'sendEvent', summary: 'Send one clinic event',
    description: 'Accepted once stored durably (even while the queue is down); messages then follow at their times. Safe to retry with the same `id`.',
    body: eventBody,
    response: { 202: { description: 'Accepted now, or earlier (`duplicate: true`).', ...ref('Accepted') }, ...errors(400, 401, 403, 409, 413, 429, 500, 503) },
  },
  previewPlan: {
    tags: ['Plans'], operationId: 'previewPlan', summary: 'Preview the schedule an event would produce',
    description: 'The same body as `POST /v1/events`; stores and sends nothing, so the id need not be new. `plan.cancelled` has no plan (400).',
    body: eventBody,
    response: { 200: { description: 'The resolved schedule.', ...ref('PlanPreview') }, ...errors(400, 401, 403, 413, 429, 500) },
  },
  timeline: {
    tags: ['Patients'], operationId: 'getPatientTimeline', summary: "A patient's timeline",
    params: required({ patientId: { ...parameterSchema(idSchema), description: 'The `patient.id` you sent.' } }),
    response: { 200: { description: 'Everything that happened, oldest first.', ...ref('Timeline') }, ...errors(400, 401, 404, 429, 500, 503) },
  },
  escalations: {
    tags: ['Escalations'], operationId: 'listEscalations', summary: 'Open escalations',
    querystring: { type: 'object', properties: { status: { type: 'string', enum: ['open'], default: 'open', description: 'Only `open` is listed.' } } },
    response: { 200: { description: 'Open escalations, oldest first.', ...ref('EscalationList') }, ...errors(400, 401, 429, 500, 503) },
  },
  acknowledge: {
    tags: ['Escalations'], operationId: 'acknowledgeEscalation', summary: 'Acknowledge an escalation',
    description: 'Stops the repeated alerts and records who acknowledged on the patient’s timeline.',
    params: required({ id: { type: 'string', description: 'An escalation id from `GET /v1/escalations`.' } }),
    body: ref('AckRequest'),
    response: { 200: { description: 'Acknowledged (now or before).', ...ref('Acknowledgement') }, ...errors(400, 401, 404, 429, 500, 503) },
  },
};

/** The clinic-facing API: every route takes the clinic's API key and sees only its own patients. */
export async function clinicApi(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'queues' | 'clinics' | 'log' | 'metrics' | 'now' | 'accept'>): Promise<void> {
  const clinicOf = (req: FastifyRequest): Clinic => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    req.clinic = clinic;
    return clinic;
  };
  const now = () => deps.now?.() ?? new Date();
  const escalationIdOf = patientParam('id');
  const escalationPatient = async (req: FastifyRequest) => {
    const e = await loadEscalation(deps.db, escalationIdOf(req) ?? '');
    return e && e.clinicId === req.clinic?.id ? e.patientId : undefined;
  };
  const accept = deps.accept ?? createAcceptor(deps);
  documentationOnly(api);

  api.post('/v1/events', { schema: schemas.sendEvent, config: { audit: { action: 'event.accept', patient: eventPatient } } }, async (req, reply) => {
    const clinic = clinicOf(req);
    const accepted = await accept(req.body, clinic.id);
    return reply.status(202).send(accepted);
  });

  api.post('/v1/plans/preview', { schema: schemas.previewPlan, config: { audit: { action: 'plan.preview', patient: eventPatient } } }, async (req) => previewPlan(deps.clinics, req.body, clinicOf(req).id, now()));

  api.get<{ Params: { patientId: string } }>('/v1/patients/:patientId/timeline', { schema: schemas.timeline, config: { audit: { action: 'timeline.read', patient: patientParam('patientId') } } }, async (req) => {
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

  api.get<{ Querystring: { status?: string } }>('/v1/escalations', { schema: schemas.escalations, config: { audit: { action: 'escalations.read' } } }, async (req) => {
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

  api.post<{ Params: { id: string }; Body: unknown }>('/v1/escalations/:id/ack', { schema: schemas.acknowledge, config: { audit: { action: 'escalation.acknowledge', patient: escalationPatient } } }, async (req) => {
    const clinic = clinicOf(req);
    const body = parseOrThrow(ackRequestSchema, req.body ?? {}, 'Invalid acknowledgement');
    const acked = await acknowledge(deps.db, { clinicId: clinic.id, id: req.params.id }, body.by);
    if (!acked) {
      const existing = await loadEscalation(deps.db, req.params.id);
      if (existing?.clinicId === clinic.id)
        return { id: existing.id, status: existing.status, acknowledgedBy: existing.acknowledgedBy, acknowledgedAt: existing.acknowledgedAt?.toISOString() };
      throw new AftercareError('not-found', `No escalation ${req.params.id} at clinic ${clinic.id}.`);
    }
    await addTimeline(deps.db, [{ clinicId: clinic.id, patientId: acked.patientId, kind: 'escalation.acknowledged',
      detail: { escalationId: acked.id, code: acked.code, by: body.by, via: 'api' } }]);
    await emitWebhook(deps, { clinicId: clinic.id, type: 'escalation.acknowledged', data: { patientId: acked.patientId, escalationId: acked.id, kind: acked.kind, via: 'api' } });
    observeAcknowledgement(deps.metrics, acked, 'api');
    await enqueueEndCalls(deps.queues, acked.id).catch((err: Error) => req.log.warn({ escalationId: acked.id, err: err.message }, 'could not queue hanging up its calls'));
    return { id: acked.id, status: acked.status, acknowledgedBy: acked.acknowledgedBy, acknowledgedAt: acked.acknowledgedAt?.toISOString() };
  });
}
