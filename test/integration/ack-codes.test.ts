import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import type { Sql } from '../../store/db.ts';
import { codeAlphabet } from '../../store/escalation-codes.ts';
import { openEscalationRounds, raiseEscalation, unnotifiedEscalations } from '../../store/escalations.ts';
import { otherClinic, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { providerAccount } from '../support/provider-pipeline.ts';
import { signTwilioRequest } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Acknowledgement codes: long enough never to run out, unique among open escalations of every
// clinic, allocated without ever failing the reply that raises them; reviews close by themselves.

const { accountSid, authToken, from, publicBaseUrl } = providerAccount;
const shared = '+15550007777';

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.dispose();
  p = undefined;
});

async function start(options: { role?: 'api' | 'all'; clinics?: ClinicInput[] } = {}) {
  p = await startPipeline({
    role: options.role ?? 'api',
    clinics: options.clinics ?? [testClinic(), otherClinic()],
    env: { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from, PUBLIC_BASE_URL: publicBaseUrl, TWILIO_API_URL: 'http://127.0.0.1:9' },
  });
  return p;
}

const raise = (sql: Sql, clinicId: string, n: number | string, kind: 'urgent' | 'review' | 'attention' = 'urgent') =>
  raiseEscalation(sql, { id: `esc-${clinicId}-${n}`, clinicId, patientId: `p-${n}`, kind, reason: 'test' });

async function inbound(pipeline: TestPipeline, sender: string, body: string) {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: accountSid, From: sender, To: from, Body: body };
  const res = await pipeline.server!.inject({
    method: 'POST', url: '/webhooks/twilio/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${publicBaseUrl}/webhooks/twilio/inbound`, params) },
    payload: new URLSearchParams(params).toString(),
  });
  return res.body;
}

describe('acknowledgement codes', () => {
  it('are 6 characters from an unambiguous alphabet, unique across clinics', async () => {
    const { db } = await start();
    const codes: string[] = [];
    for (let i = 0; i < 40; i++) {
      codes.push((await raise(db, 'clinic-a', i)).escalation.code, (await raise(db, 'clinic-b', i)).escalation.code);
    }
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${codeAlphabet}]{6}$`));
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('never fails the reply transaction, even with every 4-digit code open at the clinic', async () => {
    const { db } = await start();
    await db.query(`INSERT INTO escalations (id, clinic_id, patient_id, kind, reason, code)
      SELECT 'esc-old-' || n, 'clinic-a', 'p-old', 'review', 'test', n::text FROM generate_series(1000, 9999) AS n`);
    const raised = await db.transaction(async (tx) => (await raise(tx, 'clinic-a', 'crisis')).escalation);
    expect(raised.code).toHaveLength(6);
    expect(await db.query("SELECT id FROM escalations WHERE id = 'esc-clinic-a-crisis'")).toHaveLength(1);
  });

  it('grows a character instead of failing when the shorter codes tried are taken', async () => {
    const { db } = await start();
    await db.query(`INSERT INTO escalations (id, clinic_id, patient_id, kind, reason, code) VALUES
      ('esc-x6', 'clinic-b', 'p-x', 'urgent', 'test', 'AAAAAA'), ('esc-x7', 'clinic-b', 'p-x', 'urgent', 'test', 'AAAAAAA')`);
    const taken = (length: number) => 'A'.repeat(length);
    const raised = await db.transaction(async (tx) => (await raiseEscalation(tx, { id: 'esc-long', clinicId: 'clinic-a', patientId: 'p-1', kind: 'urgent', reason: 'test' }, taken)).escalation);
    expect(raised.code).toBe('AAAAAAAA');
  });

  it('refuses the same open code at two clinics', async () => {
    const { db } = await start();
    const a = (await raise(db, 'clinic-a', 1)).escalation;
    const b = (await raise(db, 'clinic-b', 1)).escalation;
    await expect(db.query('UPDATE escalations SET code = $1 WHERE id = $2', [a.code, b.id])).rejects.toThrow();
  });
});

describe('ACK by SMS', () => {
  it('acknowledges only the escalation the code names, at a clinic the contact belongs to', async () => {
    const { db } = await start({ clinics: [
      testClinic({ escalation: { contacts: [{ name: 'Dr Shared at Riverside', phone: shared }] } }),
      otherClinic({ escalation: { contacts: [{ name: 'Dr Shared at Harbour', phone: shared }, { name: 'Harbour nurse', phone: '+15550008888' }] } }),
    ] });
    const atA = (await raise(db, 'clinic-a', 1)).escalation;
    const atB = (await raise(db, 'clinic-b', 1)).escalation;

    expect(await inbound(p!, '+15550008888', `ACK ${atA.code}`)).toContain(`No open alert has code ${atA.code}`);
    expect(await inbound(p!, shared, `ack ${atB.code.toLowerCase()}`)).toContain(`Acknowledged ${atB.code}`);
    const rows = await db.query<{ id: string; status: string; acknowledged_by: string | null }>('SELECT id, status, acknowledged_by FROM escalations ORDER BY id');
    expect(rows).toEqual([
      { id: atA.id, status: 'open', acknowledged_by: null },
      { id: atB.id, status: 'acknowledged', acknowledged_by: 'Dr Shared at Harbour' },
    ]);
  });
});

describe('the reconciler', () => {
  it('closes reviews nobody acknowledged within closeReviewsAfter, and says so on the timeline', async () => {
    const { db } = await start({ role: 'all', clinics: [testClinic({ escalation: {
      contacts: [{ name: 'On-call nurse', email: 'oncall@example.org' }], closeReviewsAfter: 'PT1H' } })] });
    const review = (await raise(db, 'clinic-a', 1, 'review')).escalation;
    const attention = (await raise(db, 'clinic-a', 2, 'attention')).escalation;
    const fresh = (await raise(db, 'clinic-a', 3, 'review')).escalation;
    await db.query("UPDATE escalations SET raised_at = now() - interval '2 hours' WHERE id = ANY($1::text[])", [[review.id, attention.id]]);

    await waitFor('the stale review closed', async () =>
      (await db.query("SELECT 1 FROM escalations WHERE id = $1 AND status = 'closed' AND closed_at IS NOT NULL", [review.id])).length === 1);
    const open = await db.query<{ id: string }>("SELECT id FROM escalations WHERE status = 'open' ORDER BY id");
    expect(open.map((r) => r.id)).toEqual([attention.id, fresh.id]);
    const [note] = await db.query<{ detail: { escalationId: string; reason: string } }>("SELECT detail FROM timeline WHERE kind = 'escalation.closed'");
    expect(note?.detail).toMatchObject({ escalationId: review.id, reason: 'nobody acknowledged it within PT1H' });
  });

  it('resumes urgent escalations before older, less urgent ones', async () => {
    const { db } = await start();
    await raise(db, 'clinic-a', 1, 'review');
    await raise(db, 'clinic-a', 2, 'attention');
    const urgent = (await raise(db, 'clinic-a', 3, 'urgent')).escalation;
    await db.query("UPDATE escalations SET raised_at = now() - (interval '1 minute' * (4 - substr(id, length(id))::int))");
    expect(await unnotifiedEscalations(db, new Date(Date.now() + 60_000), 1)).toEqual([urgent.id]);
    expect((await openEscalationRounds(db, 1)).map((e) => e.id)).toEqual([urgent.id]);
  });
});
