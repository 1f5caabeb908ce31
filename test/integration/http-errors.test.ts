import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClinics } from '../../config/clinics.ts';
import { createLogger } from '../../lib/logger.ts';
import { createMetrics } from '../../lib/metrics.ts';
import { buildServer } from '../../producers/http/server.ts';
import { openDb } from '../../store/db.ts';
import { clinicAKey, clinicBKey, otherClinic, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { freePort } from '../support/redis-server.ts';

let p: TestPipeline;
beforeAll(async () => {
  p = await startPipeline({ role: 'api' });
});
afterAll(async () => {
  await p.dispose();
});

const post = (payload: unknown, headers: Record<string, string> = { authorization: `Bearer ${clinicAKey}` }) =>
  p.server!.inject({ method: 'POST', url: '/v1/events', headers, payload: payload as object });

async function eventCount(): Promise<number> {
  const [row] = await p.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
  return row?.n ?? -1;
}

describe('POST /v1/events errors', () => {
  it.each([
    ['a missing phone for an sms patient', { patient: { ...sessionEvent().patient, phone: undefined } }, 'patient.phone'],
    ['an impossible phone number', { patient: { ...sessionEvent().patient, phone: '12345' } }, 'patient.phone'],
    ['an unknown time zone', { patient: { ...sessionEvent().patient, timezone: 'Mars/Olympus' } }, 'patient.timezone'],
    ['an end time without offset', { session: { id: 's-1', endedAt: '2026-11-23T15:30:00', modality: 'iv' } }, 'session.endedAt'],
    ['an unknown field', { surprise: true }, '(body)'],
    ['an unknown modality', { session: { id: 's-1', endedAt: '2026-11-23T15:30:00Z', modality: 'pill' } }, 'session.modality'],
    ['a session that ended years ago', { session: { id: 's-1', endedAt: '2019-11-23T15:30:00Z', modality: 'iv' } }, 'session.endedAt'],
    ['a session decades ahead (a mistyped year)', { session: { id: 's-1', endedAt: '2062-11-23T15:30:00Z', modality: 'iv' } }, 'session.endedAt'],
  ])('answers 400 naming the field for %s, and stores nothing', async (_name, change, path) => {
    const before = await eventCount();
    const res = await post({ ...sessionEvent(), ...change });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('invalid-input');
    expect(body.error.fields.map((f: { path: string }) => f.path)).toContain(path);
    expect(await eventCount()).toBe(before);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await p.server!.inject({
      method: 'POST', url: '/v1/events', payload: '{"type": "session.', headers: { authorization: `Bearer ${clinicAKey}`, 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid-input');
  });

  it('answers 401 without a key and with an unknown key', async () => {
    expect((await post(sessionEvent(), {})).statusCode).toBe(401);
    const wrong = await post(sessionEvent(), { authorization: 'Bearer not-a-real-key-at-all' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('unauthenticated');
  });

  it("answers 403 when one clinic's key sends another clinic's event", async () => {
    const res = await post(sessionEvent(), { authorization: `Bearer ${clinicBKey}` });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('answers 413 for an oversized body', async () => {
    const res = await post({ ...sessionEvent(), padding: 'x'.repeat(200_000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('body-too-large');
  });

  it('never shows a stack trace or internals', async () => {
    const res = await post({ ...sessionEvent(), clinicId: 42 });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/at .*\.ts:\d+|node_modules|stack/);
  });
});

describe('timeline isolation', () => {
  it("shows a clinic its own patient and hides another clinic's patient as missing", async () => {
    await p.accept(sessionEvent({ patient: { ...sessionEvent().patient, id: 'p-only-a' } }));
    const own = await p.server!.inject({ method: 'GET', url: '/v1/patients/p-only-a/timeline', headers: { authorization: `Bearer ${clinicAKey}` } });
    expect(own.statusCode).toBe(200);
    expect(own.json().entries.length).toBeGreaterThan(0);
    const other = await p.server!.inject({ method: 'GET', url: '/v1/patients/p-only-a/timeline', headers: { authorization: `Bearer ${clinicBKey}` } });
    expect(other.statusCode).toBe(404);
  });
});

describe('plan preview', () => {
  it('returns the resolved schedule in local time and stores nothing', async () => {
    const before = await eventCount();
    const res = await p.server!.inject({
      method: 'POST', url: '/v1/plans/preview', headers: { authorization: `Bearer ${clinicAKey}` },
      payload: sessionEvent({ session: { id: 's-prev', endedAt: '2030-03-01T15:30:00-07:00', modality: 'iv' } }),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.timezone).toBe('America/Denver');
    expect(body.steps.map((s: { key: string }) => s.key)).toEqual(['no-driving', 'no-driving', 'light-meal', 'checkin-24h']);
    expect(body.steps[0].sendAtLocal).toBe('2030-03-01T15:30:00-07:00');
    expect(await eventCount()).toBe(before);
  });
});

describe('database down', () => {
  it('answers 503 and half-writes nothing when PostgreSQL is unreachable', async () => {
    const port = await freePort();
    const deadDb = await openDb({ url: `postgres://postgres@127.0.0.1:${port}/test`, schema: 'public' });
    const server = buildServer({
      db: deadDb, redis: p.redis, queues: p.queues, log: createLogger({ level: 'silent' }), metrics: createMetrics(),
      clinics: resolveClinics({ clinics: [testClinic(), otherClinic()] }),
    });
    const res = await server.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${clinicAKey}` }, payload: sessionEvent() });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('database-unavailable');
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({ database: false, redis: true });
    await server.close();
    await deadDb.close();
  });
});

describe('operations endpoints', () => {
  it('answers healthz, readyz and metrics', async () => {
    expect((await p.server!.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await p.server!.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: true, redis: true, onTime: true } });
    const metrics = await p.server!.inject({ method: 'GET', url: '/metrics' });
    for (const name of ['aftercare_events_accepted_total', 'aftercare_steps_total', 'aftercare_dispatch_lateness_seconds',
      'aftercare_oldest_overdue_step_seconds', 'aftercare_escalations_raised_total', 'aftercare_escalation_time_to_acknowledge_seconds',
      'aftercare_jobs_failed_total']) expect(metrics.body).toContain(`# TYPE ${name}`);
    expect(metrics.body).toMatch(/aftercare_queue_jobs\{queue="steps",state="delayed"\} \d+/);
  });
});

describe('limits and headers', () => {
  it('answers 429 past the per-key rate, counting each API key apart', async () => {
    const server = buildServer({
      db: p.db, redis: p.redis, queues: p.queues, log: createLogger({ level: 'silent' }), metrics: createMetrics(), apiRatePerMinute: 3,
      clinics: resolveClinics({ clinics: [testClinic(), otherClinic()] }),
    });
    const get = (key: string) => server.inject({ method: 'GET', url: '/v1/patients/nobody/timeline', headers: { authorization: `Bearer ${key}` } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await get(clinicAKey)).statusCode);
    expect(codes).toEqual([404, 404, 404, 429]);
    const limited = await get(clinicAKey);
    expect(limited.json().error.code).toBe('rate-limited');
    expect((await get(clinicBKey)).statusCode).toBe(404);
    expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await server.close();
  });

  it('sends security headers and never lets a response be cached', async () => {
    const res = await p.server!.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('clinic isolation', () => {
  it("refuses to preview another clinic's event", async () => {
    const res = await p.server!.inject({ method: 'POST', url: '/v1/plans/preview', headers: { authorization: `Bearer ${clinicBKey}` }, payload: sessionEvent() });
    expect(res.statusCode).toBe(403);
  });

  it("refuses to cancel another clinic's plan, and changes nothing", async () => {
    const before = await eventCount();
    const res = await post({ type: 'plan.cancelled', id: 'cancel-x', clinicId: 'clinic-a', patientId: 'p-123', reference: 's-1' }, { authorization: `Bearer ${clinicBKey}` });
    expect(res.statusCode).toBe(403);
    expect(await eventCount()).toBe(before);
  });

  it('compares API keys against their stored hashes only', async () => {
    // The SHA-256 itself is not a key: presenting the stored hash must not authenticate.
    const hash = (await import('node:crypto')).createHash('sha256').update(clinicAKey).digest('hex');
    expect((await post(sessionEvent(), { authorization: `Bearer ${hash}` })).statusCode).toBe(401);
  });
});
