import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processGroup, workerReady, type ProcessGroup } from '../support/processes.ts';
import { sessionEvent, startPipeline, testClinic, testDatabaseUrl, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

let pipeline: TestPipeline | undefined;
let group: ProcessGroup | undefined;
afterEach(async () => {
  await group?.stopAll();
  await pipeline?.dispose();
  pipeline = group = undefined;
});

describe('horizontal workers', () => {
  it('shares the work of three worker processes with no step sent twice', async () => {
    const clinic = testClinic({ plans: { session: [
      { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', toEscort: true },
      { key: 'light-meal', template: 'light-meal', after: 'PT2S' },
    ] } });
    pipeline = await startPipeline({ role: 'api', clinics: [clinic] });
    const p = pipeline;
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-scale-'));
    const clinicsFile = join(dir, 'clinics.json');
    writeFileSync(clinicsFile, JSON.stringify({ clinics: [clinic] }));
    group = processGroup();
    const workers = [1, 2, 3].map((i) => group!.start(`worker-${i}`, 'worker', {
      DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: p.schema, REDIS_URL: p.env.REDIS_URL, QUEUE_PREFIX: p.env.QUEUE_PREFIX,
      CLINICS_FILE: clinicsFile, DATA_DIR: join(dir, `w${i}`), OUTBOX_DIR: join(dir, `w${i}`, 'outbox'),
      SMS_RATE_PER_SECOND: '1000', START_LOCAL_REDIS: 'never', LOG_LEVEL: 'info', RECONCILE_EVERY: 'PT2S',
    }));
    await Promise.all(workers.map((w) => workerReady(w)));

    const patients = 40;
    for (let i = 0; i < patients; i++) {
      await p.accept(sessionEvent({ patient: { ...sessionEvent().patient, id: `p-scale-${i}`, phone: `+1555200${String(1000 + i)}` } }));
    }
    const sent = () => [1, 2, 3].flatMap((i) => {
      const file = join(dir, `w${i}`, 'outbox', 'sms.jsonl');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => ({ worker: i, ...(JSON.parse(l) as { messageId: string }) })) : [];
    });
    const expected = patients * 3; // no-driving to patient and escort, light-meal
    await waitFor(`${expected} messages`, () => sent().length >= expected, 60_000);
    await waitFor('every step final', async () =>
      (await p.db.query<{ open: number }>("SELECT count(*)::int AS open FROM steps WHERE state NOT IN ('sent')"))[0]?.open === 0, 30_000);

    const messages = sent();
    expect(messages).toHaveLength(expected);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(expected);
    const perWorker = [1, 2, 3].map((i) => messages.filter((m) => m.worker === i).length);
    expect(perWorker.every((n) => n > 0)).toBe(true);
  });
});
