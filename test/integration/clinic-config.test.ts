import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openClinicDirectory } from '../../config/clinic-directory.ts';
import { loadEnv } from '../../config/env.ts';
import { exportClinics, importClinics } from '../../service/clinic-transfer.ts';
import { createLogger } from '../../lib/logger.ts';
import { openDb } from '../../store/db.ts';
import { migrate } from '../../store/migrate.ts';
import { processGroup, workerReady, type ProcessGroup } from '../support/processes.ts';
import { clinicAKey, otherClinic, sessionEvent, startPipeline, testClinic, testDatabaseUrl, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

const operatorKey = 'operator-key-for-the-config-tests';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let pipeline: TestPipeline | undefined;
let group: ProcessGroup | undefined;
const schemas: string[] = [];
afterEach(async () => {
  await group?.stopAll();
  await pipeline?.dispose();
  pipeline = group = undefined;
  const db = await openDb({ url: testDatabaseUrl, schema: 'public' });
  for (const schema of schemas.splice(0)) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
});

function aftercare(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/aftercare.ts', ...args], {
      cwd: process.cwd(), env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, timeout: 30_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

const freshSchema = () => {
  const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  schemas.push(schema);
  return schema;
};

describe('clinic configuration in PostgreSQL', () => {
  it('reaches a second worker process without a restart, while an older plan keeps its version', async () => {
    const v1 = testClinic({ plans: { session: [
      { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', toEscort: true },
      { key: 'light-meal', template: 'light-meal', after: 'PT1H' },
    ] } });
    pipeline = await startPipeline({ role: 'api', clinics: [v1], env: { OPERATOR_API_KEY_SHA256: sha256(operatorKey) } });
    const p = pipeline;
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-config-'));
    group = processGroup();
    // No clinic file at all: the worker reads the clinics the database already has.
    const worker = group.start('worker', 'worker', {
      DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: p.schema, REDIS_URL: p.env.REDIS_URL, QUEUE_PREFIX: p.env.QUEUE_PREFIX,
      CLINICS_FILE: join(dir, 'no-such-file.json'), DATA_DIR: dir, OUTBOX_DIR: join(dir, 'outbox'),
      START_LOCAL_REDIS: 'never', LOG_LEVEL: 'info', RECONCILE_EVERY: 'PT2S',
    });
    await workerReady(worker);

    const stepsOf = async (patientId: string) => p.db.query<{ key: string; state: string }>(
      'SELECT key, state FROM steps WHERE patient_id = $1 ORDER BY due_at, key, recipient', [patientId]);
    const old = sessionEvent({ patient: { ...sessionEvent().patient, id: 'p-old' } });
    await p.accept(old);
    await waitFor('the first plan', async () => (await stepsOf('p-old')).length === 3, 20_000);

    const changed = await p.server!.inject({ method: 'PUT', url: '/v1/admin/clinics/clinic-a/plans', headers: { authorization: `Bearer ${operatorKey}` },
      payload: { session: [{ key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore' }, { key: 'checkin-24h', template: 'checkin-24h', after: 'PT1H' }] } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().version).toBe(2);
    await waitFor('the worker to reload', () => worker.lines.some((l) => l.includes('"clinic configuration reloaded"')), 10_000);

    await p.accept(sessionEvent({ patient: { ...sessionEvent().patient, id: 'p-new' } }));
    await waitFor('the second plan', async () => (await stepsOf('p-new')).length === 2, 20_000);
    expect((await stepsOf('p-new')).map((s) => s.key)).toEqual(['no-driving', 'checkin-24h']);
    expect(await stepsOf('p-old')).toEqual([
      expect.objectContaining({ key: 'no-driving' }), expect.objectContaining({ key: 'no-driving' }), { key: 'light-meal', state: 'scheduled' },
    ]);

    const versions = async (patientId: string) => {
      const res = await p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline`, headers: { authorization: `Bearer ${clinicAKey}` } });
      const entries = res.json().entries as Array<{ kind: string; detail: { key: string; planVersion?: number } }>;
      return entries.filter((e) => e.kind === 'step.scheduled').map((e) => `${e.detail.key}@${e.detail.planVersion}`);
    };
    expect(await versions('p-old')).toEqual(['no-driving@1', 'no-driving@1', 'light-meal@1']);
    expect(await versions('p-new')).toEqual(['no-driving@2', 'checkin-24h@2']);
  });

  it('sends the clinic’s own wording of a template as soon as it is saved', async () => {
    pipeline = await startPipeline({ env: { OPERATOR_API_KEY_SHA256: sha256(operatorKey) } });
    const p = pipeline;
    const saved = await p.server!.inject({ method: 'PUT', url: '/v1/admin/clinics/clinic-a/templates', headers: { authorization: `Bearer ${operatorKey}` },
      payload: { 'light-meal': { en: { sms: 'Time for a light meal, {firstName}. {clinicName}, {clinicPhone}.' } } } });
    expect(saved.statusCode).toBe(200);
    await p.accept(sessionEvent());
    await waitFor('the light-meal SMS', () => p.outbox('sms').some((m) => m.template === 'light-meal'), 20_000);
    expect(p.outbox('sms').find((m) => m.template === 'light-meal')?.body).toBe('Time for a light meal, Samwise. Riverside Clinic, +15550001111.');
    expect(p.outbox('sms').find((m) => m.template === 'checkin-24h')?.body ?? '').not.toContain('Time for a light meal');
  });

  it('takes a new key in another process within seconds', async () => {
    pipeline = await startPipeline({ role: 'api', env: { OPERATOR_API_KEY_SHA256: sha256(operatorKey) } });
    const p = pipeline;
    const elsewhere = await openClinicDirectory({ db: await openDb({ url: testDatabaseUrl, schema: p.schema }), log: createLogger({ level: 'silent' }), pollMs: 200 });
    try {
      const made = await p.server!.inject({ method: 'POST', url: '/v1/admin/clinics/clinic-a/keys', headers: { authorization: `Bearer ${operatorKey}` }, payload: { name: 'new' } });
      const hash = sha256(made.json().key as string);
      await waitFor('the other process to know the key', () => elsewhere.apiKey?.(hash)?.clinicId === 'clinic-a', 5_000);
    } finally {
      await elsewhere.close();
    }
  });

  it('seeds a fresh database from the clinic file and never re-applies it', async () => {
    const schema = freshSchema();
    const db = await openDb({ url: testDatabaseUrl, schema });
    await migrate(db);
    const log = createLogger({ level: 'silent' });
    const first = await openClinicDirectory({ db, log, seed: () => [testClinic({ name: 'First Name' })] });
    await first.close();
    const second = await openClinicDirectory({ db, log, seed: () => [testClinic({ name: 'Second Name' }), otherClinic()] });
    expect(second.all().map((c) => [c.id, c.name, c.configVersion])).toEqual([['clinic-a', 'First Name', 1]]);
    await second.close();
    await db.close();
  });

  it('exports what it imported, versions only what changed, and refuses what the clinic file refuses', { timeout: 180_000 }, async () => {
    const schema = freshSchema();
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-import-'));
    const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, DATA_DIR: dir };
    const file = join(dir, 'clinics.json');
    const clinics = { clinics: [testClinic({ templates: { 'light-meal': { es: { sms: 'Coma algo ligero, {firstName}.' } } } }), otherClinic()] };
    writeFileSync(file, JSON.stringify(clinics));
    const imported = await aftercare(['clinics', 'import', file], env);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('clinic clinic-a: version 1');
    const exported = await aftercare(['clinics', 'export'], env);
    expect(JSON.parse(exported.stdout)).toEqual(clinics);

    // The same functions in this process (a CLI start costs seconds on a busy machine).
    const config = loadEnv(env);
    writeFileSync(file, JSON.stringify({ clinics: [testClinic({ name: 'Riverside Renamed' }), otherClinic()] }));
    expect(await importClinics(config, file)).toEqual(['clinic clinic-a: version 2 (2 paths changed)', 'clinic clinic-b: unchanged (version 1)']);
    expect(await exportClinics(config, 'clinic-b')).toEqual({ clinics: [otherClinic()] });
    writeFileSync(file, JSON.stringify({ clinics: [testClinic({ timezone: 'Mars/Olympus' })] }));
    await expect(importClinics(config, file)).rejects.toThrow(/clinics\.0\.timezone: /);
    expect((await exportClinics(config, 'clinic-a')).clinics).toEqual([testClinic({ name: 'Riverside Renamed' })]);
  });
});
