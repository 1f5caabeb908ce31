import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { dueJobId } from '../../lib/queues.ts';
import { openInboundSpool } from '../../producers/inbound-spool.ts';
import { receiveReply } from '../../producers/receive-reply.ts';
import { recordEhrNotification, settleEhrNotification } from '../../store/ehr-notifications.ts';
import { replyBody } from '../../store/replies.ts';
import { clinicAKey, deleteKeys, otherClinic, sessionEvent, startPipeline, testClinic, testRedisUrl, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Erasure leaves nothing of the patient in any table or any Redis key, and nobody else's data is touched.

const erased = { id: 'p-erase', firstName: 'Samwise', lastName: 'Gamgee', phone: '+15551234567', email: 'samwise@example.org' };
const escort = { name: 'Alexandrina', phone: '+15557654321' };
const kept = { id: 'p-keep', firstName: 'Peregrin', lastName: 'Took', phone: '+15559990000', email: 'pippin@example.org' };
const replies = ['my head is spinning and I want to die tonight', 'Four out of five, thank you kindly'];

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.dispose();
  p = undefined;
});

const patientOf = (who: typeof erased) => ({ id: who.id, firstName: who.firstName, phone: who.phone, email: who.email, timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true });

/** Every row of every table of the test's schema, as text. */
async function databaseText(pipe: TestPipeline): Promise<string> {
  const tables = await pipe.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1", [pipe.schema]);
  const dumps: string[] = [];
  for (const { table_name: table } of tables) {
    const rows = await pipe.db.query<{ row: string }>(`SELECT t::text AS row FROM ${pipe.schema}."${table}" t`);
    dumps.push(...rows.map((r) => `${table}: ${r.row}`));
  }
  return dumps.join('\n');
}

/** Every key of the test's prefix and its value, whatever its type, as text. */
async function redisText(prefix: string): Promise<string> {
  const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
  try {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value = type === 'string' ? await redis.get(key)
          : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
          : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
          : type === 'set' ? JSON.stringify(await redis.smembers(key))
          : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1))
          : type === 'stream' ? JSON.stringify(await redis.xrange(key, '-', '+'))
          : '';
        out.push(`${key} ${value}`);
      }
    } while (cursor !== '0');
    return out.join('\n');
  } finally {
    redis.disconnect();
  }
}

const secretsOf = (who: typeof erased, extra: string[] = []) => [who.phone, who.email, who.firstName, who.lastName, ...extra];
const found = (text: string, secrets: string[]) => secrets.filter((s) => text.includes(s));

const operatorKey = 'operator-key-for-the-erasure-tests';

/** A clinic admin key made through the admin API: erasure is the admin's act, not the event API's. */
async function adminKey(pipe: TestPipeline, clinicId: string): Promise<string> {
  const res = await pipe.server!.inject({ method: 'POST', url: `/v1/admin/clinics/${clinicId}/keys`, headers: { authorization: `Bearer ${operatorKey}` },
    payload: { name: `${clinicId} admin`, scope: 'admin' } });
  expect(res.statusCode).toBe(201);
  return res.json().key;
}

async function rig() {
  p = await startPipeline({
    env: { OPERATOR_API_KEY_SHA256: createHash('sha256').update(operatorKey).digest('hex') },
    clinics: [testClinic({ plans: { session: [
      { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', toEscort: true },
      { key: 'checkin-24h', template: 'checkin-24h', after: 'PT1H' },
    ] } }), otherClinic()],
  });
  const pipe = p;
  for (const [who, withEscort] of [[erased, true], [kept, false]] as const) {
    const event = sessionEvent({ patient: patientOf(who), ...(withEscort ? { escort } : { escort: undefined }) });
    const res = await pipe.server!.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${clinicAKey}` }, payload: event });
    expect(res.statusCode).toBe(202);
    // The EHR's own copy of the event, as an HL7 message naming the patient.
    const id = `n-${who.id}`;
    await recordEhrNotification(pipe.db, { id, clinicId: 'clinic-a', source: 'hl7', dedupKey: id, body: { message: `PID|||${who.id}||${who.lastName}^${who.firstName}||||||||${who.phone}` } });
    await settleEhrNotification(pipe.db, id, { status: 'done', eventIds: [event.id], attempted: true });
  }
  await waitFor('both no-driving notes sent', async () =>
    (await pipe.db.query("SELECT 1 FROM steps WHERE key = 'no-driving' AND recipient = 'patient' AND state = 'sent'")).length === 2);
  for (const [i, body] of replies.entries()) await receiveReply(pipe, { sid: `SM${randomBytes(16).toString('hex')}`, from: erased.phone, to: '+15550001111', body: `${body} ${i}` });
  await receiveReply(pipe, { sid: `SM${randomBytes(16).toString('hex')}`, from: kept.phone, to: '+15550001111', body: 'Peregrin says five' });
  return pipe;
}

describe('erasure', () => {
  it("leaves no phone, email, name or message text of the patient in any table or Redis key, and keeps everyone else's", async () => {
    const pipe = await rig();
    const texts = replies.map((r, i) => `${r} ${i}`);
    const theirs = secretsOf(erased, [escort.name, escort.phone, ...texts]);
    // The scan sees them before: it can fail. Reply texts are stored encrypted, so they are read through the store.
    const plain = secretsOf(erased, [escort.name, escort.phone]);
    expect(found(await databaseText(pipe), plain)).toEqual(plain);
    const replyIds = async () => (await pipe.db.query<{ id: string }>('SELECT id FROM replies WHERE patient_id = $1 ORDER BY received_at', [erased.id])).map((r) => r.id);
    const readable = async () => (await Promise.all((await replyIds()).map((id) => replyBody(pipe.db, id)))).filter((b) => b !== undefined);
    expect(await readable()).toEqual(texts);
    const open = (await pipe.db.query<{ id: string; due_at: Date }>("SELECT id, due_at FROM steps WHERE patient_id = $1 AND state = 'scheduled'", [erased.id]))[0]!;
    const openStep = open.id;
    // Its instant's alarm, which names the instant alone.
    expect((await pipe.queues.steps.getJob(dueJobId(open.due_at)))?.data).toEqual({ dueAt: open.due_at.toISOString() });
    const counts = async () => pipe.db.query("SELECT (SELECT count(*)::int FROM steps WHERE patient_id = 'p-erase') AS steps, (SELECT count(*)::int FROM replies WHERE patient_id = 'p-erase') AS replies, (SELECT count(*)::int FROM timeline WHERE patient_id = 'p-erase') AS timeline");
    const before = (await counts())[0] as { steps: number; replies: number; timeline: number };

    const res = await pipe.server!.inject({ method: 'DELETE', url: `/v1/patients/${erased.id}`, headers: { authorization: `Bearer ${await adminKey(pipe, 'clinic-a')}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ patientId: erased.id, cancelledSteps: 1 });

    expect(found(await databaseText(pipe), theirs)).toEqual([]);
    expect(await readable()).toEqual([]);
    expect(found(await redisText(pipe.env.QUEUE_PREFIX), theirs)).toEqual([]);
    expect(found(await databaseText(pipe), secretsOf(kept))).toEqual(secretsOf(kept));
    const keptReply = (await pipe.db.query<{ id: string }>('SELECT id FROM replies WHERE patient_id = $1', [kept.id]))[0]!.id;
    expect(await replyBody(pipe.db, keptReply)).toBe('Peregrin says five');

    // Pending steps are cancelled and their jobs gone; ids and counts stay, and so does the audit of who erased.
    expect(await pipe.db.query("SELECT state FROM steps WHERE patient_id = $1 AND key = 'checkin-24h'", [erased.id])).toEqual([{ state: 'cancelled' }]);
    expect(await pipe.queues.steps.getJob(openStep)).toBeUndefined();
    const after = (await counts())[0] as { steps: number; replies: number; timeline: number };
    expect(after).toMatchObject({ steps: before.steps, replies: before.replies });
    expect(after.timeline).toBeGreaterThan(before.timeline);
    expect(await pipe.db.query("SELECT action, outcome FROM access_audit WHERE patient_id = $1 AND action = 'patient.erase'", [erased.id])).toEqual([{ action: 'patient.erase', outcome: 'allowed' }]);
  });

  it('answers 404 to a second erasure, to an unknown patient, and to another clinic', async () => {
    const pipe = await rig();
    const erase = (key: string, id = erased.id) => pipe.server!.inject({ method: 'DELETE', url: `/v1/patients/${id}`, headers: { authorization: `Bearer ${key}` } });
    const [adminA, adminB] = [await adminKey(pipe, 'clinic-a'), await adminKey(pipe, 'clinic-b')];
    // The event API's key sends events; it cannot erase.
    expect((await erase(clinicAKey)).statusCode).toBe(403);
    expect((await erase(adminB)).statusCode).toBe(404);
    expect((await erase(adminA, 'p-nobody')).statusCode).toBe(404);
    expect((await erase(adminA)).statusCode).toBe(200);
    const again = await erase(adminA);
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('not-found');
    const timeline = await pipe.server!.inject({ method: 'GET', url: `/v1/patients/${erased.id}/timeline`, headers: { authorization: `Bearer ${clinicAKey}` } });
    expect(timeline.statusCode).toBe(404);
  });

  it('removes the messages from their number that wait sealed in Redis, and no one else’s', async () => {
    const prefix = `{t-spool-${randomBytes(6).toString('hex')}}`;
    const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const spool = openInboundSpool(redis, prefix, randomBytes(32));
    try {
      await spool.keep({ sid: `SM${'1'.repeat(32)}`, from: erased.phone, body: 'kept while the database was away' });
      await spool.keep({ sid: `SM${'2'.repeat(32)}`, from: erased.phone, body: 'and another' });
      await spool.keep({ sid: `SM${'3'.repeat(32)}`, from: kept.phone, body: 'not theirs' });
      expect(await spool.forget(erased.phone)).toBe(2);
      const left = await redis.keys(`${prefix}:inbound:inbound-*`);
      expect(left).toEqual([`${prefix}:inbound:inbound-SM${'3'.repeat(32)}`]);
    } finally {
      await spool.close();
      await deleteKeys(testRedisUrl, `${prefix}*`);
      redis.disconnect();
    }
  });
});
