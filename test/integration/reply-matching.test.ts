import { afterEach, describe, expect, it } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import { otherClinic, sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { escalationRows, inboundSms } from '../support/inbound-sms.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// Which patient an inbound SMS is about, and when it answers their check-in.

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

const inbound = inboundSms;
const escalations = escalationRows;

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

describe('one phone, several patients', () => {
  const later = { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT1H', channel: 'sms' as const }] };
  const soon = { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT0S', channel: 'sms' as const, quietHours: 'ignore' as const }] };
  const patientB = (clinicId: string) => sessionEvent({ clinicId, escort: undefined, patient: { ...sessionEvent().patient, id: 'p-456', firstName: 'Rosie' } });

  it('gives a reply to the patient whose check-in is open, not the one with the newest plan', async () => {
    const p = await startRig([testClinic({ plans: checkinOnly }), otherClinic({ plans: later })]);
    await p.accept(sessionEvent({ escort: undefined }));
    await checkinSent(p);
    await p.accept(patientB('clinic-b'));
    await waitFor('the newer plan stored', async () => (await p.db.query("SELECT 1 FROM plans WHERE clinic_id = 'clinic-b'")).length === 1);
    await inbound(p, patientPhone, '2');
    const [escalation] = await waitFor('an escalation', async () => { const e = await escalations(p); return e.length ? e : undefined; });
    expect(escalation).toMatchObject({ clinic_id: 'clinic-a', patient_id: 'p-123', kind: 'attention' });
  });

  it('without an open check-in, gives a reply to the patient who was texted last', async () => {
    const p = await startRig([testClinic({ plans: soon }), otherClinic({ plans: later })]);
    await p.accept(sessionEvent({ escort: undefined }));
    await waitFor('the light-meal sent', async () => (await p.db.query("SELECT 1 FROM steps WHERE state = 'sent'")).length === 1);
    await p.accept(patientB('clinic-b'));
    await waitFor('the newer plan stored', async () => (await p.db.query("SELECT 1 FROM plans WHERE clinic_id = 'clinic-b'")).length === 1);
    await inbound(p, patientPhone, 'I fainted in the shower');
    const [escalation] = await waitFor('an escalation', async () => { const e = await escalations(p); return e.length ? e : undefined; });
    expect(escalation).toMatchObject({ clinic_id: 'clinic-a', patient_id: 'p-123', kind: 'attention' });
  });

  it('opts out every patient with that number at the clinic, and no one at another clinic', async () => {
    const p = await startRig([testClinic({ plans: later }), otherClinic({ plans: later })]);
    await p.accept(sessionEvent({ clinicId: 'clinic-b', escort: undefined }));
    await waitFor('the clinic-b plan stored', async () => (await p.db.query('SELECT 1 FROM plans')).length === 1);
    await p.accept(sessionEvent({ escort: undefined }));
    await p.accept(patientB('clinic-a'));
    await waitFor('three plans stored', async () => (await p.db.query('SELECT 1 FROM plans')).length === 3);
    await inbound(p, patientPhone, 'STOP');
    const rows = await p.db.query<{ clinic_id: string; id: string; out: boolean }>(
      'SELECT clinic_id, id, sms_opted_out_at IS NOT NULL AS out FROM patients ORDER BY clinic_id, id');
    expect(rows).toEqual([
      { clinic_id: 'clinic-a', id: 'p-123', out: true },
      { clinic_id: 'clinic-a', id: 'p-456', out: true },
      { clinic_id: 'clinic-b', id: 'p-123', out: false },
    ]);
    const steps = await p.db.query<{ clinic_id: string; state: string }>('SELECT clinic_id, state FROM steps ORDER BY clinic_id, patient_id');
    expect(steps.map((s) => `${s.clinic_id} ${s.state}`)).toEqual(['clinic-a cancelled', 'clinic-a cancelled', 'clinic-b scheduled']);
  });
});

describe('a reply from someone who is not the patient', () => {
  const escortPhone = '+15557654321';

  it("escalates the escort's crisis message as about their patient, and answers them with emergency guidance", async () => {
    const p = await startRig();
    await p.accept(sessionEvent());
    await checkinSent(p);
    const reply = await inbound(p, escortPhone, 'she stopped breathing what do i do');
    expect(reply.twiml).toContain('Alexandrina, thank you for telling us');
    expect(reply.twiml).toContain('911');
    const [escalation] = await waitFor('an escalation', async () => { const e = await escalations(p); return e.length ? e : undefined; });
    expect(escalation).toMatchObject({ clinic_id: 'clinic-a', patient_id: 'p-123', kind: 'urgent', reason: expect.stringMatching(/^has an escort who replied with crisis language/) });
    const [stored] = await p.db.query<{ patient_id: string; step_id: string | null; detail: { sender: string } }>('SELECT patient_id, step_id, detail FROM replies');
    // The escort's message is not the patient's answer to their check-in.
    expect(stored).toMatchObject({ patient_id: 'p-123', step_id: null, detail: { sender: 'escort' } });
  });

  it('answers crisis language from a number nobody knows and escalates it to the clinic it texted, on a flagged stand-in', async () => {
    const harbourNumber = '+15550008888';
    const p = await startRig([testClinic({ plans: checkinOnly }), otherClinic({ smsNumbers: [harbourNumber] })]);
    const stranger = '+15559990000';
    const reply = await inbound(p, stranger, 'my brother took too many pills and wont wake up', harbourNumber);
    expect(reply.status).toBe(200);
    expect(reply.twiml).toContain('Hello, thank you for telling us');
    expect(reply.twiml).toContain('Harbour Wellness');
    const [escalation] = await waitFor('an escalation', async () => { const e = await escalations(p); return e.length ? e : undefined; });
    expect(escalation).toMatchObject({ clinic_id: 'clinic-b', kind: 'urgent', reason: expect.stringMatching(/^texted from a number no patient or escort has/) });
    expect(escalation!.patient_id).toMatch(/^unknown-/);
    expect(escalation!.patient_id).not.toContain('5559990000');
    const [standIn] = await p.db.query<{ first_name: string; unknown_sender: boolean; sms_consent: boolean }>(
      'SELECT first_name, unknown_sender, sms_consent FROM patients WHERE id = $1', [escalation!.patient_id]);
    expect(standIn).toEqual({ first_name: 'Unknown sender', unknown_sender: true, sms_consent: false });
    await waitFor('the nurse of the clinic texted alerted', () => rig!.twilio.messages.some((m) => m.to === '+15550002222' && m.body.includes('Harbour Wellness')));
  });
});

describe('a crisis message posted twice', () => {
  it('is answered with guidance both times and escalated once', async () => {
    const p = await startRig();
    await p.accept(sessionEvent({ escort: undefined }));
    await checkinSent(p);
    const first = await inbound(p, patientPhone, 'i want to end my life');
    const again = await inboundSms(p, patientPhone, 'i want to end my life', undefined, first.sid);
    expect(first.twiml).toContain('Samwise, thank you for telling us');
    expect(again.twiml).toContain('thank you for telling us');
    expect(await escalations(p)).toHaveLength(1);
  });
});
