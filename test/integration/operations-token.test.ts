import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.ts';
import { startPipeline, type TestPipeline } from '../support/pipeline.ts';

// Metrics and readiness say how the service runs; with OPERATIONS_TOKEN set only the operator reads them.

const token = 'operations-token-0123456789abcdef';

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

describe('operations endpoints behind OPERATIONS_TOKEN', () => {
  it('answers /metrics and /readyz only with the bearer token, and /healthz to anyone', async () => {
    const p = pipeline = await startPipeline({ env: { OPERATIONS_TOKEN: token } });
    const get = (url: string, authorization?: string) =>
      p.server!.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
    for (const url of ['/metrics', '/readyz']) {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${token}`, `Bearer ${token}x`]) {
        const refused = await get(url, authorization);
        expect(refused.statusCode).toBe(401);
        expect(refused.json().error.code).toBe('unauthenticated');
        expect(refused.body).not.toContain('aftercare_');
      }
    }
    expect((await get('/metrics', `Bearer ${token}`)).body).toContain('# TYPE aftercare_events_accepted_total');
    expect((await get('/readyz', `Bearer ${token}`)).json()).toMatchObject({ status: 'ready' });
    expect((await get('/healthz')).statusCode).toBe(200);
  });

  it('guards the worker\'s HEALTH_PORT the same way', async () => {
    const port = await freePort();
    pipeline = await startPipeline({ role: 'worker', env: { OPERATIONS_TOKEN: token, HEALTH_PORT: String(port) } });
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${path}`, { headers });
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/readyz')).status).toBe(401);
    expect((await get('/metrics', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
  });
});
