import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clinicAKey, clinicBKey, otherClinic, testClinic } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// An interface engine sends SIU and ADT messages over a real MLLP socket (and over HTTP) and
// reads the ACKs; completed appointments become the no-driving SMS at the local Twilio.

let rig: ProviderPipeline;
let client: Hl7Client;

beforeAll(async () => {
  const plan = { session: [
    { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore' as const },
    { key: 'checkin-24h', template: 'checkin-24h', after: 'PT24H' },
  ] };
  rig = await startProviderPipeline({
    clinics: [testClinic({ plans: plan, ehr: { hl7: { sendingFacility: 'RIVERSIDE' } } }), otherClinic({ plans: plan })],
    env: { HL7_MLLP_PORT: '0' },
  });
  client = new Hl7Client({ host: '127.0.0.1', port: rig.p.mllp!.port });
});

afterAll(async () => {
  await client?.close();
  await rig?.dispose();
});

/** A segment from its fields by number, so positions are plain to read. */
function seg(name: string, fields: Record<number, string>): string {
  const last = Math.max(...Object.keys(fields).map(Number));
  return [name, ...Array.from({ length: last }, (_, i) => fields[i + 1] ?? '')].join('|');
}

const ts = (t: DateTime) => t.toUTC().toFormat("yyyyMMddHHmmss'+0000'");
const now = () => DateTime.now();

function siu(options: { control: string; appointment: string; mrn: string; phone: string; status?: string; trigger?: string; language?: string; rxa?: string[] }) {
  return [
    `MSH|^~\\&|EPIC|RIVERSIDE|AFTERCARE|AFTERCARE|${ts(now())}||SIU^${options.trigger ?? 'S14'}^SIU_S12|${options.control}|P|2.5.1`,
    seg('SCH', { 1: `${options.appointment}^EPIC`, 2: `${options.appointment}^EPIC`, 7: 'KET^Ketamine infusion', 11: `^^60^${ts(now().minus({ hours: 1 }))}^${ts(now())}`, 25: options.status ?? 'Complete' }),
    `PID|1||${options.mrn}^^^RIV^MR||Gamgee^Samwise||19800101|M|||||^PRN^CP^^^${options.phone.slice(2, 5)}^${options.phone.slice(5)}~^NET^Internet^samwise@example.org||${options.language ?? 'ENG'}`,
    ...(options.rxa ?? []),
  ].join('\r');
}

function adtA03(options: { control: string; visit: string; mrn: string; phone: string }) {
  return [
    `MSH|^~\\&|EPIC|RIVERSIDE|AFTERCARE|AFTERCARE|${ts(now())}||ADT^A03^ADT_A03|${options.control}|P|2.5.1`,
    `EVN|A03|${ts(now())}`,
    `PID|1||${options.mrn}^^^RIV^MR||Baggins^Frodo||19800101|M|||||^PRN^CP^^^${options.phone.slice(2, 5)}^${options.phone.slice(5)}`,
    seg('PV1', { 1: '1', 2: 'O', 3: 'KET^01^01', 19: options.visit, 45: ts(now()) }),
  ].join('\r');
}

async function send(text: string) {
  const ack = await client.sendAndWait(Hl7Message.parse(text));
  return { code: ack.getSegment('MSA')?.getField(1)?.toString(), control: ack.getSegment('MSA')?.getField(2)?.toString(), err: ack.getSegment('ERR')?.getField(8)?.toString() };
}

const smsTo = (phone: string) => rig.twilio.messages.filter((m) => m.to === phone);

describe('HL7v2 over MLLP and HTTP', () => {
  it('answers AA to a completed SIU^S14 and sends the no-driving SMS', async () => {
    const phone = '+15552000001';
    expect(await send(siu({ control: 'MSG-1', appointment: 'A1', mrn: 'MRN1', phone }))).toEqual({ code: 'AA', control: 'MSG-1', err: undefined });
    const [sms] = await waitFor('the no-driving SMS', () => (smsTo(phone).length ? smsTo(phone) : undefined));
    expect(sms!.body).toMatch(/don't drive/);
  });

  it('answers AA to an ADT^A03 discharge and schedules its plan, once even when the message is sent again', async () => {
    const phone = '+15552000002';
    const message = adtA03({ control: 'MSG-2', visit: 'V2', mrn: 'MRN2', phone });
    expect((await send(message)).code).toBe('AA');
    expect((await send(message)).code).toBe('AA');
    await waitFor('the no-driving SMS', () => smsTo(phone).length > 0);
    expect(await rig.p.db.query("SELECT id FROM plans WHERE reference = 'visit-V2'")).toHaveLength(1);
  });

  it('gives an esketamine administration (RXA, RxNorm 2201623) its own no-driving note, in Spanish for a Spanish speaker', async () => {
    const phone = '+15552000003';
    const rxa = ['RXA|0|1|20261202||2201623^esketamine Nasal Spray^RXNORM|56|mg', 'RXR|NS^Nasal^HL70162'];
    expect((await send(siu({ control: 'MSG-3', appointment: 'A3', mrn: 'MRN3', phone, language: 'SPA', rxa }))).code).toBe('AA');
    const [sms] = await waitFor('the esketamine SMS', () => (smsTo(phone).length ? smsTo(phone) : undefined));
    expect(sms!.body).toMatch(/no maneje hasta ma/);
  });

  it('cancels the plan when the appointment is cancelled (SIU^S15)', async () => {
    const phone = '+15552000004';
    expect((await send(siu({ control: 'MSG-4', appointment: 'A4', mrn: 'MRN4', phone }))).code).toBe('AA');
    await waitFor('the plan', async () => (await rig.p.db.query("SELECT 1 FROM steps s JOIN plans p ON p.id = s.plan_id WHERE p.reference = 'appt-A4' AND s.key = 'checkin-24h'")).length === 1);
    expect((await send(siu({ control: 'MSG-5', appointment: 'A4', mrn: 'MRN4', phone, trigger: 'S15', status: 'Cancelled' }))).code).toBe('AA');
    await waitFor('the check-in cancelled', async () => (await rig.p.db.query("SELECT 1 FROM steps s JOIN plans p ON p.id = s.plan_id WHERE p.reference = 'appt-A4' AND s.key = 'checkin-24h' AND s.state = 'cancelled'")).length === 1);
  });

  it('answers AE with the reason to a message without a PID, and schedules nothing', async () => {
    const text = [`MSH|^~\\&|EPIC|RIVERSIDE|AFTERCARE|AFTERCARE|${ts(now())}||SIU^S14^SIU_S12|MSG-6|P|2.5.1`, 'SCH|A6^EPIC|A6^EPIC'].join('\r');
    // HL7 delimiters in the reason are blanked so the ACK stays one well-formed field.
    expect(await send(text)).toEqual({ code: 'AE', control: 'MSG-6', err: 'SIU S14 has no PID segment' });
    const rows = await rig.p.db.query<{ status: string; reason: string }>("SELECT status, reason FROM ehr_notifications WHERE dedup_key = 'hl7 RIVERSIDE MSG-6'");
    expect(rows).toEqual([{ status: 'unmapped', reason: 'SIU^S14 has no PID segment' }]);
    expect(await rig.p.db.query("SELECT 1 FROM events WHERE id = 'hl7-MSG-6'")).toHaveLength(0);
  });

  it('answers AR to a sending facility no clinic names', async () => {
    const text = siu({ control: 'MSG-7', appointment: 'A7', mrn: 'MRN7', phone: '+15552000007' }).replace('|RIVERSIDE|', '|ELSEWHERE|');
    expect((await send(text)).code).toBe('AR');
  });

  it('takes the same messages over HTTP with the clinic key, answering the ACK', async () => {
    const phone = '+15552000008';
    const post = (payload: string, key = clinicAKey) => rig.p.server!.inject({
      method: 'POST', url: '/hl7/v2/clinic-a', headers: { 'content-type': 'x-application/hl7-v2+er7', authorization: `Bearer ${key}` }, payload,
    });
    const ok = await post(siu({ control: 'MSG-8', appointment: 'A8', mrn: 'MRN8', phone }));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/\rMSA\|AA\|MSG-8/);
    await waitFor('the no-driving SMS', () => smsTo(phone).length > 0);
    const bad = await post('this is not HL7');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/MSA\|AE/);
    expect((await post(siu({ control: 'MSG-9', appointment: 'A9', mrn: 'MRN9', phone }), clinicBKey)).statusCode).toBe(403);
  });
});
