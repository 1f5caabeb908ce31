import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from './redis.ts';
import { z } from 'zod';
import { eventJobId } from './ids.ts';

// Shared by producers and workers so neither imports the other. Jobs carry ids only:
// phones, emails, names and bodies stay in PostgreSQL.
export const queueNames = {
  events: 'events',
  steps: 'steps',
  escalations: 'escalations',
  maintenance: 'maintenance',
  inbound: 'inbound',
  ehrIntake: 'ehr-intake',
  webhooks: 'webhooks',
} as const;

export const eventJobSchema = z.strictObject({ clinicId: z.string().min(1), eventId: z.string().min(1) });
export type EventJob = z.infer<typeof eventJobSchema>;
/**
 * One step's own send: a retry of a step that failed in its batch, or a step left `sending`.
 * `failure`: the batch met a failure that can never pass; the job fails with it, once, where it is seen.
 */
export const stepJobSchema = z.strictObject({
  stepId: z.string().min(1),
  failure: z.strictObject({ code: z.string().min(1), message: z.string() }).optional(),
});
/** The alarm of one due instant on one partition ('due' jobs): it claims and sends the steps due then. */
export const dueJobSchema = z.strictObject({ dueAt: z.iso.datetime() });
export type DueJob = z.infer<typeof dueJobSchema>;
/** Re-send of an already sent step on another channel (an SMS the carrier reported undelivered). */
export const fallbackJobSchema = z.strictObject({ stepId: z.string().min(1), channel: z.enum(['sms', 'email']) });
export type FallbackJob = z.infer<typeof fallbackJobSchema>;
/** The end of a check-in's reply window: round 1 may remind, round 2 raises a review. */
export const replyWindowJobSchema = z.strictObject({ stepId: z.string().min(1), round: z.union([z.literal(1), z.literal(2)]) });
export type ReplyWindowJob = z.infer<typeof replyWindowJobSchema>;
export const noticeJobSchema = z.strictObject({ escalationId: z.string().min(1), round: z.number().int().min(1) });
export type NoticeJob = z.infer<typeof noticeJobSchema>;
/** Someone acknowledged: hang up the escalation's calls still ringing ('end-calls' jobs on the escalations queue). */
export const endCallsJobSchema = z.strictObject({ escalationId: z.string().min(1) });
export type EndCallsJob = z.infer<typeof endCallsJobSchema>;
export type StepJob = z.infer<typeof stepJobSchema>;
/** An inbound SMS kept while PostgreSQL is away: sealed (AES-256-GCM), never phone or body in the clear. */
export const inboundJobSchema = z.strictObject({ sealed: z.string().min(1) });
export type InboundJob = z.infer<typeof inboundJobSchema>;
/** A stored EHR notification to fetch and map (store/ehr-notifications.ts). */
export const ehrIntakeJobSchema = z.strictObject({ notificationId: z.string().min(1) });
export type EhrIntakeJob = z.infer<typeof ehrIntakeJobSchema>;
/** The esketamine REMS reminder of a plan, on the same queue ('rems-reminder' jobs). */
export const remsJobSchema = z.strictObject({ planId: z.string().min(1) });
export type RemsJob = z.infer<typeof remsJobSchema>;
/** One outbound webhook delivery (store/webhook-deliveries.ts); the job id is the delivery id. */
export const webhookJobSchema = z.strictObject({ deliveryId: z.string().min(1) });
export type WebhookJob = z.infer<typeof webhookJobSchema>;

/** Transient errors retry with exponential backoff and jitter; permanent ones never retry. */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

// Completed jobs leave Redis at once: PostgreSQL keeps the history.
const lean: JobsOptions = { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } };
function jobOptions(retry: RetryPolicy): JobsOptions {
  return { ...lean, attempts: retry.attempts, backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 } };
}

type StepsQueue = Queue<StepJob | DueJob | FallbackJob | ReplyWindowJob>;

/**
 * The key prefix of partition `i` of `partitions`, hash-tagged on its own (`{aftercare}` gives
 * `{aftercare-p0}`, `{aftercare-p1}`...) so each partition's keys share a slot and partitions
 * spread over a cluster's masters. One partition keeps the prefix as it is.
 */
export function partitionPrefix(prefix: string, i: number, partitions: number): string {
  if (partitions <= 1) return prefix;
  const tagged = /^\{([^}]*)\}(.*)$/.exec(prefix);
  return tagged ? `{${tagged[1]}-p${i}}${tagged[2]}` : `{${prefix}-p${i}}`;
}

/** A clinic's partition: a stable hash of its id, the same in every process and every release. */
export function partitionOf(clinicId: string, partitions: number): number {
  if (partitions <= 1) return 0;
  return createHash('sha256').update(clinicId).digest().readUInt32BE(0) % partitions;
}

export interface Queues {
  /** Partition 0's events queue (all of them with one partition). */
  events: Queue<EventJob>;
  /** The events queue of every partition, `events` first: a clinic's events are expanded on its partition. */
  eventPartitions: Array<Queue<EventJob>>;
  /** The events queue a clinic's events go to. */
  eventsOf(clinicId: string): Queue<EventJob>;
  /** Partition 0's steps queue: reply windows and fallbacks, and the sends of the clinics that map to it. */
  steps: StepsQueue;
  /** The steps queue of every partition (QUEUE_PARTITIONS), `steps` first; workers consume them all. */
  stepPartitions: StepsQueue[];
  /** The steps queue a clinic's sends go to. */
  stepsOf(clinicId: string): StepsQueue;
  escalations: Queue<NoticeJob | EndCallsJob>;
  maintenance: Queue;
  ehrIntake: Queue<EhrIntakeJob | RemsJob>;
  webhooks: Queue<WebhookJob>;
  prefix: string;
  jobOptions: JobsOptions;
  close(): Promise<void>;
}

export function openQueues(
  connection: RedisClient,
  prefix: string,
  retry: RetryPolicy,
  onError: ((err: Error, queue: string) => void) | undefined,
  partitions: number,
): Queues {
  const eventPartitions = Array.from({ length: Math.max(1, partitions) }, (_, i) =>
    new Queue<EventJob>(queueNames.events, { connection, prefix: partitionPrefix(prefix, i, partitions) }));
  const events = eventPartitions[0]!;
  const stepPartitions: StepsQueue[] = Array.from({ length: Math.max(1, partitions) }, (_, i) =>
    new Queue(queueNames.steps, { connection, prefix: partitionPrefix(prefix, i, partitions) }));
  const steps = stepPartitions[0]!;
  const escalations = new Queue<NoticeJob | EndCallsJob>(queueNames.escalations, { connection, prefix });
  const maintenance = new Queue(queueNames.maintenance, { connection, prefix });
  const ehrIntake = new Queue<EhrIntakeJob | RemsJob>(queueNames.ehrIntake, { connection, prefix });
  const webhooks = new Queue<WebhookJob>(queueNames.webhooks, { connection, prefix });
  // An outage makes every queue emit errors; the caller logs them once, as one line each, not as stack traces.
  for (const queue of [...eventPartitions, ...stepPartitions, escalations, maintenance, ehrIntake, webhooks]) queue.on('error', (err) => onError?.(err, queue.name));
  return {
    events,
    eventPartitions,
    eventsOf: (clinicId) => eventPartitions[partitionOf(clinicId, eventPartitions.length)]!,
    steps,
    stepPartitions,
    stepsOf: (clinicId) => stepPartitions[partitionOf(clinicId, stepPartitions.length)]!,
    escalations,
    maintenance,
    ehrIntake,
    webhooks,
    prefix,
    jobOptions: jobOptions(retry),
    async close() {
      await Promise.all([...eventPartitions.map((q) => q.close()), ...stepPartitions.map((q) => q.close()), escalations.close(), maintenance.close(), ehrIntake.close(), webhooks.close()]);
    },
  };
}

export async function enqueueEvents(queues: Queues, jobs: EventJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const byQueue = new Map<Queue<EventJob>, EventJob[]>();
  for (const job of jobs) {
    const queue = queues.eventsOf(job.clinicId);
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), job]);
  }
  await Promise.all([...byQueue].map(([queue, group]) =>
    queue.addBulk(group.map((job) => ({ name: 'expand', data: job, opts: { ...queues.jobOptions, jobId: eventJobId(job.clinicId, job.eventId) } })))));
}

/** The alarm of a due instant: the same id for every step due then, so adding it again is a no-op. */
export const dueJobId = (dueAt: Date): string => `due-${dueAt.getTime()}`;

/** A step to put in Redis; one already `sending` (tried before) gets a job of its own, the others their instant's alarm. */
export interface QueuedStep {
  id: string;
  clinicId: string;
  dueAt: Date;
  /** Only `sending` matters here: a step tried before has no part in its instant's batch. */
  state?: string;
}

/**
 * One delayed alarm per (partition, due instant) among the steps, and a job of its own per step
 * already `sending`. Ids come from the instant and the step, so adding them again is a no-op.
 */
export async function enqueueSteps(queues: Queues, steps: QueuedStep[], now: Date): Promise<void> {
  if (steps.length === 0) return;
  const byQueue = new Map<StepsQueue, Map<string, StepsJob>>();
  const dueNow: Array<{ queue: StepsQueue; alarm: StepsJob }> = [];
  for (const s of steps) {
    const queue = queues.stepsOf(s.clinicId);
    const jobs = byQueue.get(queue) ?? new Map<string, StepsJob>();
    byQueue.set(queue, jobs);
    const delay = Math.max(0, s.dueAt.getTime() - now.getTime());
    if (s.state === 'sending') jobs.set(s.id, { name: 'send', data: { stepId: s.id }, opts: { ...queues.jobOptions, jobId: s.id, delay } });
    else {
      const id = dueJobId(s.dueAt);
      if (jobs.has(id)) continue;
      const alarm: StepsJob = { name: 'due', data: { dueAt: s.dueAt.toISOString() }, opts: { ...queues.jobOptions, jobId: id, delay } };
      jobs.set(id, alarm);
      if (delay === 0) dueNow.push({ queue, alarm });
    }
  }
  await Promise.all([...byQueue].map(([queue, jobs]) => queue.addBulk([...jobs.values()])));
  await Promise.all(dueNow.map(({ queue, alarm }) => awaitedAlarm(queue, alarm)));
}

type StepsJob = Parameters<StepsQueue['addBulk']>[0][number];

/**
 * An instant already due may have its alarm running, past its last claim: adding it again is then
 * a no-op and would leave these steps to the reconciler. Until an alarm of the instant waits to
 * run, the next one is added (`due-<ms>-1`, `-2`...; one that ran meanwhile is added again).
 */
async function awaitedAlarm(queue: StepsQueue, alarm: StepsJob): Promise<void> {
  const base = alarm.opts?.jobId ?? '';
  for (let n = 0, tries = 0; tries < 8; tries++) {
    const id = n === 0 ? base : `${base}-${n}`;
    const state = await queue.getJobState(id);
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') return;
    if (state === 'active' || state === 'completed' || state === 'failed') n++;
    await queue.add(alarm.name, alarm.data, { ...alarm.opts, jobId: n === 0 ? base : `${base}-${n}` });
  }
}

/**
 * A step that failed in its batch goes on alone as a job of its own, with the retries its batch
 * attempt leaves (the first of them after the first backoff), as if its own job had failed once.
 */
export async function enqueueStepRetry(queues: Queues, step: { id: string; clinicId: string }, failure?: { code: string; message: string }): Promise<void> {
  const { attempts = 1, backoff } = queues.jobOptions;
  const base = typeof backoff === 'object' ? (backoff.delay ?? 0) : 0;
  const delay = failure ? 0 : Math.round(base * (0.5 + Math.random() * 0.5));
  await queues.stepsOf(step.clinicId).add('send', { stepId: step.id, ...(failure ? { failure } : {}) },
    { ...queues.jobOptions, jobId: step.id, delay, attempts: failure ? 1 : Math.max(1, attempts - 1) });
}

export async function enqueueFallback(queues: Queues, job: FallbackJob): Promise<void> {
  await queues.steps.add('fallback', job, { ...queues.jobOptions, jobId: `${job.stepId}-fallback-${job.channel}` });
}

export async function enqueueReplyWindow(queues: Queues, job: ReplyWindowJob, at: Date, now: Date): Promise<void> {
  await queues.steps.add('reply-window', job, {
    ...queues.jobOptions, jobId: `${job.stepId}-window${job.round}`, delay: Math.max(0, at.getTime() - now.getTime()),
  });
}

/** One job per notification round; the id makes a repeated raise or reconcile a no-op. */
export async function enqueueNotice(queues: Queues, job: NoticeJob, at?: Date, now = new Date()): Promise<void> {
  await queues.escalations.add('notify', job, {
    ...queues.jobOptions, jobId: `${job.escalationId}-round${job.round}`, delay: at ? Math.max(0, at.getTime() - now.getTime()) : 0,
  });
}

/** Once per acknowledgement; a call that started ringing meanwhile hears "already acknowledged" if answered. */
export async function enqueueEndCalls(queues: Queues, escalationId: string): Promise<void> {
  await queues.escalations.add('end-calls', { escalationId }, { ...queues.jobOptions, jobId: `${escalationId}-end-calls` });
}

/** The notification id is the job id: storing and enqueuing again adds nothing. */
export async function enqueueEhrIntake(queues: Queues, notificationIds: string[]): Promise<void> {
  if (notificationIds.length === 0) return;
  await queues.ehrIntake.addBulk(notificationIds.map((id) => ({ name: 'intake', data: { notificationId: id }, opts: { ...queues.jobOptions, jobId: id } })));
}

export async function enqueueRemsReminders(queues: Queues, planIds: string[]): Promise<void> {
  if (planIds.length === 0) return;
  await queues.ehrIntake.addBulk(planIds.map((planId) => ({ name: 'rems-reminder', data: { planId }, opts: { ...queues.jobOptions, jobId: `${planId}-rems` } })));
}

/** One job per outbound webhook delivery, due at `at`; the delivery id is the job id, so queuing it again adds nothing. */
export async function enqueueWebhooks(queues: Queues, deliveries: Array<{ id: string; at?: Date }>, now = new Date()): Promise<void> {
  if (deliveries.length === 0) return;
  await queues.webhooks.addBulk(deliveries.map((d) => ({ name: 'deliver', data: { deliveryId: d.id },
    opts: { ...lean, jobId: d.id, delay: d.at ? Math.max(0, d.at.getTime() - now.getTime()) : 0 } })));
}
