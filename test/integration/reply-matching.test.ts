import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import { otherClinic, sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { providerAccount, startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { signTwilioRequest } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Which patient an inbound SMS is about, and when it answers their check-in.

const { accountSid, authToken, publicBaseUrl } = providerAccount;
const inboundUrl = `${publicBaseUrl}/webhooks/twilio/inbound`;
const patientPhone = '+15551234567';
const checkinOnly = { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', expectsReply: { within: 'PT1H' } }] };

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

async function startRig(clinics: ClinicInput[] = [testClinic({ plans: checkinOnly }), otherClinic()]) {
  rig = await startProviderPipeline({ clinics, env: { RECONCILE_EVERY: 'PT1S' } });
  return rig.p;
}

/** An inbound SMS as Twilio would post it, signed. */
async function inbound(p: TestPipeline, from: string, body: string, to = providerAccount.from) {
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: accountSid, From: from, To: to, Body: body };
  const res = await p.server!.inject({
    method: 'POST', url: '/webhooks/twilio/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, inboundUrl, params) },
    payload: new URLSearchParams(params).toString(),
  });
  return { status: res.statusCode, twiml: res.body, sid: params.MessageSid };
}

const escalations = (p: TestPipeline) =>
  p.db.query<{ clinic_id: string; patient_id: string; kind: string; reason: string }>('SELECT clinic_id, patient_id, kind, reason FROM escalations ORDER BY raised_at');

async function checkinSent(p: TestPipeline, clinicId = 'clinic-a') {
  await waitFor('the check-in recorded as sent', async () =>
    (await p.db.query("SELECT 1 FROM steps WHERE clinic_id = $1 AND key = 'checkin-24h' AND state = 'sent'", [clinicId])).length === 1);
}

describe('a reply to a check-in', () => {
  it('counts a score that arrives while the check-in Twilio accepted is still being recorded as sent', async () => {
    const p = await startRig();
    await p.accept(sessionEvent({ escort: undefined }));
    await checkinSent(p);
    // The moment between Twilio's answer and the step's "sent" record: the claim exists, the step is still sending.
    await p.db.query("UPDATE steps SET state = 'sending', sent_at = NULL WHERE key = 'checkin-24h'");
    await p.db.query("UPDATE deliveries SET status = 'sending', provider_id = NULL");
    await inbound(p, patientPhone, '1');
    const [escalation] = await waitFor('an escalation', async () => { const e = await escalations(p); return e.length ? e : undefined; });
    expect(escalation).toMatchObject({ kind: 'attention', reason: 'rated the check-in 1 of 5' });
    const [reply] = await p.db.query<{ classification: string; step_id: string | null }>('SELECT classification, step_id FROM replies');
    expect(reply).toMatchObject({ classification: 'score', step_id: expect.stringContaining('checkin-24h') });
  });
});
