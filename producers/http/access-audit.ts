import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import { z } from 'zod';
import type { Clinics } from '../../config/clinics.ts';
import type { Logger } from '../../lib/logger.ts';
import { groupCommit } from '../../lib/group-commit.ts';
import { appendAccesses, type AccessRecord } from '../../store/access-audit.ts';
import type { Db } from '../../store/db.ts';
import { apiKeyOf, clinicOfKey } from './auth.ts';

/** Who acted: an API key (named by its clinic), a staff member, the operator, or an EHR. */
export interface AuditActor {
  actor: string;
  role: string;
  clinicId: string | null;
}

type Maybe<T> = T | undefined | Promise<T | undefined>;

/** What a route declares in its `config: { audit }`: the action, and how to find the patient and the actor. */
export interface AuditDeclaration {
  action: string;
  patient?: (req: FastifyRequest) => Maybe<string>;
  actor?: (req: FastifyRequest) => AuditActor | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditDeclaration;
  }
  interface FastifyRequest {
    /** Set by a plugin that authenticates in its own way (the queue dashboard's operator). */
    auditActor?: AuditActor;
    /** An action known only once the request is under way (the dashboard's sign-in). */
    auditAction?: string;
  }
}

/** The patient id a route parameter names. */
// Schemas are made once: zod compiles each on its first use, which per request costs more than the parse.
export const patientParam = (name: string) => {
  const params = z.object({ [name]: z.string() });
  return (req: FastifyRequest) => params.safeParse(req.params).data?.[name];
};
const eventBody = z.object({ patient: z.object({ id: z.string() }).optional(), patientId: z.string().optional() });
const clinicParams = z.object({ clinicId: z.string() });

/** The patient an event body names (`patient.id`, or `patientId` of a cancellation). */
export const eventPatient = (req: FastifyRequest) => {
  const body = eventBody.safeParse(req.body).data;
  return body?.patient?.id ?? body?.patientId;
};

function actorOf(req: FastifyRequest, clinics: Clinics, declared: AuditDeclaration): { who: AuditActor; known: boolean } {
  const given = declared.actor?.(req) ?? req.auditActor;
  if (given) return { who: given, known: true };
  const staff = req.consoleStaff;
  if (staff) return { who: { actor: staff.staff.username, role: staff.staff.role, clinicId: staff.clinic.id }, known: true };
  const clinic = req.clinic ?? clinicOfKey(clinics, req.headers.authorization);
  // A key is named when keys live in the database (several per clinic); a clinic file's one key by its clinic.
  if (clinic) return { who: { actor: keyName(clinics, req) ?? clinic.id, role: 'api-key', clinicId: clinic.id }, known: true };
  const presented = req.headers.authorization !== undefined;
  return { who: { actor: presented ? 'unknown-credentials' : 'anonymous', role: 'none', clinicId: null }, known: false };
}

const keyName = (clinics: Clinics, req: FastifyRequest) => {
  const entry = apiKeyOf(clinics, req.headers.authorization);
  return entry && `key:${entry.name}`;
};

/**
 * The one place access is recorded: every route declaring `config: { audit }` gets one entry per
 * answer, before the answer leaves. Granted answers (2xx, 3xx to someone signed in) are `allowed`;
 * refusals (401, 403, 404, or a redirect to sign in) are `denied`; bad input, rate limits and
 * failures touched no patient data and are not recorded. If the entry cannot be written, a read
 * is answered 503 instead: nobody sees patient data without a record of it.
 */
export function accessAudit<L extends FastifyBaseLogger>(app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>, deps: { db: Db; clinics: Clinics; log: Logger; now?: () => Date }): void {
  // Answers that leave together are recorded together: a chain's head is locked once per batch, not once per request.
  const record = groupCommit((records: AccessRecord[]) => appendAccesses(deps.db, records), { maxBatch: 100 });
  app.addHook('onSend', async (req, reply, payload) => {
    const declared = req.routeOptions.config.audit;
    const action = req.auditAction ?? declared?.action;
    if (!action) return payload;
    const { who, known } = actorOf(req, deps.clinics, declared ?? { action });
    const status = reply.statusCode;
    const outcome = [401, 403, 404].includes(status) || (!known && status < 400) ? 'denied' : status < 400 ? 'allowed' : undefined;
    if (!outcome) return payload;
    try {
      const patientId = outcome === 'allowed' || status === 404 ? ((await declared?.patient?.(req)) ?? null) : null;
      await record({
        actor: who.actor, role: who.role, action, outcome, status, clinicId: who.clinicId,
        patientId, clientAddress: req.ip ?? null, at: deps.now?.() ?? new Date(),
      });
      return payload;
    } catch (err) {
      req.log.error({ action, err: (err as { code?: string }).code ?? (err as Error).name }, 'access could not be recorded');
      if (req.method !== 'GET' && req.method !== 'HEAD') return payload; // the change is made; its answer must say so
      reply.code(503).type('application/json; charset=utf-8');
      return JSON.stringify({ error: { code: 'database-unavailable', message: 'The access could not be recorded; nothing is shown.' } });
    }
  });
}

/** An EHR pushing to a clinic's own endpoint (FHIR notify): named by the clinic its route names. */
export const ehrActor = (clinics: Clinics) => (req: FastifyRequest): AuditActor | undefined => {
  const clinic = clinics.get(clinicParams.safeParse(req.params).data?.clinicId ?? '');
  return clinic && { actor: `ehr:${clinic.id}`, role: 'ehr', clinicId: clinic.id };
};
