import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from './server.ts';

/** Liveness, readiness and Prometheus metrics for the operator. */
export async function operations(api: FastifyInstance, deps: ServerDeps): Promise<void> {
  api.get('/healthz', async () => ({ status: 'ok' }));

  api.get('/readyz', async (_req, reply) => {
    const checks = { database: false, redis: false };
    await Promise.all([
      deps.db.query('SELECT 1').then(() => { checks.database = true; }, () => {}),
      deps.redis.ping().then((r) => { checks.redis = r === 'PONG'; }, () => {}),
    ]);
    const ready = checks.database && checks.redis;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  api.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
