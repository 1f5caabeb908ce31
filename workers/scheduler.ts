import type { Clinic, Clinics } from '../config/clinics.ts';
import { clinicEventSchema, type ClinicEvent } from '../core/events.ts';
import { scheduleExpansion, writeExpansion } from '../lib/expansion.ts';
import { groupCommit } from '../lib/group-commit.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { EventJob, Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { loadEventBodies, type StoredEvent } from '../store/events.ts';
import { JobFailure } from './job-failure.ts';

export interface SchedulerDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

type Parsed = { event: ClinicEvent; clinic: Clinic };

/** Reads an accepted event back; a missing, invalid or orphaned one can never be expanded. */
function parseStored(deps: SchedulerDeps, job: EventJob, stored: StoredEvent | undefined): Parsed | JobFailure {
  if (!stored) return new JobFailure('event-missing', `event ${job.eventId} of ${job.clinicId} is not in the database`);
  const parsed = clinicEventSchema.safeParse(stored.body);
  if (!parsed.success) return new JobFailure('event-invalid', `stored event ${job.eventId} no longer validates`);
  const clinic = deps.clinics.get(parsed.data.clinicId);
  if (!clinic) return new JobFailure('clinic-unknown', `clinic ${parsed.data.clinicId} is not configured`);
  return { event: parsed.data, clinic };
}

/**
 * Expands events that are stored but not expanded (the reconciler queues them): plan and steps
 * in one transaction, then their jobs. Jobs that arrive together are expanded together.
 */
export function createExpander(deps: SchedulerDeps): (job: EventJob) => Promise<void> {
  return groupCommit<EventJob, void>((jobs) => expandEvents(deps, jobs), { maxBatch: 100 });
}

export async function expandEvents(deps: SchedulerDeps, jobs: EventJob[]): Promise<Array<void | Error>> {
  const now = deps.now?.() ?? new Date();
  const stored = new Map((await loadEventBodies(deps.db, jobs)).map((e) => [`${e.clinicId}\u0000${e.eventId}`, e]));
  const results = jobs.map((job) => parseStored(deps, job, stored.get(`${job.clinicId}\u0000${job.eventId}`)));
  const parsed = results.filter((r): r is Parsed => !(r instanceof Error));
  const expansion = await deps.db.transaction((tx) => writeExpansion(tx, parsed, now));
  await scheduleExpansion(deps, expansion, now);
  return results.map((r) => (r instanceof Error ? r : undefined));
}
