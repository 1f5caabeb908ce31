import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchApiKey, benchClinic, futurePlan, sessionEvent } from '../clinic.ts';
import { benchVars, dropSchema, newTag, type BenchContext } from '../harness.ts';
import { deleteKeys } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { spawnTsx, waitForChild, type Child } from '../processes.ts';
import { freePort } from '../redis-server.ts';
import { medians, round } from '../stats.ts';

interface Load {
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

/** autocannon at 50 connections on POST /v1/events, each request a new event id. */
async function load(port: number, seconds: number): Promise<Load> {
  const run = newTag();
  const endedAt = new Date().toISOString();
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 50,
    duration: seconds,
    requests: [{
      method: 'POST',
      path: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${benchApiKey}` },
      setupRequest: (request) => ({ ...request, body: JSON.stringify(sessionEvent(run, next++, endedAt)) }),
    }],
  });
  return {
    eventsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function ready(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return response.status === 200;
}

/**
 * `schedule` over HTTP: `aftercare api` in its own process (as deployed beside workers) against a
 * bare Fastify + BullMQ route, both at 50 connections with unique event ids.
 */
export async function httpCase(ctx: BenchContext, opts: BenchOptions): Promise<Record<string, unknown>> {
  const tag = newTag();
  const clinicsFile = join(ctx.tmpDir, `clinics-${tag}.json`);
  writeFileSync(clinicsFile, JSON.stringify({ clinics: [benchClinic(futurePlan)] }));
  const [apiPort, rawPort] = [await freePort(), await freePort()];
  const vars = benchVars(ctx, tag, { CLINICS_FILE: clinicsFile, PORT: String(apiPort), HOST: '127.0.0.1' });
  ctx.schemas.add(vars.DATABASE_SCHEMA!);
  const rawPrefix = `{raw-${tag}}`;
  const children: Child[] = [];
  try {
    const api = spawnTsx(ctx, 'bin/aftercare.ts', ['api'], vars);
    children.push(api);
    const raw = spawnTsx(ctx, 'bench/raw-http-server.ts', [ctx.redisUrl, rawPrefix, String(rawPort)], {});
    children.push(raw);
    await waitForChild(api, 'aftercare api', () => ready(apiPort));
    await waitForChild(raw, 'raw http server', () => ready(rawPort));
    const seconds = opts.sizes.httpSeconds;
    await load(rawPort, opts.quick ? 1 : 2); // warm-up of both processes and of autocannon
    await load(apiPort, opts.quick ? 1 : 2);
    const runs: Array<Record<string, number>> = [];
    for (let r = 0; r < opts.repeats; r++) {
      const rawRun = await load(rawPort, seconds);
      const apiRun = await load(apiPort, seconds);
      runs.push({
        eventsPerSecond: apiRun.eventsPerSecond, p50Ms: apiRun.p50Ms, p99Ms: apiRun.p99Ms, maxMs: apiRun.maxMs, errors: apiRun.errors,
        rawEventsPerSecond: rawRun.eventsPerSecond, rawP99Ms: rawRun.p99Ms, rawErrors: rawRun.errors,
        ratio: apiRun.eventsPerSecond / rawRun.eventsPerSecond,
      });
    }
    const m = medians(runs);
    return {
      process: 'aftercare api (own process), LOG_LEVEL=warn',
      connections: 50,
      secondsPerRun: seconds,
      repeats: runs.length,
      eventsPerSecond: round(m.eventsPerSecond!),
      p50Ms: m.p50Ms,
      p99Ms: m.p99Ms,
      maxMs: m.maxMs,
      rawEventsPerSecond: round(m.rawEventsPerSecond!),
      rawP99Ms: m.rawP99Ms,
      ratio: round(m.ratio!, 3),
      errors: runs.reduce((a, r) => a + (r.errors ?? 0), 0),
      runs: runs.map((r) => ({ eps: round(r.eventsPerSecond!), p99Ms: r.p99Ms, raw: round(r.rawEventsPerSecond!), ratio: round(r.ratio!, 3) })),
    };
  } finally {
    for (const child of children) await child.stop();
    await dropSchema(ctx, vars.DATABASE_SCHEMA!);
    await deleteKeys(ctx.redis, `${vars.QUEUE_PREFIX!}*`);
    await deleteKeys(ctx.redis, `${rawPrefix}*`);
  }
}
