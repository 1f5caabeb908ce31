import { afterEach, describe, expect, it } from 'vitest';
import { sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { escalationRows, inboundSms } from '../support/inbound-sms.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// What an opt-out changes for a later crisis reply, and what the patient hears back.

const patientPhone = '+15551234567';
const later = { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT1H', channel: 'sms' as const }] };

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

async function startRig(): Promise<TestPipeline> {
  rig = await startProviderPipeline({ clinics: [testClinic({ plans: later })] });
  await rig.p.accept(sessionEvent({ escort: undefined }));
  await waitFor('the plan stored', async () => (await rig!.p.db.query('SELECT 1 FROM plans')).length === 1);
  return rig.p;
}

const timelineOf = (p: TestPipeline) =>
  p.db.query<{ kind: string; detail: Record<string, unknown> }>("SELECT kind, detail FROM timeline WHERE patient_id = 'p-123' ORDER BY id");
const cannotDeliver = 'guidance could not be delivered: the patient texted STOP, so Twilio blocks our replies; call them';

describe('a crisis reply after an opt-out', () => {
  it('tells staff to call when the patient had texted STOP, since Twilio blocks every reply of ours', async () => {
    const p = await startRig();
    await inboundSms(p, patientPhone, 'Stop');
    await inboundSms(p, patientPhone, 'i want to kill myself');
    const [urgent] = await waitFor('an escalation', async () => { const e = await escalationRows(p); return e.length ? e : undefined; });
    expect(urgent).toMatchObject({ kind: 'urgent', reason: expect.stringContaining(cannotDeliver) });
    const timeline = await timelineOf(p);
    expect(timeline.find((e) => e.kind === 'escalation.raised')?.detail.reason).toContain(cannotDeliver);
    expect(timeline.find((e) => e.kind === 'reply.answered' && e.detail.template === 'crisis-reply')?.detail).toMatchObject({ delivered: false, why: cannotDeliver });
  });

  it('says nothing of the kind after a Spanish opt-out or once the patient texted START', async () => {
    const p = await startRig();
    await inboundSms(p, patientPhone, 'PARAR');
    await inboundSms(p, patientPhone, 'quiero morir');
    await inboundSms(p, patientPhone, 'STOP');
    await inboundSms(p, patientPhone, 'START');
    await inboundSms(p, patientPhone, 'I took too many pills');
    const urgent = await waitFor('two escalations', async () => { const e = await escalationRows(p); return e.length === 2 ? e : undefined; });
    expect(urgent.map((e) => e.reason)).toEqual([expect.not.stringContaining('could not be delivered'), expect.not.stringContaining('could not be delivered')]);
  });
});

describe('the opt-out confirmation', () => {
  const empty = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

  it('is sent once: a second stop from a patient already opted out gets none', async () => {
    const p = await startRig();
    const first = await inboundSms(p, patientPhone, 'PARAR');
    expect(first.twiml).toContain('Reply START to get them again');
    const second = await inboundSms(p, patientPhone, 'baja');
    expect(second.twiml).toBe(empty);
    const confirmations = (await timelineOf(p)).filter((e) => e.kind === 'reply.answered' && e.detail.template === 'opt-out-confirmation');
    expect(confirmations).toHaveLength(1);
  });

  it("is left to Twilio for its own English keywords, which it confirms itself and after which it refuses ours", async () => {
    const p = await startRig();
    const stop = await inboundSms(p, patientPhone, 'STOP');
    expect(stop.twiml).toBe(empty);
    const timeline = await timelineOf(p);
    expect(timeline.find((e) => e.kind === 'patient.opted-out')?.detail).toMatchObject({ keyword: 'STOP', confirmedBy: 'twilio' });
    expect(timeline.some((e) => e.kind === 'reply.answered')).toBe(false);
  });
});
