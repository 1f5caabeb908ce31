import { afterEach, describe, expect, it } from 'vitest';
import { sessionEvent, testClinic } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Once Twilio has accepted an SMS, nothing that goes wrong while recording it may send it again.

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const patients = Array.from({ length: 6 }, (_, i) => ({
  id: `p-record-${i}`, firstName: 'Samwise', phone: `+1555123${String(5000 + i)}`, email: `sam${i}@example.org`,
  timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true,
}));

// The statement that records a send as `sent` fails the way a PostgreSQL restart fails a statement
// (57P01, "terminating connection due to administrator command"), while the fault is switched on.
const recordFault = `
  CREATE TABLE record_fault (since timestamptz NOT NULL DEFAULT now());
  CREATE FUNCTION fail_record_sent() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM record_fault) THEN
      RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER fail_record_sent BEFORE UPDATE ON deliveries FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION fail_record_sent();
  INSERT INTO record_fault DEFAULT VALUES;`;

describe('recording a send that the provider accepted', () => {
  it('never sends an SMS twice when recording a batch of sends fails, and records each once the database answers', async () => {
    rig = await startProviderPipeline({
      clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT2S', channel: 'sms' }] } })],
      env: { SEND_BACKOFF: 'PT0.2S', CLAIM_TIMEOUT: 'PT1S' },
    });
    const { p, twilio: t } = rig;
    await p.db.exec(recordFault);
    // All due in the same instant, so their sends and their records go in shared statements.
    const endedAt = new Date().toISOString();
    await Promise.all(patients.map((patient) => p.accept(sessionEvent({ escort: undefined, patient, session: { id: `s-${patient.id}`, endedAt, modality: 'iv' } }))));

    // Every send reached Twilio, and the records kept failing through several retries.
    const steps = await waitFor('the steps stored', async () => {
      const rows = await p.db.query<{ id: string }>('SELECT id FROM steps');
      return rows.length === patients.length ? rows : undefined;
    });
    await waitFor('sends at Twilio and each job retried twice after its record failed', async () => {
      const jobs = await Promise.all(steps.map((s) => p.queues.steps.getJob(s.id)));
      return t.messages.length >= patients.length && jobs.every((job) => (job?.attemptsMade ?? 0) >= 2);
    }, 30_000);
    const claims = await p.db.query<{ status: string; provider_id: string | null }>('SELECT status, provider_id FROM deliveries ORDER BY id');
    expect(claims.map((c) => c.status)).toEqual(patients.map(() => 'unknown'));
    expect(t.messages).toHaveLength(patients.length);

    await p.db.exec('DELETE FROM record_fault');
    await waitFor('every check-in recorded as sent', async () => {
      const [open] = await p.db.query<{ n: number }>("SELECT count(*)::int AS n FROM steps WHERE state <> 'sent'");
      return open?.n === 0;
    }, 30_000);
    expect(t.messages).toHaveLength(patients.length);
    expect(new Set(t.messages.map((m) => m.to))).toEqual(new Set(patients.map((x) => x.phone)));
    const recorded = await p.db.query<{ status: string; provider_id: string }>('SELECT status, provider_id FROM deliveries');
    expect(recorded.every((r) => r.status === 'sent')).toBe(true);
    expect(new Set(recorded.map((r) => r.provider_id))).toEqual(new Set(t.messages.map((m) => m.sid)));
  });
});
