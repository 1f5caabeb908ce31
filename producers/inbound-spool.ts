import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import { AftercareError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { inboundJobSchema, queueNames, type InboundJob } from '../lib/queues.ts';
import type { RedisClient } from '../lib/redis.ts';
import { seal, unseal } from '../lib/seal.ts';
import type { InboundSms } from './receive-reply.ts';

// While PostgreSQL is away an inbound SMS waits in Redis, sealed, as a BullMQ job whose id is its
// MessageSid (Twilio never re-delivers an inbound message, so this copy is the only one). The
// process that serves the webhook drains it into PostgreSQL once it answers again.

const smsSchema = z.strictObject({ sid: z.string().min(1), from: z.string().min(1), to: z.string().optional(), body: z.string() });
// How often to look again while PostgreSQL is still away: a delay, not an attempt, so no outage is too long.
const recheckMs = 1_000;

export interface InboundSpool {
  /** Keeps the message until PostgreSQL answers; the same MessageSid twice is kept once. */
  keep(sms: InboundSms): Promise<void>;
  /** Removes every kept message from this number (an erased patient's); answers how many. */
  forget(phone: string): Promise<number>;
  close(): Promise<void>;
}

export function openInboundSpool(connection: RedisClient, prefix: string, key: Buffer): InboundSpool {
  const queue = new Queue<InboundJob>(queueNames.inbound, { connection, prefix });
  queue.on('error', () => {}); // a Redis outage shows as the keep() that fails
  return {
    async keep(sms) {
      // MessageSid is SM/MM and 32 hex digits: no ':' and never all digits, a valid job id as it is.
      await queue.add('receive', { sealed: seal(key, JSON.stringify(sms)) }, {
        jobId: `inbound-${sms.sid}`, attempts: 5, backoff: { type: 'exponential', delay: 2_000 },
        removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 },
      });
    },
    async forget(phone) {
      let removed = 0;
      // A message being received right now is locked by its worker and lands in PostgreSQL, where erasure already ran or will.
      for (const job of await queue.getJobs(['waiting', 'delayed', 'prioritized', 'failed'])) {
        const data = inboundJobSchema.safeParse(job?.data);
        if (!job || !data.success) continue;
        let from: string | undefined;
        try {
          from = smsSchema.safeParse(JSON.parse(unseal(key, data.data.sealed))).data?.from;
        } catch {
          continue; // sealed under another key: not ours to read
        }
        if (from === phone && (await job.remove().then(() => true, () => false))) removed++;
      }
      return removed;
    },
    close: () => queue.close(),
  };
}

/** Drains kept messages through `receive` (the webhook's own path), one at a time per process. */
export function drainInboundSpool(deps: {
  connection: RedisClient;
  prefix: string;
  key: Buffer;
  log: Logger;
  receive: (sms: InboundSms) => Promise<unknown>;
}): Worker<InboundJob> {
  const log = deps.log.child({ component: 'inbound-spool' });
  const worker = new Worker<InboundJob>(queueNames.inbound, async (job: Job<InboundJob>, token?: string) => {
    const sms = smsSchema.parse(JSON.parse(unseal(deps.key, inboundJobSchema.parse(job.data).sealed)));
    try {
      await deps.receive(sms);
    } catch (err) {
      if (!(err instanceof AftercareError && err.code === 'database-unavailable')) throw err;
      await job.moveToDelayed(Date.now() + recheckMs, token);
      throw new DelayedError();
    }
    log.info({ replyId: sms.sid }, 'kept inbound SMS received');
  }, { connection: deps.connection, prefix: deps.prefix, concurrency: 1, lockDuration: 10_000, stalledInterval: 5_000 });
  // Codes, not messages: a driver's message may quote the values it was given.
  worker.on('failed', (job, err) => log.error({ jobId: job?.id, attemptsMade: job?.attemptsMade, reason: (err as { code?: string }).code ?? err.name }, 'kept inbound SMS failed'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'inbound spool error'));
  return worker;
}
