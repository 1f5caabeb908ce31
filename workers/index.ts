import { DelayedError, Worker, type Job } from 'bullmq';
import { Duration } from 'luxon';
import type { RedisClient } from '../lib/redis.ts';
import type { Clinics } from '../config/clinics.ts';
import type { Channels } from '../channels/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { dueJobSchema, endCallsJobSchema, ehrIntakeJobSchema, remsJobSchema, eventJobSchema, fallbackJobSchema, noticeJobSchema, queueNames, replyWindowJobSchema, stepJobSchema, type Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import { closeReplyWindow } from './reply-window.ts';
import { takeEhrNotification, type AcceptEvent } from './ehr-intake.ts';
import { sendRemsReminder } from './rems-reminder.ts';
import { dispatchStep } from './dispatcher.ts';
import { batchFailure, sendDueSteps, sendSlots } from './due-batch.ts';
import { dispatchFallback } from './fallback.ts';
import { endRingingCalls, notifyEscalation } from './escalations.ts';
import { JobFailure } from './job-failure.ts';
import { watchLiveness, type Liveness } from './liveness.ts';
import { promoteEveryMs, promoteSteps } from './promoter.ts';
import { reconcile } from './reconciler.ts';
import { retentionEveryMs, runRetention } from './retention.ts';
import { fieldRekeyEveryMs, rekeyFields } from './field-rekey.ts';
import { createExpander } from './scheduler.ts';
import { batchedSendStore } from './send-store.ts';
import { startWebhookWorker, type WebhookOptions } from './webhooks.ts';

export interface WorkerDeps {
  db: Db;
  redis: RedisClient;
  queues: Queues;
  clinics: Clinics;
  channels: Channels;
  log: Logger;
  metrics?: Metrics;
  /** Jobs at once per queue (WORKER_CONCURRENCY); a steps job is a whole batch. */
  concurrency: number;
  /** Sends under way at once across this process's batches (SEND_CONCURRENCY); unset: `concurrency`. */
  sendConcurrency?: number;
  reconcileEvery: string;
  /** SCHEDULE_HORIZON: what is due later waits in PostgreSQL for the promoter. */
  scheduleHorizon: string;
  claimTimeoutMs: number;
  /** Liveness fails when due jobs have not moved for this long. */
  stallAfterMs: number;
  now?: () => Date;
  /** The acceptance path, for events mapped from EHR notifications; without it no EHR intake runs. */
  accept?: AcceptEvent;
  /** Outbound webhooks (workers/webhooks.ts); without it none are sent. */
  webhooks?: WebhookOptions;
}

export interface RunningWorkers {
  workers: Worker[];
  liveness(): Promise<Liveness>;
  close(): Promise<void>;
}

/** Job data is parsed at the boundary like any outside input: a malformed job fails alone. */
function parseJob<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) throw new JobFailure('job-malformed', `job ${job.id ?? '?'} on ${job.queueName} has malformed data`);
  return parsed.data;
}

// A worker that dies holds its jobs until its lock expires (BullMQ's default is 30 s, checked every
// 30 s). Shorter, a crash costs seconds; the lock is renewed every half period while a job runs.
export const jobLock = { lockDuration: 10_000, stalledInterval: 5_000 };

export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const connection = deps.redis;
  const prefix = deps.queues.prefix;
  const log = deps.log.child({ component: 'workers' });

  const expand = createExpander(deps);
  // Many at once, so that events arriving together are expanded in one transaction; one worker per partition, sharing them.
  const eventPartitions = deps.queues.eventPartitions;
  const events = eventPartitions.map((q) => new Worker(
    queueNames.events,
    async (job) => expand(parseJob(eventJobSchema, job)),
    { connection, prefix: q.opts.prefix, concurrency: Math.max(1, Math.ceil(100 / eventPartitions.length)), ...jobLock },
  ));
  // Same job, later: quiet hours began after it was scheduled, or a reminder would land at night.
  const settle = async (job: Job, token: string | undefined, outcome: { state: string; until?: Date }) => {
    if (outcome.state !== 'deferred' || !outcome.until) return outcome.state;
    await job.moveToDelayed(outcome.until.getTime(), token);
    throw new DelayedError();
  };
  // Concurrent sends share their statements (group commit).
  const sending = { ...deps, sends: batchedSendStore(deps.db) };
  const partitions = deps.queues.stepPartitions;
  // The steps of due batches in flight in this process, whatever their partition.
  const slots = sendSlots(deps.sendConcurrency ?? deps.concurrency);
  let closing = false;
  const sendDue = async (job: Job, token: string | undefined, partition: number) => {
    const { dueAt } = parseJob(dueJobSchema, job);
    const result = await sendDueSteps(sending, { dueAt: new Date(dueAt), partition, partitions: partitions.length, slots, stopping: () => closing });
    if (!result.interrupted) return result;
    // Closing with steps still due: the alarm waits for the next worker, losing nothing.
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  };
  const sendStep = async (job: Job, token: string | undefined, partition: number) => {
    if (job.name === 'due') return sendDue(job, token, partition);
    if (job.name === 'fallback') {
      const fallback = parseJob(fallbackJobSchema, job);
      return (await dispatchFallback(sending, fallback.stepId, fallback.channel)).state;
    }
    if (job.name === 'reply-window') return settle(job, token, await closeReplyWindow(sending, parseJob(replyWindowJobSchema, job)));
    const { stepId, failure } = parseJob(stepJobSchema, job);
    if (failure) throw batchFailure(failure);
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // A deferred step waits for the alarm of its new instant.
    return (await dispatchStep(sending, stepId, { finalAttempt })).state;
  };
  // One worker per partition (QUEUE_PARTITIONS), sharing WORKER_CONCURRENCY between them.
  const steps = partitions.map((q, i) => new Worker(queueNames.steps, (job: Job, token?: string) => sendStep(job, token, i),
    { connection, prefix: q.opts.prefix, concurrency: Math.max(1, Math.ceil(deps.concurrency / partitions.length)), ...jobLock }));
  const escalations = new Worker(
    queueNames.escalations,
    async (job) => (job.name === 'end-calls' ? endRingingCalls(deps, parseJob(endCallsJobSchema, job)) : notifyEscalation(deps, parseJob(noticeJobSchema, job))),
    { connection, prefix, concurrency: 10, ...jobLock },
  );
  const maintenance = new Worker(
    queueNames.maintenance,
    async (job) => (job.name === 'retention' ? runRetention(deps)
      : job.name === 'promote' ? promoteSteps(deps)
      : job.name === 'field-rekey' ? rekeyFields(deps)
      : reconcile({ ...deps, every: deps.reconcileEvery })),
    { connection, prefix, concurrency: 1, ...jobLock },
  );
  const accept = deps.accept;
  const ehrIntake = accept
    ? new Worker(
        queueNames.ehrIntake,
        async (job) => job.name === 'rems-reminder'
          ? sendRemsReminder(deps, parseJob(remsJobSchema, job).planId)
          : takeEhrNotification({ ...deps, accept }, parseJob(ehrIntakeJobSchema, job).notificationId, { final: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }),
        { connection, prefix, concurrency: 10, ...jobLock },
      )
    : undefined;
  const webhooks = deps.webhooks ? startWebhookWorker({ ...deps, webhooks: deps.webhooks }, jobLock) : undefined;
  const workers = [...events, ...steps, escalations, maintenance, ...(ehrIntake ? [ehrIntake] : []), ...(webhooks ? [webhooks] : [])];
  for (const w of workers) {
    w.on('failed', (job, err) => {
      const reason = err instanceof JobFailure ? err.code : ((err as { code?: string }).code ?? err.name);
      deps.metrics?.jobsFailed.inc({ queue: w.name, reason });
      log.warn({ queue: w.name, jobId: job?.id, reason, attemptsMade: job?.attemptsMade, err: err.message }, 'job failed');
    });
    // Connection errors are retried by ioredis; they must not crash the process.
    w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  const every = Duration.fromISO(deps.reconcileEvery).toMillis();
  const scheduleReconciler = () => Promise.all([
    deps.queues.maintenance.upsertJobScheduler('reconcile', { every }, { name: 'reconcile', opts: { removeOnComplete: true, removeOnFail: 100 } }),
    deps.queues.maintenance.upsertJobScheduler('retention', { every: retentionEveryMs }, { name: 'retention', opts: { removeOnComplete: true, removeOnFail: 100 } }),
    deps.queues.maintenance.upsertJobScheduler('field-rekey', { every: fieldRekeyEveryMs }, { name: 'field-rekey', opts: { removeOnComplete: true, removeOnFail: 100 } }),
  ]);
  const promoteEvery = promoteEveryMs(deps.scheduleHorizon);
  const schedulePromoter = () =>
    deps.queues.maintenance.upsertJobScheduler('promote', { every: promoteEvery }, { name: 'promote', opts: { removeOnComplete: true, removeOnFail: 100 } });
  await scheduleReconciler();
  await schedulePromoter();
  // And once now: steps that came within the horizon while no worker ran go to Redis at start.
  await deps.queues.maintenance.add('promote', {}, { removeOnComplete: true, removeOnFail: 100 });
  // And texts under an older field key move to the current one, in the background.
  await deps.queues.maintenance.add('field-rekey', {}, { removeOnComplete: true, removeOnFail: 100 });
  // The repeatable jobs live in Redis too: after a wipe, every worker puts them back within one period.
  const keeper = setInterval(() => {
    scheduleReconciler().catch((err: Error) => log.warn({ err: err.message }, 'could not schedule the reconciler'));
    schedulePromoter().catch((err: Error) => log.warn({ err: err.message }, 'could not schedule the promoter'));
  }, Math.min(every, promoteEvery));
  keeper.unref();
  log.info({ concurrency: deps.concurrency, reconcileEvery: deps.reconcileEvery, scheduleHorizon: deps.scheduleHorizon }, 'workers started');
  return {
    workers,
    liveness: watchLiveness(workers, deps.queues, { stallAfterMs: deps.stallAfterMs }),
    async close() {
      clearInterval(keeper);
      closing = true;
      // Stop taking jobs, let the ones in flight finish.
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
