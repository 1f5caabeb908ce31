import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../store/migrate.ts';
import { loadStep, markStepsSent, startSending } from '../../store/plans.ts';
import { clinicAKey, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// A sent step's timeline entry, as the API answers it: the same shape, order and time whether it
// is stored or read from the step itself, and no timeline row written for it.

let pipeline: TestPipeline | undefined;
let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  await rig?.dispose();
  pipeline = undefined;
  rig = undefined;
});

const bearer = { authorization: `Bearer ${clinicAKey}` };
const patient = {
  id: 'p-123', firstName: 'Samwise', phone: '+15551234567', email: 'samwise@example.org',
  timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true,
};

interface Entry {
  at: string;
  atLocal: string;
  kind: string;
  stepId: string | null;
  detail: Record<string, unknown>;
}
async function answer(p: TestPipeline, patientId = patient.id): Promise<Entry[]> {
  const res = await p.server!.inject({ method: 'GET', url: `/v1/patients/${patientId}/timeline`, headers: bearer });
  expect(res.statusCode).toBe(200);
  return (res.json() as { entries: Entry[] }).entries;
}
const sentAt = async (p: TestPipeline, stepId: string) =>
  (await p.db.query<{ sent_at: Date }>('SELECT sent_at FROM steps WHERE id = $1', [stepId]))[0]!.sent_at.toISOString();
const storedSentRows = async (p: TestPipeline) =>
  (await p.db.query<{ n: number }>("SELECT count(*)::int AS n FROM timeline WHERE kind = 'step.sent'"))[0]!.n;
// Denver is UTC-7 in winter and -6 in summer; the local time is the same instant.
const localOf = (iso: string) => expect.stringMatching(new RegExp(`^${iso.slice(0, 4)}-.*[-+]0[67]:00$`));

// Every row inserted or updated in the tables a send touches, one line each.
const countWrites = `
  CREATE TABLE row_writes (tbl text NOT NULL, op text NOT NULL);
  CREATE FUNCTION count_row_write() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO row_writes VALUES (TG_TABLE_NAME, TG_OP);
    RETURN NULL;
  END $$;
  CREATE TRIGGER count_steps AFTER INSERT OR UPDATE ON steps FOR EACH ROW EXECUTE FUNCTION count_row_write();
  CREATE TRIGGER count_deliveries AFTER INSERT OR UPDATE ON deliveries FOR EACH ROW EXECUTE FUNCTION count_row_write();
  CREATE TRIGGER count_timeline AFTER INSERT OR UPDATE ON timeline FOR EACH ROW EXECUTE FUNCTION count_row_write();`;

/** A one-step plan due in a day: written to PostgreSQL, nothing sent by the workers while the test runs. */
async function plannedCheckin(p: TestPipeline): Promise<string> {
  await p.accept(sessionEvent({ escort: undefined, patient }));
  return waitFor('the check-in planned', async () =>
    (await p.db.query<{ id: string }>("SELECT id FROM steps WHERE key = 'checkin-24h'"))[0]?.id);
}

describe("a sent step's timeline entry", () => {
  it('answers the key, template, recipient, channels in their order, failures and unavailable, at the moment the step was sent', async () => {
    pipeline = await startPipeline({ clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'P1D', channel: 'both' }] } })] });
    const p = pipeline;
    const stepId = await plannedCheckin(p);
    const { step } = (await loadStep(p.db, stepId))!;
    expect(await startSending(p.db, [stepId])).toEqual(new Set([stepId]));
    const detail = { key: step.key, template: step.template, recipient: step.recipient, channels: ['email', 'sms'],
      failures: ['sms: twilio-20500'], unavailable: ['email: patient opted out of email'] };
    expect(await markStepsSent(p.db, [{ step, detail }])).toEqual(new Set([stepId]));
    // A second attempt moves nothing and adds no second entry.
    expect(await markStepsSent(p.db, [{ step, detail }])).toEqual(new Set());

    const entries = await answer(p);
    expect(entries.map((e) => e.kind)).toEqual(['event.accepted', 'step.scheduled', 'step.sent']);
    const at = await sentAt(p, stepId);
    expect(entries[2]).toEqual({
      at, atLocal: localOf(at), kind: 'step.sent', stepId,
      detail: { key: 'checkin-24h', template: 'checkin-24h', recipient: 'patient', channels: ['email', 'sms'],
        failures: ['sms: twilio-20500'], unavailable: ['email: patient opted out of email'] },
    });
  });

  it('answers a send refused by Twilio and made by email as the delivery failure, then the step sent by email with the failure', async () => {
    rig = await startProviderPipeline({
      clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', channel: 'preferred' }] } })],
      env: { SEND_BACKOFF: 'PT0.2S', CLAIM_TIMEOUT: 'PT1S' },
    });
    const { p, twilio, sink } = rig;
    twilio.failNext({ status: 400, code: 21211 });
    await p.accept(sessionEvent({ escort: undefined, patient }));
    await sink.waitFor(1, 15_000);
    const entries = await waitFor('the step sent on the timeline', async () => {
      const all = await answer(p);
      return all.some((e) => e.kind === 'step.sent') ? all : undefined;
    });

    const stepId = entries.find((e) => e.kind === 'step.sent')!.stepId!;
    expect(entries.map(({ kind, stepId: id, detail }) => ({ kind, stepId: id, detail }))).toEqual([
      { kind: 'event.accepted', stepId: null, detail: { eventId: expect.any(String), type: 'session.completed' } },
      { kind: 'step.scheduled', stepId, detail: { key: 'checkin-24h', template: 'checkin-24h', recipient: 'patient', dueAt: expect.any(String), planVersion: 1 } },
      { kind: 'delivery.failed', stepId, detail: { key: 'checkin-24h', channel: 'sms', code: 'twilio-21211', fallback: 'email' } },
      { kind: 'step.sent', stepId, detail: { key: 'checkin-24h', template: 'checkin-24h', recipient: 'patient', channels: ['email'], failures: ['sms: twilio-21211'] } },
    ]);
    expect(entries[3]?.at).toBe(await sentAt(p, stepId));
  });

  it('writes no timeline row for any of a plan’s sends, and answers each of them once after its scheduled entry', async () => {
    pipeline = await startPipeline();
    const p = pipeline;
    await p.db.exec(countWrites);
    await p.accept(sessionEvent());
    await waitFor('every step sent', async () => {
      const steps = await p.db.query<{ state: string }>('SELECT state FROM steps');
      return steps.length === 4 && steps.every((s) => s.state === 'sent');
    }, 20_000);

    const writes = await p.db.query<{ tbl: string; n: number }>('SELECT tbl, count(*)::int AS n FROM row_writes GROUP BY tbl ORDER BY tbl');
    expect(writes.find((w) => w.tbl === 'timeline')).toBeUndefined();
    expect(writes.find((w) => w.tbl === 'deliveries')?.n).toBeGreaterThanOrEqual(4);
    expect(await storedSentRows(p)).toBe(0);
    const entries = await answer(p);
    const sent = entries.filter((e) => e.kind === 'step.sent');
    expect(sent).toHaveLength(4);
    for (const e of sent) {
      expect(e.at).toBe(await sentAt(p, e.stepId!));
      expect(entries.findIndex((s) => s.kind === 'step.scheduled' && s.stepId === e.stepId)).toBeLessThan(entries.indexOf(e));
      expect(e.detail).toEqual({ key: expect.any(String), template: expect.any(String), recipient: expect.stringMatching(/^(patient|escort)$/), channels: ['sms'] });
    }
  });

  it('shows each entry stored before migration 018 once, read from its step where it can be, and keeps a fallback\'s stored', async () => {
    pipeline = await startPipeline({ clinics: [testClinic({ plans: { session: [
      { key: 'light-meal', template: 'light-meal', after: 'P1D' },
      { key: 'checkin-24h', template: 'checkin-24h', after: 'P1DT1H' },
    ] } })] });
    const p = pipeline;
    await p.accept(sessionEvent({ escort: undefined, patient }));
    const steps = await waitFor('both steps planned', async () => {
      const rows = await p.db.query<{ id: string; key: string }>('SELECT id, key FROM steps ORDER BY key');
      return rows.length === 2 ? rows : undefined;
    });
    const [checkin, meal] = steps as [{ id: string; key: string }, { id: string; key: string }];
    // As sends were recorded before: the step marked sent, its entry stored in the same statement.
    await p.db.query(
      `WITH sent AS (
         UPDATE steps SET state = 'sent', sent_at = now() - interval '10 minutes', updated_at = now() WHERE id = $1
         RETURNING clinic_id, patient_id, id, key, template, recipient, sent_at)
       INSERT INTO timeline (clinic_id, patient_id, kind, step_id, detail, at)
       SELECT clinic_id, patient_id, 'step.sent', id, jsonb_build_object('key', key, 'template', template, 'recipient', recipient,
              'channels', jsonb_build_array('sms'), 'failures', jsonb_build_array('email: smtp-550')), sent_at FROM sent`,
      [checkin.id]);
    // An entry written apart from its step's sent_at (as an older release could): not the step's own to give back.
    await p.db.query(
      `WITH sent AS (UPDATE steps SET state = 'sent', sent_at = now() - interval '5 minutes' WHERE id = $1 RETURNING *)
       INSERT INTO timeline (clinic_id, patient_id, kind, step_id, detail, at)
       SELECT clinic_id, patient_id, 'step.sent', id, jsonb_build_object('key', key, 'template', template, 'recipient', recipient,
              'channels', jsonb_build_array('sms')), sent_at + interval '3 milliseconds' FROM sent`, [meal.id]);
    await p.db.query(
      `INSERT INTO timeline (clinic_id, patient_id, kind, step_id, detail, at)
       SELECT clinic_id, patient_id, 'step.sent', id, jsonb_build_object('key', key, 'template', template, 'recipient', recipient,
              'channels', jsonb_build_array('email'), 'fallback', true), now() - interval '1 minute' FROM steps WHERE id = $1`, [checkin.id]);
    const before = await answer(p);
    expect(before.filter((e) => e.kind === 'step.sent').map((e) => [e.stepId, e.detail.channels])).toEqual(
      [[checkin.id, ['sms']], [meal.id, ['sms']], [checkin.id, ['email']]]);

    await p.db.query("DELETE FROM schema_migrations WHERE version = '018_derived_sent_entry.sql'");
    expect(await migrate(p.db)).toEqual(['018_derived_sent_entry.sql']);

    expect(await answer(p)).toEqual(before);
    const stored = await p.db.query<{ step_id: string; fallback: boolean }>(
      "SELECT step_id, detail ? 'fallback' AS fallback FROM timeline WHERE kind = 'step.sent' ORDER BY id");
    expect(stored).toEqual([{ step_id: meal.id, fallback: false }, { step_id: checkin.id, fallback: true }]);
  });
});
