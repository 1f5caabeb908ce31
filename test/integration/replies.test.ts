import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { clinicAKey, clinicBKey, otherClinic, sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { providerAccount, startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';
import { signTwilioRequest, type TwilioServer } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Patients answer by SMS; staff hear about what needs a human until someone acknowledges.

const { accountSid, authToken, publicBaseUrl } = providerAccount;
const inboundUrl = `${publicBaseUrl}/webhooks/twilio/inbound`;
const patientPhone = '+15551234567';
const nurse = { name: 'On-call nurse', phone: '+15550002222', email: 'oncall@example.org' };
const director = { name: 'Medical director', phone: '+15550003333', email: 'md@example.org' };

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

async function startRig(options: { within?: string; patientEmail?: boolean } = {}) {
  const escalation = { contacts: [nurse, director], renotifyAfter: 'PT1S', nextContactAfter: 'PT3S' };
  rig = await startProviderPipeline({
    clinics: [
      testClinic({ escalation, plans: { session: [
        { key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', expectsReply: { within: options.within ?? 'PT1H', remindOnce: true } },
        { key: 'light-meal', template: 'light-meal', after: 'PT3S', channel: 'sms' },
      ] } }),
      otherClinic(),
    ],
    env: { RECONCILE_EVERY: 'PT1S' },
  });
  const { p, twilio: t, sink } = rig;
  const event = sessionEvent({ escort: undefined, patient: { ...sessionEvent().patient, ...(options.patientEmail === false ? { email: undefined } : {}) } });
  await p.accept(event);
  await waitFor('the check-in SMS', () => t.messages.some((m) => m.to === patientPhone));
  await waitFor('the check-in recorded as sent', async () =>
    (await p.db.query("SELECT 1 FROM steps WHERE key = 'checkin-24h' AND state = 'sent'")).length === 1);
  return { p, twilio: t, sink, event };
}

/** An inbound SMS as Twilio would post it, signed unless told otherwise. */
async function inbound(p: TestPipeline, from: string, body: string, options: { sid?: string; signature?: string } = {}) {
  const params = { MessageSid: options.sid ?? `SM${randomBytes(16).toString('hex')}`, AccountSid: accountSid, From: from, To: '+15550009999', Body: body };
  const res = await p.server!.inject({
    method: 'POST', url: '/webhooks/twilio/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': options.signature ?? signTwilioRequest(authToken, inboundUrl, params) },
    payload: new URLSearchParams(params).toString(),
  });
  return { status: res.statusCode, twiml: res.body, sid: params.MessageSid };
}

const smsTo = (t: TwilioServer, phone: string) => t.messages.filter((m) => m.to === phone);
const mailTo = (s: SmtpSink, address: string) => s.messages.filter((m) => m.to.includes(address));
const escalations = (p: TestPipeline) =>
  p.db.query<{ id: string; kind: string; code: string; status: string; acknowledged_by: string | null; notified_rounds: number }>(
    'SELECT id, kind, code, status, acknowledged_by, notified_rounds FROM escalations ORDER BY raised_at');

async function escalationOf(p: TestPipeline, kind: string) {
  return (await escalations(p)).find((e) => e.kind === kind);
}

describe('a low check-in score', () => {
  it('alerts the on-call nurse by SMS and email, and stops once the nurse replies ACK', async () => {
    const { p, twilio: t, sink: s } = await startRig();
    const reply = await inbound(p, patientPhone, '1');
    expect(reply.status).toBe(200);
    expect(reply.twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

    const raised = await waitFor('an attention escalation', () => escalationOf(p, 'attention'));
    expect(raised?.status).toBe('open');
    const alert = await waitFor('the nurse alerted by SMS', () => smsTo(t, nurse.phone)[0]);
    expect(alert.body).toContain(`ACK ${raised.code}`);
    expect(alert.body).toContain('rated the check-in 1 of 5');
    expect(alert.body).not.toContain('Samwise');
    const mail = await waitFor('the nurse alerted by email', () => mailTo(s, nurse.email)[0]);
    expect(mail.text).toContain('Their message: "1"');

    const ack = await inbound(p, nurse.phone, `ack ${raised.code}`);
    expect(ack.twiml).toContain(`Acknowledged ${raised.code}`);
    const [closed] = await escalations(p);
    expect(closed).toMatchObject({ status: 'acknowledged', acknowledged_by: 'On-call nurse' });

    // The second round was queued for a second after the first; once it has run, nothing more went out.
    await waitFor('the second round processed', async () => !(await p.queues.escalations.getJob(`${raised.id}-round2`)));
    expect(smsTo(t, nurse.phone)).toHaveLength(1);
    expect(smsTo(t, director.phone)).toHaveLength(0);

    const timeline = await p.server!.inject({ method: 'GET', url: '/v1/patients/p-123/timeline', headers: { authorization: `Bearer ${clinicAKey}` } });
    const kinds = timeline.json().entries.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['reply.received', 'escalation.raised', 'escalation.notified', 'escalation.acknowledged']));
    const received = timeline.json().entries.find((e: { kind: string }) => e.kind === 'reply.received');
    expect(received.detail).toMatchObject({ text: '1', classification: 'score', score: 1 });
  });
});

describe('crisis language', () => {
  it('answers the patient with emergency guidance at once and keeps alerting, moving to the backup contact', async () => {
    const { p, twilio: t } = await startRig();
    const reply = await inbound(p, patientPhone, "honestly i dont want to be alive anymore");
    expect(reply.twiml).toContain('988');
    expect(reply.twiml).toContain('741741');
    const urgent = await waitFor('an urgent escalation', () => escalationOf(p, 'urgent'));
    await waitFor('the nurse alerted twice', () => smsTo(t, nurse.phone).length >= 2, 20_000);
    await waitFor('the medical director alerted once nobody acknowledged', () => smsTo(t, director.phone).length >= 1, 20_000);
    expect(smsTo(t, director.phone)[0]?.body).toMatch(/^URGENT/);

    const api = await p.server!.inject({ method: 'POST', url: `/v1/escalations/${urgent.id}/ack`, headers: { authorization: `Bearer ${clinicAKey}` }, payload: { by: 'Dr Lee' } });
    expect(api.statusCode).toBe(200);
    expect(api.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Dr Lee' });
    const count = smsTo(t, nurse.phone).length + smsTo(t, director.phone).length;
    const [after] = await escalations(p);
    await waitFor('the next round processed', async () => !(await p.queues.escalations.getJob(`${urgent.id}-round${after!.notified_rounds + 1}`)), 20_000);
    expect(smsTo(t, nurse.phone).length + smsTo(t, director.phone).length).toBe(count);
  });

  it('lists open escalations urgent first and hides them from another clinic', async () => {
    const { p } = await startRig();
    await inbound(p, patientPhone, 'fine i guess, whatever');
    await inbound(p, patientPhone, 'I took too many pills');
    await waitFor('two escalations', async () => (await escalations(p)).length === 2);
    const mine = await p.server!.inject({ method: 'GET', url: '/v1/escalations?status=open', headers: { authorization: `Bearer ${clinicAKey}` } });
    expect(mine.json().escalations.map((e: { kind: string }) => e.kind)).toEqual(['urgent', 'review']);
    const theirs = await p.server!.inject({ method: 'GET', url: '/v1/escalations?status=open', headers: { authorization: `Bearer ${clinicBKey}` } });
    expect(theirs.json().escalations).toEqual([]);
    const id = mine.json().escalations[0].id;
    const foreign = await p.server!.inject({ method: 'POST', url: `/v1/escalations/${id}/ack`, headers: { authorization: `Bearer ${clinicBKey}` }, payload: {} });
    expect(foreign.statusCode).toBe(404);
  });
});

describe('risk read from the words', () => {
  it("tells a sender reporting someone else's emergency to call the emergency number now, and staff read that it was reported", async () => {
    const { p, twilio: t } = await startRig();
    const body = "this is her husband, she's not breathing right and her lips look blue";
    const reply = await inbound(p, patientPhone, body);
    expect(reply.twiml).toContain('911');
    expect(reply.twiml).toContain('anyone else is in danger');
    const urgent = await waitFor('an urgent escalation', () => escalationOf(p, 'urgent'));
    const [row] = await p.db.query<{ reason: string }>('SELECT reason FROM escalations WHERE id = $1', [urgent.id]);
    expect(row?.reason).toMatch(/^replied with crisis language about someone else \(reported by the sender; .*breathing/);
    await waitFor('the nurse alerted', () => smsTo(t, nurse.phone).length >= 1, 20_000);
    expect(smsTo(t, nurse.phone)[0]?.body).toContain('reported by the sender');
    expect(smsTo(t, nurse.phone)[0]?.body).not.toContain('lips look blue');
  });

  it('puts the cues that decided on the timeline and in the reason, not the reply', async () => {
    const { p } = await startRig();
    await inbound(p, patientPhone, 'i have a rope in the garage and keep looking at it');
    const urgent = await waitFor('an urgent escalation', () => escalationOf(p, 'urgent'));
    const [row] = await p.db.query<{ reason: string }>('SELECT reason FROM escalations WHERE id = $1', [urgent.id]);
    expect(row?.reason).toMatch(/^replied with crisis language \(means: rope/);
    expect(row?.reason).not.toContain('garage');
    const [entry] = await p.db.query<{ detail: { evidence: string[]; subject: string } }>("SELECT detail FROM timeline WHERE kind = 'reply.received'");
    expect(entry?.detail.subject).toBe('self');
    expect(entry?.detail.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/^means: rope/)]));
  });

  it('opts out on a stop in plain words, and not on "stop" inside a symptom', async () => {
    const { p } = await startRig({ patientEmail: false });
    await inbound(p, patientPhone, "I can't stop throwing up");
    const [still] = await p.db.query<{ sms_opted_out_at: Date | null }>('SELECT sms_opted_out_at FROM patients');
    expect(still?.sms_opted_out_at).toBeNull();
    await waitFor('an attention escalation', () => escalationOf(p, 'attention'));
    const stop = await inbound(p, patientPhone, 'please stop texting me');
    expect(stop.twiml).toContain('START');
    const [patient] = await p.db.query<{ sms_opted_out_at: Date | null }>('SELECT sms_opted_out_at FROM patients');
    expect(patient?.sms_opted_out_at).toBeInstanceOf(Date);
  });
});

describe('opt-out', () => {
  it('sends no SMS after STOP, across a later due step, and START opts back in', async () => {
    const { p, twilio: t } = await startRig({ patientEmail: false });
    const stop = await inbound(p, patientPhone, 'STOP');
    // Twilio answers its own STOP with its confirmation (and would refuse ours, 21610): we add none.
    expect(stop.twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const before = smsTo(t, patientPhone).length;
    await waitFor('the light-meal step settled', async () =>
      (await p.db.query<{ state: string }>("SELECT state FROM steps WHERE key = 'light-meal' AND state IN ('cancelled', 'skipped')")).length === 1);
    expect(smsTo(t, patientPhone)).toHaveLength(before);
    const [patient] = await p.db.query<{ sms_opted_out_at: Date | null }>('SELECT sms_opted_out_at FROM patients');
    expect(patient?.sms_opted_out_at).toBeInstanceOf(Date);
    const start = await inbound(p, patientPhone, 'start');
    expect(start.status).toBe(200);
    const [back] = await p.db.query<{ sms_opted_out_at: Date | null }>('SELECT sms_opted_out_at FROM patients');
    expect(back?.sms_opted_out_at).toBeNull();
  });

  it('answers HELP with the clinic name and phone', async () => {
    const { p } = await startRig();
    const help = await inbound(p, patientPhone, 'help');
    expect(help.twiml).toContain('Riverside Clinic');
    expect(help.twiml).toContain('+15550001111');
  });
});

describe('the inbound webhook', () => {
  it('answers a forged request 403 and records nothing', async () => {
    const { p } = await startRig();
    const forged = await inbound(p, patientPhone, 'I want to die', { signature: 'bm90LWEtc2lnbmF0dXJl' });
    expect(forged.status).toBe(403);
    const missing = await p.server!.inject({ method: 'POST', url: '/webhooks/twilio/inbound', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'MessageSid=SM00000000000000000000000000000000&From=%2B15551234567&Body=hi' });
    expect(missing.statusCode).toBe(403);
    expect(await p.db.query('SELECT id FROM replies')).toHaveLength(0);
    expect(await escalations(p)).toHaveLength(0);
  });

  it('processes the same MessageSid once', async () => {
    const { p } = await startRig();
    const sid = `SM${randomBytes(16).toString('hex')}`;
    await inbound(p, patientPhone, 'I fainted this morning', { sid });
    await inbound(p, patientPhone, 'I fainted this morning', { sid });
    expect(await p.db.query('SELECT id FROM replies')).toHaveLength(1);
    expect(await escalations(p)).toHaveLength(1);
  });

  it('records an everyday message from an unknown number, classified, and raises nothing', async () => {
    const { p } = await startRig();
    const reply = await inbound(p, '+15559990000', 'who is this?');
    expect(reply.status).toBe(200);
    expect(reply.twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const rows = await p.db.query<{ patient_id: string | null; classification: string }>('SELECT patient_id, classification FROM replies');
    expect(rows).toEqual([{ patient_id: null, classification: 'other' }]);
    expect(await escalations(p)).toHaveLength(0);
  });
});

describe('a check-in with no reply', () => {
  it('sends one gentle reminder, then raises a review escalation by email', async () => {
    const { p, twilio: t, sink: s } = await startRig({ within: 'PT1S' });
    await waitFor('a reminder SMS', () => smsTo(t, patientPhone).some((m) => m.body.includes('checking in')), 20_000);
    const review = await waitFor('a review escalation', () => escalationOf(p, 'review'), 20_000);
    const mail = await waitFor('the review emailed to the nurse', () => mailTo(s, nurse.email)[0], 20_000);
    expect(mail.subject).toContain(`ACK ${review.code}`);
    expect(mail.text).toContain('did not answer the checkin-24h check-in, even after a reminder');
    expect(smsTo(t, nurse.phone)).toHaveLength(0);
  });

  it('closes the window when the patient answers', async () => {
    const { p, twilio: t } = await startRig({ within: 'PT2S' });
    await inbound(p, patientPhone, '4 tired but ok');
    await waitFor('the window job processed', async () => {
      const [row] = await p.db.query<{ closed: boolean }>("SELECT window_closed_at IS NOT NULL AS closed FROM steps WHERE key = 'checkin-24h'");
      const job = await p.queues.steps.getJobs(['delayed', 'waiting', 'active']);
      return row?.closed && !job.some((j) => j.id?.endsWith('-window1'));
    }, 20_000);
    expect(smsTo(t, patientPhone).filter((m) => m.body.includes('checking in'))).toHaveLength(0);
    expect(await escalations(p)).toHaveLength(0);
  });
});
