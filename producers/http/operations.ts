import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { RedisClient } from '../../lib/redis.ts';
import type { Metrics } from '../../lib/metrics.ts';
import type { Queues } from '../../lib/queues.ts';
import type { Db } from '../../store/db.ts';
import { exhaustedEscalations } from '../../store/escalations.ts';
import { countEhrNotifications } from '../../store/ehr-notifications.ts';
import { oldestOverdueSeconds } from '../../store/plans.ts';
import { documentationOnly, openRoute, operatorRoute, ref, textResponse } from './route-schemas.ts';

export interface OperationsDeps {
  db: Db;
  redis: RedisClient;
  queues: Queues;
  metrics: Metrics;
  /** Present when this process runs workers. */
  liveness?: () => Promise<{ ok: boolean; reason?: string }>;
  /** Readiness fails when a step is overdue by more than this. */
  overdueAfterSeconds?: number;
  /** When set, /readyz and /metrics need `Authorization: Bearer <token>`; /healthz stays open for liveness probes. */
  operationsToken?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Compares digests, so neither the token's length nor its prefix shows in the timing. */
function presentsToken(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(sha256(presented), sha256(token));
}

const schemas: Record<'health' | 'readiness' | 'metrics', FastifySchema> = {
  health: { ...openRoute, tags: ['Operations'], operationId: 'health', summary: 'Liveness',
    response: { 200: { description: 'The process answers.', ...ref('Health') }, 503: { description: 'Due jobs stopped moving: restart the process.', ...ref('Health') } } },
  readiness: { ...operatorRoute, tags: ['Operations'], operationId: 'readiness', summary: 'Readiness: PostgreSQL and Redis answer',
    response: { 200: { description: 'Ready.', ...ref('Readiness') }, 503: { description: 'Not ready; `checks` says which store is down.', ...ref('Readiness') } } },
  metrics: { ...operatorRoute, tags: ['Operations'], operationId: 'metrics', summary: 'Prometheus metrics',
    response: { 200: textResponse('text/plain', 'Prometheus text exposition format.') } },
};

const jobStates = ['wait', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** Liveness, readiness and Prometheus metrics for the operator. */
export async function operations(api: FastifyInstance, deps: OperationsDeps): Promise<void> {
  const { operationsToken } = deps;
  documentationOnly(api);
  // Queue depths, failure reasons and which stores answer tell an outsider too much about the service.
  const guarded = operationsToken === undefined ? {} : {
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
      if (presentsToken(req.headers.authorization, operationsToken)) return;
      await reply.status(401).header('www-authenticate', 'Bearer').send({ error: { code: 'unauthenticated', message: 'Send the operations token as "Authorization: Bearer <token>".' } });
    },
  };

  api.get('/healthz', { schema: schemas.health }, async (_req, reply) => {
    const live = (await deps.liveness?.()) ?? { ok: true };
    return reply.status(live.ok ? 200 : 503).send({ status: live.ok ? 'ok' : 'stalled', ...(live.reason ? { reason: live.reason } : {}) });
  });

  api.get('/readyz', { ...guarded, schema: schemas.readiness }, async (_req, reply) => {
    const checks: Record<string, boolean> = { database: false, redis: false };
    let overdueSeconds: number | undefined;
    await Promise.all([
      oldestOverdueSeconds(deps.db).then((s) => { checks.database = true; overdueSeconds = s; }, () => {}),
      deps.redis.ping().then((r) => { checks.redis = r === 'PONG'; }, () => {}),
      deps.liveness?.().then((l) => { checks.workers = l.ok; }),
    ]);
    if (overdueSeconds !== undefined) checks.onTime = overdueSeconds <= (deps.overdueAfterSeconds ?? 300);
    const ready = Object.values(checks).every(Boolean);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  api.get('/metrics', { ...guarded, schema: schemas.metrics }, async (_req, reply) => {
    // Queue depths, overdue age and exhausted escalations are read at scrape time, so they are never stale.
    // A partitioned queue is one depth: the sum over its partitions.
    const queues = [deps.queues.eventPartitions, deps.queues.stepPartitions, [deps.queues.escalations]];
    await Promise.all([
      ...queues.map(async (partitions) => {
        const counts = await Promise.all(partitions.map((q) => q.getJobCounts(...jobStates)));
        for (const state of jobStates) deps.metrics.queueDepth.set({ queue: partitions[0]!.name, state }, counts.reduce((sum, c) => sum + (c[state] ?? 0), 0));
      }),
      oldestOverdueSeconds(deps.db).then((s) => deps.metrics.oldestOverdue.set(s)),
      exhaustedEscalations(deps.db).then((n) => deps.metrics.escalationsExhausted.set(n)),
      countEhrNotifications(deps.db).then((rows) => rows.forEach((r) => deps.metrics.ehrNotifications.set({ source: r.source, status: r.status }, r.count))),
    ]).catch(() => {});
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
