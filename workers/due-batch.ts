import { z } from 'zod';
import { enqueueStepRetry, partitionOf } from '../lib/queues.ts';
import { claimDueSteps, clinicsDueAt, type LoadedStep } from '../store/plans.ts';
import type { DispatcherDeps } from './deps.ts';
import { dispatchLoaded } from './dispatcher.ts';
import { JobFailure, jobFailureCodes } from './job-failure.ts';

// One claim statement per page; the stages of a page's sends share their statements too (group commit).
const pageSize = 100;

/** How many steps a process sends at once (SEND_CONCURRENCY), shared by every alarm it runs. */
export interface SendSlots {
  /**
   * Takes up to `max` free slots once one is free; `refill` (a batch with sends still in flight)
   * waits for half of them, so that its pages stay large while a new batch starts at once.
   */
  take(max: number, refill: boolean): Promise<number>;
  give(n: number): void;
}

export function sendSlots(limit: number): SendSlots {
  let used = 0;
  let waiting: Array<() => void> = [];
  return {
    async take(max, refill) {
      const least = Math.min(max, refill ? Math.ceil(limit / 2) : 1);
      while (limit - used < least) await new Promise<void>((r) => waiting.push(r));
      const n = Math.min(max, limit - used);
      used += n;
      return n;
    },
    give(n) {
      used -= n;
      const woken = waiting;
      waiting = [];
      for (const wake of woken) wake();
    },
  };
}

export interface DueBatch {
  dueAt: Date;
  partition: number;
  partitions: number;
  slots: SendSlots;
  /** True once the worker is closing: no new page is claimed, the alarm is left for the next worker. */
  stopping(): boolean;
}

export interface DueBatchResult {
  claimed: number;
  /** Steps that failed in the batch and went on as jobs of their own. */
  alone: number;
  interrupted: boolean;
}

/**
 * The alarm of one due instant on one partition: claims the never-tried steps due then, a page at
 * a time, and sends each page's steps at once within the process's slots. Each step fails alone:
 * it goes on as a job of its own (today's retries, backoff and failure handling). The alarm fails
 * only when a claim does (PostgreSQL away), and BullMQ retries it.
 */
export async function sendDueSteps(deps: DispatcherDeps, batch: DueBatch): Promise<DueBatchResult> {
  const result: DueBatchResult = { claimed: 0, alone: 0, interrupted: false };
  const clinics = batch.partitions > 1
    ? (await clinicsDueAt(deps.db, batch.dueAt)).filter((c) => partitionOf(c, batch.partitions) === batch.partition)
    : undefined;
  if (clinics?.length === 0) return result;
  // With one attempt only, the batch's is the last: a transient error then counts as permanent.
  const finalAttempt = (deps.queues.jobOptions.attempts ?? 1) <= 1;
  const inFlight = new Set<Promise<void>>();
  const errors: unknown[] = [];
  const sendOne = async (loaded: LoadedStep) => {
    try {
      await dispatchLoaded(deps, loaded, { claimed: true, finalAttempt });
    } catch (err) {
      result.alone++;
      const failure = err instanceof JobFailure ? { code: err.code, message: err.message.slice(err.code.length + 2) } : undefined;
      deps.log.warn({ clinicId: loaded.step.clinicId, stepId: loaded.step.id, reason: failure?.code ?? (err as { code?: string }).code ?? (err as Error).name },
        failure ? 'step failed in its batch' : 'step failed in its batch; it is retried alone');
      await enqueueStepRetry(deps.queues, loaded.step, failure).catch((e: unknown) => errors.push(e));
    } finally {
      batch.slots.give(1);
    }
  };
  try {
    for (;;) {
      const room = await batch.slots.take(pageSize, inFlight.size > 0);
      // Looked at after the wait for slots: the worker may have begun closing meanwhile.
      if (batch.stopping()) {
        batch.slots.give(room);
        result.interrupted = true;
        break;
      }
      let page: LoadedStep[];
      try {
        page = await claimDueSteps(deps.db, batch.dueAt, room, clinics);
      } catch (err) {
        batch.slots.give(room);
        throw err;
      }
      batch.slots.give(room - page.length);
      result.claimed += page.length;
      for (const loaded of page) {
        const sending = sendOne(loaded).finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      }
      if (page.length < room) break;
    }
  } finally {
    // The sends under way finish before the alarm ends or fails.
    await Promise.all(inFlight);
  }
  // A step that could not be handed on is still `sending`: the reconciler gives it a job of its own.
  if (errors.length) throw errors[0];
  return result;
}

const failureSchema = z.object({ code: z.enum(jobFailureCodes), message: z.string() });

/** A step's job carrying the failure its batch met: it fails with it, where the failure handler sees it. */
export function batchFailure(failure: { code: string; message: string }): Error {
  const known = failureSchema.safeParse(failure);
  return known.success ? new JobFailure(known.data.code, known.data.message) : new Error(`${failure.code}: ${failure.message}`);
}
