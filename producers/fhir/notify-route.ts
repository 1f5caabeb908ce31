import type { FastifyInstance, FastifySchema } from 'fastify';
import type { Clinics } from '../../config/clinics.ts';
import { idSchema } from '../../core/events.ts';
import { parseNotification } from '../../core/fhir-notification.ts';
import { AftercareError } from '../../lib/errors.ts';
import { ehrNotificationId } from '../../lib/ids.ts';
import type { Logger } from '../../lib/logger.ts';
import { enqueueEhrIntake, type Queues } from '../../lib/queues.ts';
import type { Db } from '../../store/db.ts';
import { recordEhrNotification } from '../../store/ehr-notifications.ts';
import { ehrActor } from '../http/access-audit.ts';
import { documentationOnly, errors, openRoute, required } from '../http/route-schemas.ts';
import { authenticateNotification } from './notify-auth.ts';

export interface NotifyDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
}

/** What the intake worker gets for one notification event (stored as the notification's body). */
export interface FhirNotificationBody {
  subscription: string;
  eventNumber: string;
  focus: string;
  /** Present for `full-resource` payloads. */
  resource?: unknown;
}

// The EHR waits for our answer (and retries on a slow one): store, enqueue, answer; a worker does the rest.
const enqueueTimeoutMs = 1_000;

const schema: FastifySchema = {
  ...openRoute, tags: ['EHR'], operationId: 'fhirNotify', summary: 'FHIR Subscription notification (R4 backport or R4B)',
  description: 'A `history` Bundle, `id-only` or `full-resource`. Authenticated by the Subscription’s `channel.header` bearer token or an HMAC-SHA256 signature header, as the clinic file says. `handshake` and `heartbeat` are answered and nothing else; each notification event is stored once (by subscription and event number) and mapped by a worker.',
  consumes: ['application/fhir+json'],
  params: required({ clinicId: { type: 'string', description: 'Your clinic id.' } }),
  body: { type: 'object' },
  response: { 200: { description: 'Handled: `{ type, stored?, duplicates? }`.', type: 'object' }, ...errors(400, 401, 413, 500, 503) },
};

/** POST /fhir/r4/notify/{clinicId}: FHIR Subscription notifications (R4 backport, R4B). */
export async function fhirNotify(api: FastifyInstance, deps: NotifyDeps): Promise<void> {
  documentationOnly(api);
  // The HMAC is over the exact bytes sent, so the body is kept as text and parsed here.
  api.removeContentTypeParser('application/json');
  api.addContentTypeParser(['application/fhir+json', 'application/json'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  api.post<{ Params: { clinicId: string } }>('/fhir/r4/notify/:clinicId', { schema, config: { audit: { action: 'event.accept', actor: ehrActor(deps.clinics) } } }, async (req, reply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const clinicId = idSchema.safeParse(req.params.clinicId);
    authenticateNotification(clinicId.success ? deps.clinics.get(clinicId.data) : undefined, req.headers, raw);
    const clinic = clinicId.data!;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AftercareError('invalid-input', 'The notification is not JSON.');
    }
    const n = parseNotification(json);
    if ('error' in n) throw new AftercareError('invalid-input', `Not a subscription notification: ${n.error}.`);
    // Handshakes and heartbeats only prove the endpoint answers.
    if (n.type !== 'event-notification') return reply.status(200).send({ type: n.type });
    const stored: string[] = [];
    let duplicates = 0;
    for (const e of n.events) {
      const body: FhirNotificationBody = { subscription: n.subscription, eventNumber: e.eventNumber, focus: e.focus, ...(n.resources.has(e.focus) ? { resource: n.resources.get(e.focus) } : {}) };
      const dedupKey = `fhir ${n.subscription} #${e.eventNumber}`;
      const id = ehrNotificationId(clinic, dedupKey);
      if (await recordEhrNotification(deps.db, { id, clinicId: clinic, source: 'fhir', dedupKey, body })) stored.push(id);
      else duplicates++;
    }
    await enqueueWithin(deps, stored);
    deps.log.info({ clinicId: clinic, stored: stored.length, duplicates }, 'fhir notification received');
    return reply.status(200).send({ type: n.type, stored: stored.length, duplicates });
  });
}

/** Enqueues, but a Redis that does not answer must not hold the EHR: the reconciler enqueues later. */
export async function enqueueWithin(deps: { queues: Queues; log: Logger }, ids: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      enqueueEhrIntake(deps.queues, ids),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`Redis did not answer within ${enqueueTimeoutMs} ms`)), enqueueTimeoutMs); }),
    ]);
  } catch (err) {
    deps.log.warn({ notifications: ids.length, err: (err as Error).message }, 'ehr notifications stored but not queued; the reconciler will queue them');
  } finally {
    clearTimeout(timer);
  }
}
