import type { Clinic, Clinics } from '../config/clinics.ts';
import { clinicEventSchema, type ClinicEvent } from '../core/events.ts';
import { AftercareError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { enqueueEvent, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { recordEvent } from '../store/events.ts';
import { upsertPatient } from '../store/patients.ts';
import { addTimeline } from '../store/timeline.ts';
import { parseOrThrow } from './parse.ts';

export interface AcceptDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  metrics?: Metrics;
}

export interface Accepted {
  eventId: string;
  duplicate: boolean;
}

// The event is safe in PostgreSQL already; a Redis that does not answer must not hold the caller.
const enqueueTimeoutMs = 2_000;
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Validates an event for the clinic that sent it; the caller's clinic comes from its API key. */
export function parseClinicEvent(clinics: Clinics, input: unknown, callerClinicId?: string): { event: ClinicEvent; clinic: Clinic } {
  const event = parseOrThrow(clinicEventSchema, input, 'Invalid event');
  if (callerClinicId !== undefined && event.clinicId !== callerClinicId)
    throw new AftercareError('forbidden', `This API key belongs to clinic ${callerClinicId}, not ${event.clinicId}.`);
  const clinic = clinics.get(event.clinicId);
  if (!clinic)
    throw new AftercareError('invalid-input', 'Invalid event', { fields: [{ path: 'clinicId', message: `unknown clinic "${event.clinicId}"` }] });
  return { event, clinic };
}

/**
 * The one path for HTTP, CLI and library callers. An event is accepted once it is in PostgreSQL;
 * putting it on the queue may fail (Redis down) without losing it: the reconciler enqueues it later.
 */
export async function acceptEvent(deps: AcceptDeps, input: unknown, callerClinicId?: string): Promise<Accepted> {
  const { event } = parseClinicEvent(deps.clinics, input, callerClinicId);
  const log = deps.log.child({ clinicId: event.clinicId, eventId: event.id, type: event.type });
  const outcome = await deps.db.transaction(async (tx) => {
    const recorded = await recordEvent(tx, event);
    if (recorded !== 'new') return recorded;
    const patientId = event.type === 'plan.cancelled' ? event.patientId : event.patient.id;
    if (event.type !== 'plan.cancelled') await upsertPatient(tx, event.clinicId, event.patient);
    await addTimeline(tx, [{ clinicId: event.clinicId, patientId, kind: 'event.accepted', detail: { eventId: event.id, type: event.type } }]);
    return recorded;
  });
  if (outcome === 'conflict')
    throw new AftercareError('event-id-reused', `Event id "${event.id}" was already accepted with different content; use a new id for a new event.`);
  if (outcome === 'duplicate') {
    deps.metrics?.eventsReplayed.inc();
    log.info('event replayed; already accepted');
    return { eventId: event.id, duplicate: true };
  }
  deps.metrics?.eventsAccepted.inc({ type: event.type });
  try {
    await withTimeout(enqueueEvent(deps.queues, { clinicId: event.clinicId, eventId: event.id }), enqueueTimeoutMs);
    log.info('event accepted');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'event accepted but not queued; the reconciler will queue it');
  }
  return { eventId: event.id, duplicate: false };
}
