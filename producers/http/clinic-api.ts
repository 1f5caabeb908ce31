import { DateTime } from 'luxon';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clinic } from '../../config/clinics.ts';
import { idSchema } from '../../core/events.ts';
import { AftercareError } from '../../lib/errors.ts';
import { observeAcknowledgement } from '../../lib/metrics.ts';
import { acknowledge, loadEscalation, openEscalations } from '../../store/escalations.ts';
import { loadPatient } from '../../store/patients.ts';
import { addTimeline, patientTimeline } from '../../store/timeline.ts';
import { createAcceptor } from '../accept-event.ts';
import { parseOrThrow } from '../parse.ts';
import { previewPlan } from '../preview-plan.ts';
import { authenticateClinic } from './auth.ts';
import { ackRequestSchema } from './openapi.ts';
import type { ServerDeps } from './deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    clinic?: Clinic;
  }
}

/** The clinic-facing API: every route takes the clinic's API key and sees only its own patients. */
export async function clinicApi(api: FastifyInstance, deps: Pick<ServerDeps, 'db' | 'queues' | 'clinics' | 'log' | 'metrics' | 'now' | 'accept'>): Promise<void> {
  const clinicOf = (req: FastifyRequest): Clinic => {
    const clinic = authenticateClinic(deps.clinics, req.headers.authorization);
    req.clinic = clinic;
    return clinic;
  };
  const now = () => deps.now?.() ?? new Date();
  const accept = deps.accept ?? createAcceptor(deps);

  api.post('/v1/events', async (req, reply) => {
    const clinic = clinicOf(req);
    const accepted = await accept(req.body, clinic.id);
    return reply.status(202).send(accepted);
  });

  api.post('/v1/plans/preview', async (req) => previewPlan(deps.clinics, req.body, clinicOf(req).id, now()));

  api.get<{ Params: { patientId: string } }>('/v1/patients/:patientId/timeline', async (req) => {
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

  api.get<{ Querystring: { status?: string } }>('/v1/escalations', async (req) => {
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

  api.post<{ Params: { id: string }; Body: unknown }>('/v1/escalations/:id/ack', async (req) => {
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
    observeAcknowledgement(deps.metrics, acked, 'api');
    return { id: acked.id, status: acked.status, acknowledgedBy: acked.acknowledgedBy, acknowledgedAt: acked.acknowledgedAt?.toISOString() };
  });
}
