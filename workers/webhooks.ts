import { DelayedError, Worker, type Job } from 'bullmq';
import { DateTime } from 'luxon';
import { Webhook } from 'standardwebhooks';
import { fetch, type Agent, type Response } from 'undici';
import type { Logger } from '../lib/logger.ts';
import { isPrivateHostLiteral, receiverAgent } from '../lib/receiver-address.ts';
import { enqueueWebhooks, queueNames, webhookJobSchema, type Queues } from '../lib/queues.ts';
import type { RedisClient } from '../lib/redis.ts';
import { SealError, unseal } from '../lib/seal.ts';
import type { Db } from '../store/db.ts';
import { loadDeliveryToSend, pendingWebhookDeliveries, recordWebhookAttempt, type DeliveryToSend } from '../store/webhook-deliveries.ts';
import { JobFailure } from './job-failure.ts';

/** How outbound webhooks are sent: WEBHOOK_TIMEOUT, WEBHOOK_BACKOFF and WEBHOOK_RETRY_FOR, and the key their secrets are sealed with. */
export interface WebhookOptions {
  dataKey: Buffer;
  timeoutMs: number;
  /** The wait after the first failed attempt; it doubles after each one, up to an hour. */
  backoffMs: number;
  /** How long a delivery is retried before it is given up (24 h). */
  retryForMs: number;
  /** WEBHOOK_PRIVATE_NETWORKS=allow: receivers on loopback and private networks may be called. */
  allowPrivateNetworks: boolean;
}

export interface WebhookDeps {
  db: Db;
  log: Logger;
  now?: () => Date;
  webhooks: WebhookOptions;
}

export type WebhookOutcome = { state: 'delivered' | 'failed' | 'unchanged' | 'gone' } | { state: 'later'; at: Date };

const maxBackoffMs = 3_600_000;
// A job queued inside the emitting transaction may run before it commits: it looks again for this long.
const commitWaitMs = 30_000;
const commitPollMs = 200;
const excerptChars = 200;

/**
 * One attempt at one delivery: signed with the endpoint's secret (Standard Webhooks), POSTed with a
 * timeout, and stored with its outcome. A 2xx delivers it; anything else, or no answer, tries again
 * after an exponential backoff until WEBHOOK_RETRY_FOR has passed since it was owed, then gives up.
 */
export async function deliverWebhook(deps: WebhookDeps, deliveryId: string, queuedAt: Date): Promise<WebhookOutcome> {
  const now = deps.now?.() ?? new Date();
  const delivery = await loadDeliveryToSend(deps.db, deliveryId);
  if (!delivery) return now.getTime() - queuedAt.getTime() < commitWaitMs ? { state: 'later', at: new Date(now.getTime() + commitPollMs) } : { state: 'gone' };
  if (delivery.status !== 'pending') return { state: 'unchanged' };
  // Queued again by the reconciler, or replayed, while a backoff still runs: wait for it.
  if (delivery.nextAttemptAt.getTime() > now.getTime() + 1_000) return { state: 'later', at: delivery.nextAttemptAt };
  const log = deps.log.child({ clinicId: delivery.clinicId, deliveryId, endpointId: delivery.endpointId, type: delivery.eventType });
  const attempt = delivery.enabled ? await post(deps, delivery, now) : { statusCode: null, error: 'endpoint-disabled', durationMs: 0, responseExcerpt: null };
  const delivered = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
  const giveUpAt = DateTime.fromJSDate(delivery.owedSince).plus({ milliseconds: deps.webhooks.retryForMs }).toJSDate();
  const wait = Math.min(deps.webhooks.backoffMs * 2 ** delivery.attempts, maxBackoffMs);
  const nextAttemptAt = new Date(Math.min(now.getTime() + wait, giveUpAt.getTime()));
  const outcome = delivered ? { status: 'delivered' as const }
    : now.getTime() >= giveUpAt.getTime() ? { status: 'failed' as const } : { status: 'pending' as const, nextAttemptAt };
  await recordWebhookAttempt(deps.db, { deliveryId, attemptedAt: now, ...attempt }, outcome);
  if (outcome.status === 'delivered') log.info({ statusCode: attempt.statusCode, attempts: delivery.attempts + 1 }, 'webhook delivered');
  else if (outcome.status === 'failed') log.warn({ statusCode: attempt.statusCode, error: attempt.error, attempts: delivery.attempts + 1 }, 'webhook given up');
  else log.info({ statusCode: attempt.statusCode, error: attempt.error, retryAt: nextAttemptAt.toISOString() }, 'webhook attempt failed; retrying');
  return outcome.status === 'pending' ? { state: 'later', at: nextAttemptAt } : { state: outcome.status };
}

async function post(deps: WebhookDeps, delivery: DeliveryToSend, now: Date) {
  let secret: string;
  try {
    secret = unseal(deps.webhooks.dataKey, delivery.secretSealed);
  } catch (err) {
    // Sealed under another DATA_KEY: nothing can be signed until the key is put back, and retrying says so.
    if (err instanceof SealError) return { statusCode: null, error: err.code, durationMs: 0, responseExcerpt: null };
    throw err;
  }
  if (!deps.webhooks.allowPrivateNetworks && isPrivateHostLiteral(new URL(delivery.url).hostname))
    return { statusCode: null, error: 'address-not-allowed', durationMs: 0, responseExcerpt: null };
  const signature = new Webhook(secret).sign(delivery.id, now, delivery.payload);
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(delivery.url, {
      method: 'POST',
      body: delivery.payload,
      // A redirect is an answer that is not 2xx: the receiver's own URL is the one configured.
      redirect: 'manual',
      dispatcher: receiversOf(deps.webhooks),
      signal: AbortSignal.timeout(deps.webhooks.timeoutMs),
      headers: {
        'content-type': 'application/json', 'user-agent': 'Aftercare-Webhooks/1',
        'webhook-id': delivery.id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature,
      },
    });
    const responseExcerpt = await excerpt(res);
    return { statusCode: res.status, error: null, durationMs: took(), responseExcerpt };
  } catch (err) {
    return { statusCode: null, error: errorCode(err), durationMs: took(), responseExcerpt: null };
  }
}

const agents = new WeakMap<WebhookOptions, Agent | undefined>();
/** One connection pool per configuration, so keep-alive connections are reused across deliveries. */
function receiversOf(options: WebhookOptions): Agent | undefined {
  if (!agents.has(options)) agents.set(options, receiverAgent(options.allowPrivateNetworks));
  return agents.get(options);
}

/** The start of the answer, no more: a receiver's page is not ours to keep. */
async function excerpt(res: Response): Promise<string | null> {
  const reader = res.body?.getReader();
  if (!reader) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < excerptChars * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, excerptChars);
  return text === '' ? null : text;
}

function errorCode(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  return e.cause?.code ?? e.code ?? e.name ?? 'network-error';
}

/** The webhooks queue's worker: one attempt per run; a retry is the same job, delayed. */
export function startWebhookWorker(deps: WebhookDeps & { redis: RedisClient; queues: Queues }, lock: { lockDuration: number; stalledInterval: number }): Worker {
  return new Worker(
    queueNames.webhooks,
    async (job: Job, token?: string) => {
      const parsed = webhookJobSchema.safeParse(job.data);
      if (!parsed.success) throw new JobFailure('job-malformed', `job ${job.id ?? '?'} on ${job.queueName} has malformed data`);
      const outcome = await deliverWebhook(deps, parsed.data.deliveryId, new Date(job.timestamp));
      if (outcome.state !== 'later') return outcome.state;
      await job.moveToDelayed(outcome.at.getTime(), token);
      throw new DelayedError();
    },
    { connection: deps.redis, prefix: deps.queues.prefix, concurrency: 10, ...lock },
  );
}

/**
 * For the reconciler: pending deliveries whose job is gone (a Redis wipe) get it back, and one
 * whose job failed (PostgreSQL away during it) runs again. Only those due a while ago: a job just
 * due is running.
 */
export async function requeueWebhooks(deps: { db: Db; queues: Queues }, dueBefore: Date, now: Date): Promise<number> {
  let requeued = 0;
  for (const d of await pendingWebhookDeliveries(deps.db, dueBefore, 500)) {
    const job = await deps.queues.webhooks.getJob(d.id);
    if (!job) {
      await enqueueWebhooks(deps.queues, [{ id: d.id }], now);
      requeued++;
    } else if (await job.isFailed()) {
      if (await job.retry('failed').then(() => true, () => false)) requeued++;
    }
  }
  return requeued;
}
