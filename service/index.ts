import { existsSync } from 'node:fs';
import type { RedisClient } from '../lib/redis.ts';
import { Duration } from 'luxon';
import { openClinicDirectory } from '../config/clinic-directory.ts';
import { loadClinics, type Clinics } from '../config/clinics.ts';
import type { Env } from '../config/env.ts';
import { serverSecret, unsubscribeKey } from '../config/server-secret.ts';
import { openChannels, type Channels } from '../channels/index.ts';
import { ConfigError } from '../lib/errors.ts';
import { ensureRedis, type LocalRedis } from '../lib/local-redis.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { createMetrics, type Metrics } from '../lib/metrics.ts';
import { enqueueFallback, openQueues, type Queues } from '../lib/queues.ts';
import { clusterNodes, connectRedis } from '../lib/redis.ts';
import { sendRate } from '../lib/send-rate.ts';
import { callLimit } from '../lib/call-rate.ts';
import { checkRedisPolicy } from '../lib/redis-policy.ts';
import { createAcceptor, type Accepted } from '../producers/accept-event.ts';
import { drainInboundSpool, openInboundSpool } from '../producers/inbound-spool.ts';
import { receiveReply } from '../producers/receive-reply.ts';
import { localSecret } from '../lib/local-secret.ts';
import { fieldKeys } from '../config/field-keys.ts';
import Fastify from 'fastify';
import { operations } from '../producers/http/operations.ts';
import { buildServer } from '../producers/http/server.ts';
import { startMllpListener, type MllpListener } from '../producers/hl7/mllp-listener.ts';
import { openDb, type Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { startWorkers, type RunningWorkers } from '../workers/index.ts';

export type Role = 'all' | 'api' | 'worker' | 'client';

export interface ServiceOptions {
  env: Env;
  role: Role;
  log?: Logger;
  clinics?: Clinics;
  /** PostgreSQL schema to live in; tests give each test its own. */
  dbSchema?: string;
  now?: () => Date;
}

export interface Service {
  env: Env;
  db: Db;
  redis: RedisClient;
  queues: Queues;
  clinics: Clinics;
  channels: Channels;
  metrics: Metrics;
  log: Logger;
  /** CLAIM_TIMEOUT in milliseconds: what a send's dispatcher is given. */
  claimTimeoutMs: number;
  /** SCHEDULE_HORIZON: steps due later than this from now wait in PostgreSQL only. */
  scheduleHorizon: string;
  server?: ReturnType<typeof buildServer>;
  workers?: RunningWorkers;
  /** The HL7v2 MLLP listener, when HL7_MLLP_PORT is set. */
  mllp?: MllpListener;
  /** The library path: the same acceptance as POST /v1/events, for the event's own clinic. */
  accept(event: unknown): Promise<Accepted>;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens what a role needs, in order: configuration, database (migrated), Redis, then the API
 * and/or workers. `close()` undoes it in reverse: stop taking work, finish what is in flight.
 */
export async function openService(options: ServiceOptions): Promise<Service> {
  const { env, role } = options;
  const log = options.log ?? createLogger({ level: env.LOG_LEVEL });
  // A clinic file that is there must be valid (refused at once, before the database opens); one
  // that is not is needed only by a database without clinics.
  const fileClinics = options.clinics || !existsSync(env.CLINICS_FILE) ? undefined : loadClinics(env.CLINICS_FILE);
  if (!env.DATABASE_URL && (role === 'worker' || role === 'api'))
    throw new ConfigError(`"aftercare ${role}" runs beside other processes, and the embedded database serves one process only: set DATABASE_URL to a PostgreSQL server (or use "aftercare start").`);

  const schema = options.dbSchema ?? env.DATABASE_SCHEMA;
  const fields = fieldKeys(env);
  const db = await openDb(env.DATABASE_URL ? { url: env.DATABASE_URL, schema, fields } : { dataDir: env.DATA_DIR, schema, fields });
  const closers: Array<() => Promise<unknown>> = [() => db.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err) => log.warn({ err: (err as Error).message }, 'close failed'));
  };
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'database migrated');
    // Clinics live in the database; the clinic file (or the clinics given) seeds a fresh one.
    const given = options.clinics ?? fileClinics;
    const directory = given && !given.documents ? undefined
      : await openClinicDirectory({ db, log, now: options.now, seed: () => (given ?? loadClinics(env.CLINICS_FILE)).documents?.() ?? [] });
    if (directory) closers.push(() => directory.close());
    const clinics: Clinics = directory ?? given!;
    const nodes = clusterNodes(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
    const local: LocalRedis = await ensureRedis(env.REDIS_URL, env.DATA_DIR, log, nodes ? 'never' : env.START_LOCAL_REDIS, nodes);
    if (local.stop) closers.push(local.stop);
    // Producers fail fast when Redis is away (the event is safe in PostgreSQL); workers wait for it.
    const redis = connectRedis(local.url, 'producer', nodes);
    redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
    closers.push(() => redis.quit());
    await checkRedisPolicy(redis, log);
    const retry = { attempts: env.SEND_ATTEMPTS, backoffMs: Duration.fromISO(env.SEND_BACKOFF).toMillis() };
    const queueError = (err: Error, queue: string) => log.warn({ queue, err: err.message }, 'queue error');
    const queues = openQueues(redis, env.QUEUE_PREFIX, retry, queueError, env.QUEUE_PARTITIONS);
    closers.push(() => queues.close());
    const secret = serverSecret(env);
    if (!env.SESSION_SECRET && (role === 'api' || role === 'worker'))
      log.warn({ role }, 'SESSION_SECRET unset: signing with the secret in DATA_DIR; every API and worker process must share it');
    if (!env.FIELD_KEYS && (role === 'api' || role === 'worker'))
      log.warn({ role }, 'FIELD_KEYS unset: reply texts are encrypted with the key in DATA_DIR; every API and worker process must share it');
    const channels = openChannels(env, log, sendRate(redis, `${env.QUEUE_PREFIX}:sms-rate`, env.SMS_RATE_PER_SECOND), unsubscribeKey(secret), callLimit(redis, env.QUEUE_PREFIX, { perMinute: env.CALLS_PER_NUMBER_PER_MINUTE }));
    closers.push(() => channels.close());
    const metrics = createMetrics();
    log.info({ database: db.kind, smsTransport: channels.sms.provider, emailTransport: channels.email.provider, voiceTransport: channels.voice.provider, role }, 'aftercare ready');

    const claimTimeoutMs = Duration.fromISO(env.CLAIM_TIMEOUT).toMillis();
    // Seals inbound SMS kept in Redis and the webhook endpoints' signing secrets.
    const dataKey = role === 'client' ? undefined : env.DATA_KEY ? Buffer.from(env.DATA_KEY, 'base64') : localSecret(env.DATA_DIR, 'data');
    const webhooks = dataKey && { dataKey, timeoutMs: Duration.fromISO(env.WEBHOOK_TIMEOUT).toMillis(),
      backoffMs: Duration.fromISO(env.WEBHOOK_BACKOFF).toMillis(), retryForMs: Duration.fromISO(env.WEBHOOK_RETRY_FOR).toMillis(),
      allowPrivateNetworks: env.WEBHOOK_PRIVATE_NETWORKS === 'allow' };
    const scheduleHorizon = env.SCHEDULE_HORIZON;
    const deps = { db, redis, queues, clinics, channels, metrics, log, now: options.now, claimTimeoutMs, scheduleHorizon };
    const accept = createAcceptor(deps);
    let workers: RunningWorkers | undefined;
    if (role === 'all' || role === 'worker') {
      const workerRedis = connectRedis(local.url, 'worker', nodes);
      workerRedis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
      closers.push(() => workerRedis.quit());
      const workerQueues = openQueues(workerRedis, env.QUEUE_PREFIX, retry, queueError, env.QUEUE_PARTITIONS);
      closers.push(() => workerQueues.close());
      const running = await startWorkers({
        ...deps, redis: workerRedis, queues: workerQueues,
        concurrency: env.WORKER_CONCURRENCY, sendConcurrency: env.SEND_CONCURRENCY, reconcileEvery: env.RECONCILE_EVERY,
        stallAfterMs: Duration.fromISO(env.LIVENESS_STALL_AFTER).toMillis(),
        accept,
        webhooks,
      });
      closers.push(() => running.close());
      workers = running;
    }
    const serves = role === 'all' || role === 'api';
    // Inbound SMS kept while PostgreSQL is away are sealed; the process serving the webhook drains them.
    const inboundSpool = serves && dataKey ? openInboundSpool(redis, env.QUEUE_PREFIX, dataKey) : undefined;
    if (dataKey && inboundSpool) {
      closers.push(() => inboundSpool.close());
      const drainRedis = connectRedis(local.url, 'worker', nodes);
      drainRedis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
      closers.push(() => drainRedis.quit());
      const drain = drainInboundSpool({ connection: drainRedis, prefix: env.QUEUE_PREFIX, key: dataKey, log,
        receive: (sms) => receiveReply(deps, sms, { late: true }) });
      // Forced: after a Redis outage a graceful close can wait forever on the drain's blocking
      // connection, and a message cut short is received again from Redis (receiving is idempotent).
      closers.push(() => drain.close(true));
    }
    const server = serves
      ? buildServer({
          inboundSpool,
          ...deps,
          accept,
          liveness: workers?.liveness,
          apiRatePerMinute: env.API_RATE_PER_MINUTE,
          secret,
          trustedProxies: env.TRUSTED_PROXIES,
          operationsToken: env.OPERATIONS_TOKEN,
          operatorKeySha256: env.OPERATOR_API_KEY_SHA256,
          webhooks: webhooks && { dataKey: webhooks.dataKey, allowPrivateNetworks: webhooks.allowPrivateNetworks },
          operator: env.OPERATOR_USERNAME && env.OPERATOR_PASSWORD_HASH ? { username: env.OPERATOR_USERNAME, passwordHash: env.OPERATOR_PASSWORD_HASH } : undefined,
          twilio: {
            authToken: env.TWILIO_AUTH_TOKEN,
            publicBaseUrl: env.PUBLIC_BASE_URL,
            // Durable: the fallback is a job, so a crash after the report cannot lose it.
            onUndelivered: async (d) => {
              if (d.channel === 'sms') await enqueueFallback(queues, { stepId: d.stepId, channel: 'email' });
            },
          },
        })
      : undefined;
    if (server) closers.push(() => server.close());
    const mllp = server && env.HL7_MLLP_PORT !== undefined
      ? await startMllpListener({ ...deps, accept }, { port: env.HL7_MLLP_PORT, host: env.HOST })
      : undefined;
    if (mllp) closers.push(() => mllp.close());
    // A worker-only process has no API; an orchestrator still needs its health and metrics.
    const health = role === 'worker' && env.HEALTH_PORT !== undefined
      ? Fastify({ logger: false }).register(operations, { ...deps, liveness: workers?.liveness, operationsToken: env.OPERATIONS_TOKEN })
      : undefined;
    if (health) {
      await health.listen({ port: env.HEALTH_PORT, host: env.HOST });
      closers.push(() => health.close());
    }

    return {
      env, db, redis, queues, clinics, channels, metrics, log, claimTimeoutMs, scheduleHorizon, server, workers, mllp,
      accept: (event) => accept(event),
      async listen() {
        if (!server) throw new Error(`role ${role} serves no HTTP`);
        return server.listen({ port: env.PORT, host: env.HOST });
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
