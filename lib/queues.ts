import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { eventJobId } from './ids.ts';

// Shared by producers and workers so neither imports the other. Jobs carry ids only:
// phones, emails, names and bodies stay in PostgreSQL.
export const queueNames = {
  events: 'events',
  steps: 'steps',
  maintenance: 'maintenance',
} as const;

export const eventJobSchema = z.strictObject({ clinicId: z.string().min(1), eventId: z.string().min(1) });
export type EventJob = z.infer<typeof eventJobSchema>;
export const stepJobSchema = z.strictObject({ stepId: z.string().min(1) });
export type StepJob = z.infer<typeof stepJobSchema>;

/** Transient provider errors retry with exponential backoff and jitter; permanent ones never retry. */
export const retryPolicy = { attempts: 8, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } } as const;

const lean: JobsOptions = { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } };
export const eventJobOptions: JobsOptions = { ...lean, ...retryPolicy };
export const stepJobOptions: JobsOptions = { ...lean, ...retryPolicy };

export interface Queues {
  events: Queue<EventJob>;
  steps: Queue<StepJob>;
  maintenance: Queue;
  prefix: string;
  close(): Promise<void>;
}

export function openQueues(connection: Redis, prefix: string): Queues {
  const events = new Queue<EventJob>(queueNames.events, { connection, prefix });
  const steps = new Queue<StepJob>(queueNames.steps, { connection, prefix });
  const maintenance = new Queue(queueNames.maintenance, { connection, prefix });
  return {
    events,
    steps,
    maintenance,
    prefix,
    async close() {
      await Promise.all([events.close(), steps.close(), maintenance.close()]);
    },
  };
}

export async function enqueueEvent(queues: Queues, job: EventJob): Promise<void> {
  await queues.events.add('expand', job, { ...eventJobOptions, jobId: eventJobId(job.clinicId, job.eventId) });
}

/** One delayed job per step; the job id is the step id, so adding it again is a no-op. */
export async function enqueueSteps(queues: Queues, steps: Array<{ id: string; dueAt: Date }>, now: Date): Promise<void> {
  if (steps.length === 0) return;
  await queues.steps.addBulk(
    steps.map((s) => ({
      name: 'send',
      data: { stepId: s.id },
      opts: { ...stepJobOptions, jobId: s.id, delay: Math.max(0, s.dueAt.getTime() - now.getTime()) },
    })),
  );
}
