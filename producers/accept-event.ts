import type { Clinic, Clinics } from '../config/clinics.ts';
import { DateTime } from 'luxon';
import { anchorTimeIssue, clinicEventSchema, type ClinicEvent } from '../core/events.ts';
import { AftercareError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { groupCommit } from '../lib/group-commit.ts';
import { enqueueEvents, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { recordEvents, type RecordOutcome } from '../store/events.ts';
import { upsertPatients } from '../store/patients.ts';
import { saveEventConsent } from './consent-changes.ts';
import { parseOrThrow } from './parse.ts';

export interface AcceptDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  metrics?: Metrics;
  now?: () => Date;
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

export type Accept = (input: unknown, callerClinicId?: string) => Promise<Accepted>;

/**
 * The one path for HTTP, CLI and library callers. An event is accepted once it is in PostgreSQL;
 * putting it on the queue may fail (Redis down) without losing it: the reconciler enqueues it later.
 * Events arriving together are written together (group commit), up to 100 per transaction.
 */
export function createAcceptor(deps: AcceptDeps): Accept {
  const record = groupCommit<ClinicEvent, RecordOutcome>((events) => recordBatch(deps, events), { maxBatch: 100 });
  return async (input, callerClinicId) => {
    const { event } = parseClinicEvent(deps.clinics, input, callerClinicId);
    // Only events to be acted on are bounded: a preview may try any date.
    const issue = anchorTimeIssue(event, DateTime.fromJSDate(deps.now?.() ?? new Date()));
    if (issue) throw new AftercareError('invalid-input', 'Invalid event', { fields: [issue] });
    const outcome = await record(event);
    // Plain fields, not a child logger: a child redacts its bindings even when nothing is logged.
    const ids = { clinicId: event.clinicId, eventId: event.id, type: event.type };
    if (outcome === 'conflict')
      throw new AftercareError('event-id-reused', `Event id "${event.id}" was already accepted with different content; use a new id for a new event.`);
    if (outcome === 'duplicate') {
      deps.metrics?.eventsReplayed.inc();
      deps.log.info(ids, 'event replayed; already accepted');
      return { eventId: event.id, duplicate: true };
    }
    deps.metrics?.eventsAccepted.inc({ type: event.type });
    deps.log.info(ids, 'event accepted');
    return { eventId: event.id, duplicate: false };
  };
}

async function recordBatch(deps: AcceptDeps, events: ClinicEvent[]): Promise<RecordOutcome[]> {
  // No timeline entry is written: `event.accepted` entries are read from `events` itself.
  const { outcomes, fresh } = await deps.db.transaction(async (tx) => {
    const outcomes = await recordEvents(tx, events);
    const fresh = events.filter((_, i) => outcomes[i] === 'new');
    await saveEventConsent(tx, fresh);
    await upsertPatients(tx, fresh.flatMap((e) => (e.type === 'plan.cancelled' ? [] : [{ clinicId: e.clinicId, patient: e.patient }])));
    return { outcomes, fresh };
  });
  try {
    await withTimeout(enqueueEvents(deps.queues, fresh.map((e) => ({ clinicId: e.clinicId, eventId: e.id }))), enqueueTimeoutMs);
  } catch (err) {
    deps.log.warn({ events: fresh.length, err: (err as Error).message }, 'events accepted but not queued; the reconciler will queue them');
  }
  return outcomes;
}
