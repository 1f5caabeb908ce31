import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { raiseEscalation } from '../../store/escalations.ts';
import { clinicAKey, clinicBKey, sessionEvent, startPipeline, type TestPipeline } from '../support/pipeline.ts';

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a retried POST gets its first answer and does nothing twice.

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

async function start() {
  pipeline = await startPipeline({ role: 'api' });
  return pipeline;
}

const post = (p: TestPipeline, url: string, payload: unknown, headers: Record<string, string>) =>
  p.server!.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });
const asClinicA = (key: string) => ({ authorization: `Bearer ${clinicAKey}`, 'idempotency-key': `"${key}"` });
const count = async (p: TestPipeline, sql: string, params: unknown[] = []) => Number((await p.db.query<{ n: string }>(sql, params))[0]?.n);

describe('Idempotency-Key', () => {
  it('answers a retried event with the first answer, and accepts the event once', async () => {
    const p = await start();
    const key = randomUUID();
    const event = sessionEvent();
    const first = await post(p, '/v1/events', event, asClinicA(key));
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ eventId: event.id, duplicate: false });

    const again = await post(p, '/v1/events', event, asClinicA(key));
    expect(again.statusCode).toBe(202);
    // The stored answer, byte for byte: without the key the service would have said duplicate: true.
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await count(p, 'SELECT count(*) AS n FROM events')).toBe(1);
  });

  it('refuses the same key with another body (422) and stores nothing of it', async () => {
    const p = await start();
    const key = randomUUID();
    expect((await post(p, '/v1/events', sessionEvent(), asClinicA(key))).statusCode).toBe(202);
    const other = sessionEvent();
    const reused = await post(p, '/v1/events', other, asClinicA(key));
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ error: { code: 'idempotency-key-reused' } });
    expect(await count(p, 'SELECT count(*) AS n FROM events WHERE id = $1', [other.id])).toBe(0);
  });

  it('answers 409 while the first request with the key is still being handled', async () => {
    const p = await start();
    const key = randomUUID();
    const event = sessionEvent();
    expect((await post(p, '/v1/events', event, asClinicA(key))).statusCode).toBe(202);
    // As if the first request had not answered yet.
    await p.db.query('UPDATE idempotency_keys SET status = NULL, body = NULL WHERE key = $1', [key]);
    const inFlight = await post(p, '/v1/events', event, asClinicA(key));
    expect(inFlight.statusCode).toBe(409);
    expect(inFlight.json()).toMatchObject({ error: { code: 'idempotency-key-in-use' } });
    expect(inFlight.headers['retry-after']).toBe('1');
  });

  it('replays an acknowledgement, writing it on the timeline once, and refuses the key for another acknowledger', async () => {
    const p = await start();
    expect((await post(p, '/v1/events', sessionEvent(), { authorization: `Bearer ${clinicAKey}` })).statusCode).toBe(202);
    await raiseEscalation(p.db, { id: 'esc-idem-1', clinicId: 'clinic-a', patientId: 'p-123', kind: 'attention', reason: 'rated the check-in 1 of 5' });
    const key = randomUUID();
    const first = await post(p, '/v1/escalations/esc-idem-1/ack', { by: 'Dr Lee' }, asClinicA(key));
    expect(first.statusCode).toBe(200);
    const again = await post(p, '/v1/escalations/esc-idem-1/ack', { by: 'Dr Lee' }, asClinicA(key));
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(await count(p, "SELECT count(*) AS n FROM timeline WHERE kind = 'escalation.acknowledged'")).toBe(1);
    const other = await post(p, '/v1/escalations/esc-idem-1/ack', { by: 'Nurse Kim' }, asClinicA(key));
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: { code: 'idempotency-key-reused' } });
  });

  it('keeps keys per API key: another clinic may use the same key for its own request', async () => {
    const p = await start();
    const key = randomUUID();
    expect((await post(p, '/v1/events', sessionEvent(), asClinicA(key))).statusCode).toBe(202);
    const theirs = sessionEvent({ clinicId: 'clinic-b' });
    const res = await post(p, '/v1/events', theirs, { authorization: `Bearer ${clinicBKey}`, 'idempotency-key': key });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ eventId: theirs.id, duplicate: false });
  });

  it('frees the key after a refusal a retry may fix (an unknown API key), and refuses a malformed key with 400', async () => {
    const p = await start();
    const key = randomUUID();
    const event = sessionEvent();
    const unknown = await post(p, '/v1/events', event, { authorization: 'Bearer not-a-key-anyone-has', 'idempotency-key': key });
    expect(unknown.statusCode).toBe(401);
    expect(await count(p, 'SELECT count(*) AS n FROM idempotency_keys')).toBe(0);
    const bad = await post(p, '/v1/events', event, { authorization: `Bearer ${clinicAKey}`, 'idempotency-key': 'has spaces in it' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid-input', fields: [{ path: 'Idempotency-Key' }] } });
    expect(await count(p, 'SELECT count(*) AS n FROM events')).toBe(0);
  });

  it('is declared on every POST of the OpenAPI document', async () => {
    const p = await start();
    const doc = (await p.server!.inject({ method: 'GET', url: '/docs/openapi.json' })).json() as { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> };
    const posts = Object.entries(doc.paths).filter(([, ops]) => ops.post);
    expect(posts.map(([path]) => path)).toEqual(expect.arrayContaining(['/v1/events', '/v1/plans/preview', '/v1/escalations/{id}/ack']));
    for (const [path, ops] of posts)
      expect({ path, header: ops.post!.parameters?.some((x) => x.in === 'header' && x.name === 'Idempotency-Key') }).toEqual({ path, header: true });
  });
});
