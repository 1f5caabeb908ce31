import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clinicAKey, sessionEvent, startPipeline, testClinic, testRedisUrl, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it, with only the environment given here. */
function aftercare(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/aftercare.ts', ...args], {
      cwd: process.cwd(), env: { PATH: process.env.PATH ?? '', START_LOCAL_REDIS: 'never', LOG_LEVEL: 'warn', ...env }, timeout: 30_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

describe('aftercare CLI', () => {
  it('checks every template in every language', async () => {
    const run = await aftercare(['templates', 'check']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ok   clinic-a  es  checkin-24h  sms');
    expect(run.stdout).toContain('All templates pass.');
  });

  it('names every bad environment variable in one message and exits non-zero', async () => {
    const run = await aftercare(['start'], { PORT: 'abc', REDIS_URL: 'http://nope', LOG_LEVEL: 'loud' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^aftercare: Invalid environment:/);
    for (const name of ['PORT', 'REDIS_URL', 'LOG_LEVEL']) expect(run.stderr).toContain(`  ${name}:`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a clinic whose plan names a missing template, saying which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-cli-'));
    const file = join(dir, 'clinics.json');
    writeFileSync(file, JSON.stringify({ clinics: [testClinic({ plans: { session: [{ key: 'light-meal', template: 'ligth-meal', after: 'PT2H' }] } })] }));
    const run = await aftercare(['start'], { CLINICS_FILE: file, DATA_DIR: dir, REDIS_URL: testRedisUrl });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('clinic clinic-a: session step "light-meal" names missing template "ligth-meal"');
  });

  it('runs a worker only beside a PostgreSQL server, and says so', async () => {
    const run = await aftercare(['worker'], { DATA_DIR: mkdtempSync(join(tmpdir(), 'aftercare-cli-')), REDIS_URL: testRedisUrl });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('set DATABASE_URL to a PostgreSQL server');
  });

  it('sends an event file to the running API', async () => {
    pipeline = await startPipeline();
    const address = await pipeline.listen();
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-cli-'));
    const file = join(dir, 'event.json');
    writeFileSync(file, JSON.stringify(sessionEvent({ escort: undefined })));
    const run = await aftercare(['send-event', file, '--now'], { AFTERCARE_API_KEY: clinicAKey, AFTERCARE_URL: address });
    expect(run.stdout).toMatch(/^202 \{"eventId":"evt-.*","duplicate":false\}/);
    expect(run.code).toBe(0);
    const p = pipeline;
    await waitFor('the no-driving note in the outbox', () => p.outbox('sms').some((m) => m.template === 'no-driving'));
  });

  it('prints the API error and exits non-zero for a bad event', async () => {
    pipeline = await startPipeline();
    const address = await pipeline.listen();
    const file = join(mkdtempSync(join(tmpdir(), 'aftercare-cli-')), 'event.json');
    writeFileSync(file, JSON.stringify({ ...sessionEvent(), session: { id: 's-1', endedAt: 'yesterday', modality: 'iv' } }));
    const run = await aftercare(['send-event', file], { AFTERCARE_API_KEY: clinicAKey, AFTERCARE_URL: address });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^400 .*session\.endedAt/);
  });
});
