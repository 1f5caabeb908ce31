import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { clinicAKey, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

const bearer = { authorization: `Bearer ${clinicAKey}` };

async function stepStates(p: TestPipeline, patientId = 'p-123') {
  return p.db.query<{ key: string; recipient: string; state: string; reason: string | null }>(
    'SELECT key, recipient, state, reason FROM steps WHERE patient_id = $1 ORDER BY due_at, id',
    [patientId],
  );
}

describe('session event to outbox', () => {
  it('sends the no-driving note at once, then each step at its offset, each exactly once', async () => {
    pipeline = await startPipeline();
    const event = sessionEvent();
    const res = await pipeline.server!.inject({ method: 'POST', url: '/v1/events', headers: bearer, payload: event });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ eventId: event.id, duplicate: false });

    const p = pipeline;
    await waitFor('four SMS in the outbox', () => p.outbox('sms').length >= 4);
    const sms = p.outbox('sms');
    expect(new Set(sms.map((m) => m.template))).toEqual(new Set(['no-driving', 'no-driving-escort', 'light-meal', 'checkin-24h']));
    expect(sms.find((m) => m.template === 'no-driving-escort')?.to).toBe('+15557654321');
    expect(sms.find((m) => m.template === 'no-driving')?.to).toBe('+15551234567');
    expect(sms.find((m) => m.template === 'light-meal')?.body).toContain('Samwise');
    // In order of their offsets, and none named the drug.
    const sentAt = (t: string) => Date.parse(sms.find((m) => m.template === t)!.sentAt!);
    expect(sentAt('light-meal')).toBeGreaterThan(sentAt('no-driving'));
    expect(sentAt('checkin-24h')).toBeGreaterThan(sentAt('light-meal'));
    for (const m of sms) expect(m.body).not.toMatch(/ketamine/i);

    await waitFor('every step sent', async () => (await stepStates(p)).every((s) => s.state === 'sent'));
    expect(p.outbox('sms')).toHaveLength(4);
    expect(p.outbox('email')).toHaveLength(0);

    const timeline = await p.server!.inject({ method: 'GET', url: '/v1/patients/p-123/timeline', headers: bearer });
    expect(timeline.statusCode).toBe(200);
    const kinds = timeline.json().entries.map((e: { kind: string }) => e.kind);
    expect(kinds.filter((k: string) => k === 'step.scheduled')).toHaveLength(4);
    expect(kinds.filter((k: string) => k === 'step.sent')).toHaveLength(4);
    expect(kinds[0]).toBe('event.accepted');
    // Scheduled entries in the order their steps fall due.
    const scheduledDue = timeline.json().entries.filter((e: { kind: string }) => e.kind === 'step.scheduled').map((e: { detail: { dueAt: string } }) => e.detail.dueAt);
    expect(scheduledDue).toEqual([...scheduledDue].sort());
    // Each scheduled entry comes before its step's sent entry, with the time it was due.
    const entries: Array<{ kind: string; stepId: string | null; detail: { dueAt?: string } }> = timeline.json().entries;
    for (const sent of entries.filter((e) => e.kind === 'step.sent')) {
      const scheduled = entries.findIndex((e) => e.kind === 'step.scheduled' && e.stepId === sent.stepId);
      expect(scheduled).toBeGreaterThan(0);
      expect(scheduled).toBeLessThan(entries.indexOf(sent));
      expect(Date.parse(entries[scheduled]!.detail.dueAt!)).not.toBeNaN();
    }
  });

  it('keeps phones, emails, names and bodies out of Redis and out of the logs', async () => {
    pipeline = await startPipeline();
    const p = pipeline;
    const event = sessionEvent();
    await p.accept(event);
    await waitFor('four SMS sent', () => p.outbox('sms').length >= 4);
    const secrets = ['+15551234567', '5551234567', 'samwise@example.org', 'Samwise', 'Alexandrina', '+15557654321', 'ride home'];

    const redis = new Redis(p.env.REDIS_URL);
    const dump: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${p.env.QUEUE_PREFIX}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'string') dump.push((await redis.get(key)) ?? '');
        else if (type === 'zset') dump.push((await redis.zrange(key, 0, -1)).join(' '));
        else if (type === 'list') dump.push((await redis.lrange(key, 0, -1)).join(' '));
        else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        dump.push(key);
      }
    } while (cursor !== '0');
    redis.disconnect();
    expect(dump.length).toBeGreaterThan(0);
    const redisText = dump.join('\n');
    const logText = p.logLines.join('\n');
    expect(p.logLines.length).toBeGreaterThan(5);
    for (const secret of secrets) {
      expect(redisText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
    // The log still says what happened, by id.
    expect(logText).toContain(event.id);
    expect(logText).toContain('step sent');
  });
});

describe('replays', () => {
  it('schedules once when the same event arrives 100 times at once', async () => {
    pipeline = await startPipeline();
    const p = pipeline;
    const event = sessionEvent();
    const replies = await Promise.all(
      Array.from({ length: 100 }, () => p.server!.inject({ method: 'POST', url: '/v1/events', headers: bearer, payload: event })),
    );
    expect(replies.map((r) => r.statusCode)).toEqual(Array(100).fill(202));
    expect(replies.filter((r) => r.json().duplicate === false)).toHaveLength(1);
    await waitFor('four SMS sent', () => p.outbox('sms').length >= 4);
    await waitFor('all steps final', async () => (await stepStates(p)).every((s) => s.state === 'sent'));
    expect(await p.db.query('SELECT id FROM plans')).toHaveLength(1);
    expect(await stepStates(p)).toHaveLength(4);
    expect(p.outbox('sms')).toHaveLength(4);
  });

  it('schedules once when the event is replayed after its jobs were removed', async () => {
    pipeline = await startPipeline();
    const p = pipeline;
    const event = sessionEvent({ session: { id: 's-replay', endedAt: new Date(Date.now() + 3_600_000).toISOString(), modality: 'iv' } });
    await p.accept(event);
    await waitFor('steps scheduled', async () => (await stepStates(p)).length === 4);
    await p.queues.steps.obliterate({ force: true });
    await p.queues.events.obliterate({ force: true });
    expect((await p.accept(event)).duplicate).toBe(true);
    // A second event for the same session, with a new id, is a new event but not a new plan.
    await p.accept({ ...event, id: `${event.id}-again` });
    await waitFor('second event expanded', async () =>
      (await p.db.query('SELECT id FROM events WHERE expanded_at IS NOT NULL')).length === 2);
    expect(await p.db.query('SELECT id FROM plans')).toHaveLength(1);
    expect(await stepStates(p)).toHaveLength(4);
  });

  it('refuses an event id reused with different content, and keeps the first', async () => {
    pipeline = await startPipeline();
    const event = sessionEvent();
    await pipeline.accept(event);
    const changed = { ...event, patient: { ...event.patient, firstName: 'Rosie' } };
    const res = await pipeline.server!.inject({ method: 'POST', url: '/v1/events', headers: bearer, payload: changed });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('event-id-reused');
  });
});

describe('cancellation and late events', () => {
  it('cancels every pending step of a session and sends none of them', async () => {
    pipeline = await startPipeline({
      clinics: [testClinic({ plans: { session: [
        { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore' },
        { key: 'light-meal', template: 'light-meal', after: 'PT3S' },
        { key: 'checkin-24h', template: 'checkin-24h', after: 'PT4S' },
      ] } })],
    });
    const p = pipeline;
    const event = sessionEvent({ escort: undefined });
    await p.accept(event);
    await waitFor('no-driving sent', () => p.outbox('sms').length === 1);
    await p.accept({ type: 'plan.cancelled', id: `cancel-${event.id}`, clinicId: 'clinic-a', patientId: 'p-123', reference: event.session.id });
    await waitFor('steps cancelled', async () => (await stepStates(p)).filter((s) => s.state === 'cancelled').length === 2);
    // Past the time the cancelled steps were due, plus a reconciler round.
    await waitFor('a reconciler round after the due time', async () => {
      const [row] = await p.db.query<{ late: boolean }>("SELECT now() > max(due_at) + interval '2 seconds' AS late FROM steps");
      return row?.late;
    });
    expect(p.outbox('sms').map((m) => m.template)).toEqual(['no-driving']);
    const timeline = await p.server!.inject({ method: 'GET', url: '/v1/patients/p-123/timeline', headers: bearer });
    expect(timeline.json().entries.filter((e: { kind: string }) => e.kind === 'step.cancelled')).toHaveLength(2);
  });

  it('records every step of an event three days late as expired and sends nothing', async () => {
    pipeline = await startPipeline();
    const p = pipeline;
    const endedAt = new Date(Date.now() - 3 * 24 * 3_600_000).toISOString();
    await p.accept(sessionEvent({ session: { id: 's-late', endedAt, modality: 'im' } }));
    await waitFor('steps expired', async () => {
      const states = await stepStates(p);
      return states.length === 4 && states.every((s) => s.state === 'expired');
    });
    const states = await stepStates(p);
    for (const s of states) expect(s.reason).toMatch(/grace/);
    expect(p.outbox('sms')).toHaveLength(0);
    // Never scheduled: the timeline says expired, once per step, and why.
    const timeline = await p.server!.inject({ method: 'GET', url: '/v1/patients/p-123/timeline', headers: bearer });
    const entries: Array<{ kind: string; detail: { reason?: string } }> = timeline.json().entries;
    expect(entries.map((e) => e.kind)).toEqual(['event.accepted', 'step.expired', 'step.expired', 'step.expired', 'step.expired']);
    for (const e of entries.slice(1)) expect(e.detail.reason).toMatch(/grace/);
  });
});

describe('cessation', () => {
  it('schedules the withdrawal check-in 72 h after last use and the week-two note at 10:00 local on day 14', async () => {
    // A clock of its own, so the plan crosses the March 2030 DST change whatever today's date is.
    const lastUseAt = '2030-03-01T22:00:00-07:00';
    const now = new Date('2030-03-01T22:05:00-07:00');
    pipeline = await startPipeline({ clinics: [testClinic({ plans: {}, quietHours: { start: '21:00', end: '08:00' } })], now: () => now });
    const p = pipeline;
    await p.accept({
      type: 'cessation.started', id: 'evt-cessation-1', clinicId: 'clinic-a',
      patient: { id: 'p-77', firstName: 'Robin', email: 'robin@example.org', timezone: 'America/Denver', channel: 'email' },
      cessation: { id: 'c-1', lastUseAt },
    });
    const steps = await waitFor('two cessation steps', async () => {
      const rows = await p.db.query<{ key: string; due_at: Date; state: string }>('SELECT key, due_at, state FROM steps ORDER BY due_at');
      return rows.length === 2 ? rows : undefined;
    });
    expect(steps.map((s) => s.key)).toEqual(['withdrawal-checkin', 'week-two-stabilisation']);
    // 72 elapsed hours from 22:00 lands at 22:00, inside quiet hours: moved to 08:00 the next morning.
    expect(steps[0]!.due_at.toISOString()).toBe('2030-03-05T15:00:00.000Z');
    // Day 14 at 10:00 Denver time, after the March DST change (UTC-6).
    expect(steps[1]!.due_at.toISOString()).toBe('2030-03-15T16:00:00.000Z');
    expect(steps.every((s) => s.state === 'scheduled')).toBe(true);
  });
});
