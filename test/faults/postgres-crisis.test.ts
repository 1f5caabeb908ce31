import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultRig, type FaultRig } from '../support/fault-rig.ts';
import { secretsOf, seconds, sessionFor, staff, testPatient } from '../support/fault-population.ts';
import { leaks, printFigures, redisContents } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.ts';
import { waitFor } from '../support/wait-for.ts';

// PostgreSQL stopped while a patient texts crisis language: Twilio posts the message once and never
// again, so the webhook must answer it from the clinic file and keep it until PostgreSQL is back.

const unavailable = privatePostgresUnavailable();
let rig: FaultRig | undefined;
let postgres: PrivatePostgres | undefined;
afterEach(async () => {
  await rig?.dispose();
  await postgres?.dispose();
  rig = undefined;
  postgres = undefined;
});

const later = { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT1H', channel: 'sms' as const }] };

describe('PostgreSQL down when a crisis SMS arrives', () => {
  it.skipIf(unavailable !== undefined)(`answers it with crisis guidance at once, and escalates it once PostgreSQL is back, once${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
    postgres = await startPrivatePostgres();
    const db = postgres;
    rig = await startFaultRig({
      databaseUrl: db.url,
      clinics: [testClinic({ plans: later, escalation: { contacts: [staff], renotifyAfter: 'PT10M' } })],
      env: { DATA_KEY: randomBytes(32).toString('base64') },
    });
    const r = rig;
    const worker = await r.startWorker('worker');
    const patient = testPatient(0);
    await r.api.accept(sessionFor(patient));
    await waitFor('the plan stored', async () => (await r.api.db.query('SELECT 1 FROM plans')).length === 1);

    await db.stop('fast');
    const downAt = Date.now();
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const body = 'i cant stop thinking about killing myself tonight';
    const answer = await r.inbound(patient.phone, body, sid);
    const answeredSeconds = seconds(downAt);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('988');
    expect(answer.body).toContain('741741');
    // Twilio posting the same message again while PostgreSQL is still down keeps it once.
    expect((await r.inbound(patient.phone, body, sid)).status).toBe(200);
    const kept = await redisContents(r.redisUrl, r.prefix);
    expect(kept.filter((text) => text.includes(`inbound-${sid}`)).length).toBeGreaterThan(0);

    await db.start();
    const upAt = Date.now();
    // Staff notices go out from a worker process; one that died in the outage is started again, as an orchestrator would.
    if (!worker.running()) await r.startWorker('worker (restarted)');
    const timeline = await waitFor('the reply on the timeline', async () => {
      const rows = await r.api.db.query<{ kind: string }>("SELECT kind FROM timeline WHERE patient_id = $1 AND kind = 'reply.received'", [patient.id]);
      return rows.length ? rows : undefined;
    }, 30_000, 100);
    const receivedSeconds = seconds(upAt);
    const notice = await waitFor('the urgent staff notice', () => r.twilio.messages.find((m) => m.to === staff.phone && m.body.startsWith('URGENT')), 30_000, 100);
    const noticeSeconds = seconds(upAt);
    await waitFor('the kept message drained', async () => (await r.api.redis.keys(`${r.prefix}:inbound:inbound-*`)).length === 0, 15_000);
    await waitFor('the staff email', () => r.smtp.messages.some((m) => m.to.includes(staff.email)), 15_000);
    printFigures({ scenario: 'postgres-down-crisis-sms', answeredSeconds, receivedSeconds, noticeSeconds, downSeconds: seconds(downAt, upAt) });

    expect(timeline).toHaveLength(1);
    expect(notice.body).toContain('replied with crisis language');
    expect(await r.api.db.query('SELECT id FROM replies')).toEqual([{ id: sid }]);
    expect(await r.api.db.query<{ kind: string }>('SELECT kind FROM escalations')).toEqual([{ kind: 'urgent' }]);
    expect(r.twilio.messages.filter((m) => m.to === staff.phone)).toHaveLength(1);
    const secrets = secretsOf([patient], [body]);
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(kept, secrets)).toEqual([]);
  });
});
