import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fieldCipher, FieldCipherError } from '../../lib/field-cipher.ts';
import { openDb, type Db } from '../../store/db.ts';
import { rotateFieldKeys } from '../../store/field-rotation.ts';
import { replyBody } from '../../store/replies.ts';
import { patientTimeline } from '../../store/timeline.ts';
import { inboundSms } from '../support/inbound-sms.ts';
import { clinicAKey, sessionEvent, testClinic, testDatabaseUrl } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';
import { processGroup, workerReady, type ProcessGroup } from '../support/processes.ts';

// Reply texts at rest: encrypted under FIELD_KEYS, readable across a key rotation, moved by the rotation job.

const patientPhone = '+15551234567';
const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const keyText = (k: { id: string; key: Buffer }) => `${k.id}:${k.key.toString('base64')}`;
const words = ['feeling dizzy and a bit sad tonight', 'the room keeps spinning', 'slept badly but better now'];

let rig: ProviderPipeline | undefined;
const handles: Db[] = [];
let group: ProcessGroup | undefined;
afterEach(async () => {
  await group?.stopAll();
  group = undefined;
  for (const db of handles.splice(0)) await db.close();
  await rig?.dispose();
  rig = undefined;
});

async function startWithReplies(): Promise<ProviderPipeline> {
  rig = await startProviderPipeline({ clinics: [testClinic()], env: { FIELD_KEYS: keyText(k1) } });
  await rig.p.accept(sessionEvent({ escort: undefined }));
  await waitFor('the patient stored', async () => (await rig!.p.db.query('SELECT 1 FROM patients')).length === 1);
  for (const text of words) await inboundSms(rig.p, patientPhone, text);
  await waitFor('three replies', async () => (await rig!.p.db.query('SELECT 1 FROM replies')).length === 3);
  return rig;
}

/** Another process's handle on the same schema, with its own keys (as after a FIELD_KEYS change). */
async function handleWith(schema: string, keys: Array<{ id: string; key: Buffer }>): Promise<Db> {
  const db = await openDb({ url: testDatabaseUrl, schema, fields: fieldCipher(keys) });
  handles.push(db);
  return db;
}

const storedTexts = (db: Db) => db.query<{ text: string }>(
  `SELECT body AS text FROM replies UNION ALL SELECT detail->>'text' FROM timeline WHERE jsonb_typeof(detail->'text') = 'string'`);

describe('reply texts at rest', () => {
  it('are stored encrypted: neither the replies nor the timeline column holds the words, and staff still read them', async () => {
    const { p } = await startWithReplies();
    const stored = await storedTexts(p.db);
    expect(stored).toHaveLength(6);
    for (const { text } of stored) expect(text).toMatch(/^v1:k1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    // A scan of every text-bearing column, as a dump of the database would show it.
    const dump = JSON.stringify(await p.db.query('SELECT r.*, (SELECT json_agg(t) FROM timeline t) AS timeline FROM replies r'));
    for (const text of words) expect(dump).not.toContain(text);
    for (const part of ['dizzy', 'spinning', 'slept']) expect(dump).not.toContain(part);

    const res = await p.server!.inject({ method: 'GET', url: '/v1/patients/p-123/timeline', headers: { authorization: `Bearer ${clinicAKey}` } });
    const texts = res.json().entries.filter((e: { kind: string }) => e.kind === 'reply.received').map((e: { detail: { text: string } }) => e.detail.text);
    expect(texts).toEqual(words);
  });

  it('are read with the old key after a rotation to a new one, and a row from before encryption is read as it is', async () => {
    const { p } = await startWithReplies();
    await p.db.query(`INSERT INTO replies (id, clinic_id, patient_id, from_phone, body, classification, level)
      VALUES ('SM-legacy', 'clinic-a', 'p-123', $1, 'written before encryption', 'review', 'review')`, [patientPhone]);
    const rotated = await handleWith(p.schema, [k2, k1]);
    const [first] = await rotated.query<{ id: string }>("SELECT id FROM replies WHERE body LIKE 'v1:k1:%' ORDER BY received_at LIMIT 1");
    expect(await replyBody(rotated, first!.id)).toBe(words[0]);
    expect(await replyBody(rotated, 'SM-legacy')).toBe('written before encryption');
    // A new write under the rotated keys uses the first key.
    expect(rotated.fields!.encrypt('x')).toMatch(/^v1:k2:/);
    // Without the old key, an old row cannot be read: an error, not garbage.
    const newOnly = await handleWith(p.schema, [k2]);
    await expect(replyBody(newOnly, first!.id)).rejects.toBeInstanceOf(FieldCipherError);
  });

  it('are all on the new key after the rotation job, in batches, and still read the same', async () => {
    const { p } = await startWithReplies();
    await p.db.query(`INSERT INTO replies (id, clinic_id, patient_id, from_phone, body, classification, level)
      VALUES ('SM-legacy', 'clinic-a', 'p-123', $1, 'written before encryption', 'review', 'review')`, [patientPhone]);
    const rotated = await handleWith(p.schema, [k2, k1]);
    const batches: unknown[] = [];
    const moved = await rotateFieldKeys(rotated, { batchSize: 2, onBatch: (b) => batches.push(b) });
    expect(moved).toEqual({ replies: 4, timeline: 3 });
    expect(batches.length).toBeGreaterThanOrEqual(4);
    for (const { text } of await storedTexts(rotated)) expect(text).toMatch(/^v1:k2:/);
    expect(JSON.stringify(await rotated.query('SELECT body FROM replies'))).not.toContain('written before encryption');
    // Only the new key is needed now.
    const newOnly = await handleWith(p.schema, [k2]);
    expect(await replyBody(newOnly, 'SM-legacy')).toBe('written before encryption');
    const timeline = await patientTimeline(newOnly, 'clinic-a', 'p-123');
    expect(timeline.filter((e) => e.kind === 'reply.received').map((e) => e.detail.text)).toEqual(words);
    // A second run finds nothing to move.
    expect(await rotateFieldKeys(rotated)).toEqual({ replies: 0, timeline: 0 });
  });
});

describe('reply texts after a key change', () => {
  it('move to the new key in the background once a worker starts with it, no command needed', async () => {
    const { p } = await startWithReplies();
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-rekey-'));
    group = processGroup();
    // Its own queue prefix: the job is this worker's, not the running service's (which holds k1 only).
    const worker = group.start('worker', 'worker', {
      DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: p.schema, REDIS_URL: p.env.REDIS_URL, QUEUE_PREFIX: `${p.env.QUEUE_PREFIX}-rekey`,
      CLINICS_FILE: join(dir, 'no-such-file.json'), DATA_DIR: dir, OUTBOX_DIR: join(dir, 'outbox'),
      START_LOCAL_REDIS: 'never', LOG_LEVEL: 'info', FIELD_KEYS: `${keyText(k2)},${keyText(k1)}`,
    });
    await workerReady(worker, 90_000);
    await waitFor('every stored text on k2', async () => (await storedTexts(p.db)).every((t) => t.text.startsWith('v1:k2:')), 30_000);
    const newOnly = await handleWith(p.schema, [k2]);
    const timeline = await patientTimeline(newOnly, 'clinic-a', 'p-123');
    expect(timeline.filter((e) => e.kind === 'reply.received').map((e) => e.detail.text)).toEqual(words);
    expect(worker.lines.some((l) => l.includes('"moved stored texts to the current field key"') && !words.some((w) => l.includes(w)))).toBe(true);
  });
});

describe('FIELD_KEYS', () => {
  it('refuses a malformed key list at start, naming the variable', async () => {
    const { loadEnv } = await import('../../config/env.ts');
    expect(() => loadEnv({ FIELD_KEYS: 'k1:short' })).toThrow(/FIELD_KEYS: expected keyId:<32 bytes in base64>/);
    expect(() => loadEnv({ FIELD_KEYS: `${keyText(k1)},${keyText({ id: 'k1', key: k2.key })}` })).toThrow(/FIELD_KEYS/);
    expect(loadEnv({ FIELD_KEYS: `${keyText(k2)},${keyText(k1)}` }).FIELD_KEYS).toContain('k2:');
  });
});
