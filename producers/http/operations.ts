import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '../../lib/redis.ts';
import type { Metrics } from '../../lib/metrics.ts';
import type { Queues } from '../../lib/queues.ts';
import type { Db } from '../../store/db.ts';
import { exhaustedEscalations } from '../../store/escalations.ts';
import { countEhrNotifications } from '../../store/ehr-notifications.ts';
import { oldestOverdueSeconds } from '../../store/plans.ts';

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

const jobStates = ['wait', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** Liveness, readiness and Prometheus metrics for the operator. */
export async function operations(api: FastifyInstance, deps: OperationsDeps): Promise<void> {
  const { operationsToken } = deps;
  // Queue depths, failure reasons and which stores answer tell an outsider too much about the service.
  const guarded = operationsToken === undefined ? {} : {
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
      if (presentsToken(req.headers.authorization, operationsToken)) return;
      await reply.status(401).header('www-authenticate', 'Bearer').send({ error: { code: 'unauthenticated', message: 'Send the operations token as "Authorization: Bearer <token>".' } });
    },
  };

  api.get('/healthz', async (_req, reply) => {
    const live = (await deps.liveness?.()) ?? { ok: true };
    return reply.status(live.ok ? 200 : 503).send({ status: live.ok ? 'ok' : 'stalled', ...(live.reason ? { reason: live.reason } : {}) });
  });

  api.get('/readyz', guarded, async (_req, reply) => {
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

  api.get('/metrics', guarded, async (_req, reply) => {
    // Queue depths, overdue age and exhausted escalations are read at scrape time, so they are never stale.
    const queues = [deps.queues.events, deps.queues.steps, deps.queues.escalations];
    await Promise.all([
      ...queues.map(async (q) => {
        const counts = await q.getJobCounts(...jobStates);
        for (const state of jobStates) deps.metrics.queueDepth.set({ queue: q.name, state }, counts[state] ?? 0);
      }),
      oldestOverdueSeconds(deps.db).then((s) => deps.metrics.oldestOverdue.set(s)),
      exhaustedEscalations(deps.db).then((n) => deps.metrics.escalationsExhausted.set(n)),
      countEhrNotifications(deps.db).then((rows) => rows.forEach((r) => deps.metrics.ehrNotifications.set({ source: r.source, status: r.status }, r.count))),
    ]).catch(() => {});
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
