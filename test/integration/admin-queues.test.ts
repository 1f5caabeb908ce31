import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { hashPassword } from '../../lib/passwords.ts';
import { buildServer } from '../../producers/http/server.ts';
import { startPipeline, type TestPipeline } from '../support/pipeline.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const operator = { username: 'operator', password: 'correct horse battery staple' };

let p: TestPipeline;
beforeAll(async () => {
  // Configured the way production is: through the environment.
  p = await startPipeline({
    role: 'api',
    env: { OPERATOR_USERNAME: operator.username, OPERATOR_PASSWORD_HASH: await hashPassword(operator.password) },
  });
});
afterAll(async () => {
  await p?.dispose();
});

const get = (url: string, authorization?: string) =>
  p.server!.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

describe('/admin/queues', () => {
  it.each([
    ['no credentials', undefined],
    ['a wrong password', basic(operator.username, 'wrong horse')],
    ['a wrong user name', basic('admin', operator.password)],
    ['a bearer token', 'Bearer test-key-clinic-a'],
  ])('answers 401 with a Basic challenge for %s', async (_name, authorization) => {
    const res = await get('/admin/queues', authorization);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(res.json().error.code).toBe('unauthenticated');
    expect(res.body).not.toContain('__UI_CONFIG__');
  });

  it('serves the bull-board dashboard to the operator', async () => {
    const res = await get('/admin/queues', basic(operator.username, operator.password));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('__UI_CONFIG__');
    expect(res.body).toContain('<base href="/admin/queues/"');
    expect(res.body).toContain('<title>Aftercare queues</title>');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(res.body)?.[1];
    expect(script).toBeDefined();
    const asset = await get(`/admin/queues/${script}`, basic(operator.username, operator.password));
    expect(asset.statusCode).toBe(200);
  });

  it("lists the service's four queues in the dashboard's API", async () => {
    const res = await get('/admin/queues/api/queues', basic(operator.username, operator.password));
    expect(res.statusCode).toBe(200);
    const { queues } = z.object({ queues: z.array(z.object({ name: z.string() })) }).parse(res.json());
    const names = queues.map((q) => q.name).sort();
    expect(names).toEqual(['escalations', 'events', 'maintenance', 'steps']);
  });

  it('refuses a change sent from another site, and leaves the queue running', async () => {
    const res = await p.server!.inject({
      method: 'PUT', url: '/admin/queues/api/queues/events/pause',
      headers: { authorization: basic(operator.username, operator.password), origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(res.statusCode).toBe(403);
    expect(await p.queues.events.isPaused()).toBe(false);
  });

  it('lets the dashboard itself pause and resume a queue', async () => {
    const put = (action: string) => p.server!.inject({
      method: 'PUT', url: `/admin/queues/api/queues/events/${action}`,
      headers: { authorization: basic(operator.username, operator.password), host: 'ops.example:3000', origin: 'http://ops.example:3000', 'sec-fetch-site': 'same-origin' },
    });
    expect((await put('pause')).statusCode).toBeLessThan(300);
    expect(await p.queues.events.isPaused()).toBe(true);
    expect((await put('resume')).statusCode).toBeLessThan(300);
    expect(await p.queues.events.isPaused()).toBe(false);
  });

  it('is not mounted at all without operator credentials', async () => {
    const server = buildServer({
      db: p.db, redis: p.redis, queues: p.queues, clinics: p.clinics, log: createLogger({ level: 'silent' }), metrics: createMetrics(),
    });
    for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await server.inject({ method: 'GET', url, headers: { authorization: basic(operator.username, operator.password) } });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not-found');
    }
    await server.close();
  });
});
