import { afterEach, describe, expect, it } from 'vitest';
import type { ClinicInput } from '../../config/clinics.ts';
import { inboxList, loadInbox } from '../../producers/http/console/inbox.ts';
import { sessionEvent, testClinic } from '../support/pipeline.ts';
import { startNoticeRig, type NoticeRig } from '../support/notice-rig.ts';
import { providerAccount } from '../support/provider-pipeline.ts';
import { signTwilioRequest, type CallScript, type RecordedCall } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Urgent replies ring the person on call (the real twilio SDK against the local Twilio, which
// plays the TwiML, presses the digits a test chose and posts signed callbacks into the service).

const patientPhone = '+15551234567';
const nurse = { name: 'Jo Rivera', phone: '+15550002222', email: 'jo@example.org' };
const director = { name: 'Dr Lee', phone: '+15550003333', email: 'lee@example.org' };
const manager = { name: 'Clinic manager', phone: '+15550004444', email: 'manager@example.org' };
const dana = { name: 'Dana Cruz', phone: '+15550005555', locale: 'es' as const };
const { publicBaseUrl, authToken, accountSid } = providerAccount;

let rig: NoticeRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const everyDay = { handoff: 'daily' as const, at: '08:00', startsOn: '2026-01-01' };
const twoRotations: ClinicInput['onCall'] = { rotations: { primary: { ...everyDay, people: ['Jo Rivera'] }, backup: { ...everyDay, people: ['Dr Lee'] } } };
const primaryThenBackup = [
  { notify: { rotation: 'primary' }, channels: ['voice', 'sms'] }, { wait: 'PT2S' },
  { notify: { rotation: 'backup' }, channels: ['voice', 'sms'] }, { wait: 'PT2S' },
] as const;

async function start(options: { script: (call: RecordedCall) => CallScript | undefined; policy?: unknown[]; onCall?: ClinicInput['onCall']; lastResort?: typeof manager; renotifyAfter?: string; refuseCallsTo?: string }) {
  rig = await startNoticeRig({
    clinics: [testClinic({
      escalation: { contacts: [nurse, director], lastResort: options.lastResort, renotifyAfter: options.renotifyAfter ?? 'PT1H', nextContactAfter: 'PT1H',
        policies: { urgent: (options.policy ?? primaryThenBackup) as never } },
      onCall: options.onCall ?? twoRotations,
      plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', expectsReply: { within: 'PT1H', remindOnce: true } }] },
    })],
    env: { RECONCILE_EVERY: 'PT1S', SEND_BACKOFF: 'PT0.2S' },
  });
  rig.twilio.scriptCalls(options.script);
  const refused = options.refuseCallsTo;
  // Twilio's 21211 for a create to that number (the chaos proxy answers before Twilio sees it).
  if (refused) rig.chaos.setRule((req) => (req.method === 'POST' && req.to === refused ? { status: 400, code: 21211 } : { forward: true }));
  await rig.p.accept(sessionEvent({ escort: undefined }));
  await waitFor('the check-in SMS', () => rig!.twilio.messages.some((m) => m.to === patientPhone));
  expect(await rig.inbound(patientPhone, 'I took too many pills')).toContain('988');
  const escalation = await waitFor('the urgent escalation', async () =>
    (await rig!.p.db.query<{ id: string; code: string }>("SELECT id, code FROM escalations WHERE kind = 'urgent'"))[0]);
  return { ...rig, escalation };
}

const callsTo = (phone: string) => rig!.twilio.calls.filter((c) => c.to === phone);
const escalationRow = async (id: string) => (await rig!.p.db.query<{ status: string; acknowledged_by: string | null }>('SELECT status, acknowledged_by FROM escalations WHERE id = $1', [id]))[0];
const callEntries = async () => (await rig!.p.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM timeline WHERE kind = 'escalation.call' ORDER BY id")).map((r) => r.detail);

/** The round's job was picked up and ran to its end (it is removed once completed). */
async function roundRan(escalationId: string, round: number) {
  const jobId = `${escalationId}-round${round}`;
  await waitFor(`round ${round} queued`, async () => (await rig!.p.queues.escalations.getJob(jobId)) !== undefined);
  await waitFor(`round ${round} run`, async () => (await rig!.p.queues.escalations.getJob(jobId)) === undefined, 15_000);
}

describe('an urgent reply at night', () => {
  it('rings the nurse on call at once; pressing 1 acknowledges and stops every further notice', async () => {
    const { escalation, p } = await start({ script: (c) => (c.to === nurse.phone ? { answer: 'human', digits: ['1'] } : { answer: 'no-answer' }) });
    const [call] = await waitFor('the call to the nurse', () => (callsTo(nurse.phone).length ? callsTo(nurse.phone) : undefined));
    await call!.finished;
    expect(call!.machineDetection).toBe('Enable');
    const said = call!.spoken.join(' ');
    expect(said).toContain('Riverside Clinic');
    expect(said).toContain('Urgent alert');
    expect(said).toContain('Patient p-123, initial S, replied with crisis language');
    expect(said).toContain(`The code is ${escalation.code.split('').join(', ')}`);
    expect(said).toContain('Acknowledged');
    for (const secret of ['Samwise', 'pills', 'ketamine']) expect(said).not.toContain(secret);
    expect(await escalationRow(escalation.id)).toEqual({ status: 'acknowledged', acknowledged_by: 'Jo Rivera' });
    const [ack] = await p.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM timeline WHERE kind = 'escalation.acknowledged'");
    expect(ack?.detail).toMatchObject({ via: 'voice', by: 'Jo Rivera', code: escalation.code });

    await roundRan(escalation.id, 2);
    expect(callsTo(director.phone)).toHaveLength(0);
    expect(rig!.twilio.messages.filter((m) => m.to === director.phone)).toHaveLength(0);
    expect(await p.db.query('SELECT id FROM notices WHERE round > 1')).toEqual([]);
    const metrics = await p.server!.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^aftercare_escalations_acknowledged_total\{kind="urgent",via="voice"\} 1$/m);
  });

  it('calls the backup rotation after the wait when the nurse does not answer, and puts the call on the timeline without numbers', async () => {
    const { escalation } = await start({ script: (c) => (c.to === nurse.phone ? { answer: 'no-answer' } : { answer: 'human', digits: ['2', '1'] }) });
    const [first] = await waitFor('the call to the nurse', () => (callsTo(nurse.phone).length ? callsTo(nurse.phone) : undefined));
    const [backup] = await waitFor('the call to the backup', () => (callsTo(director.phone).length ? callsTo(director.phone) : undefined), 15_000);
    expect(backup!.receivedAt.getTime() - first!.receivedAt.getTime()).toBeGreaterThanOrEqual(1_900);
    await backup!.finished;
    // 2 plays the alert again, then 1 acknowledges.
    expect(backup!.spoken.filter((s) => s.startsWith('This is Aftercare'))).toHaveLength(2);
    expect(await escalationRow(escalation.id)).toEqual({ status: 'acknowledged', acknowledged_by: 'Dr Lee' });
    const entries = await callEntries();
    expect(entries).toContainEqual(expect.objectContaining({ contact: 'Jo Rivera', status: 'no-answer', round: 1, channel: 'voice' }));
    expect(entries).toContainEqual(expect.objectContaining({ contact: 'Dr Lee', status: 'completed', round: 2 }));
    expect(JSON.stringify(entries)).not.toMatch(/\+1555/);
  });

  it('does not take an answering machine for an acknowledgement: the policy goes on to the backup', async () => {
    const { escalation } = await start({ script: (c) => (c.to === nurse.phone ? { answer: 'machine' } : { answer: 'ring' }) });
    const [call] = await waitFor('the call to the nurse', () => (callsTo(nurse.phone).length ? callsTo(nurse.phone) : undefined));
    await call!.finished;
    expect(call!.spoken).toEqual([]);
    expect(call!.webhooks.find((w) => w.url.endsWith(`/voice/${encodeURIComponent(`${escalation.id}-r1-c0-voice`)}`))?.params.AnsweredBy).toBe('machine_start');
    expect((await escalationRow(escalation.id))?.status).toBe('open');
    await waitFor('the backup called', () => callsTo(director.phone).length === 1, 15_000);
    expect(await callEntries()).toContainEqual(expect.objectContaining({ contact: 'Jo Rivera', status: 'answered-by-machine', answeredBy: 'machine_start' }));
  });

  it('speaks Spanish to a person on call whose locale is es', async () => {
    await start({ onCall: { rotations: { primary: { ...everyDay, people: [dana] }, backup: { ...everyDay, people: ['Dr Lee'] } } },
      script: () => ({ answer: 'human', digits: [null] }) });
    const [call] = await waitFor('the call to Dana', () => (callsTo(dana.phone).length ? callsTo(dana.phone) : undefined));
    await call!.finished;
    expect(call!.spoken.join(' ')).toContain('Le llama Aftercare de Riverside Clinic. Alerta urgente. Paciente p-123, inicial S, respondió con lenguaje de crisis.');
    // Silence is no acknowledgement.
    expect(call!.spoken.at(-1)).toContain('No confirmado');
    expect(await callEntries()).toContainEqual(expect.objectContaining({ contact: 'Dana Cruz', status: 'not-acknowledged', pressed: 'nothing' }));
  });
});

describe('a call Twilio refuses', () => {
  it('notes the contact unreachable by voice (Twilio 21211) and calls the next person at once', async () => {
    const { escalation, p } = await start({ script: (c) => (c.to === director.phone ? { answer: 'human', digits: ['1'] } : { answer: 'no-answer' }),
      policy: [{ notify: { contact: 'Jo Rivera' }, channels: ['voice'] }, { wait: 'PT1H' }], refuseCallsTo: nurse.phone });
    await waitFor('the director called in the same round', () => callsTo(director.phone).length === 1, 15_000);
    const [note] = await p.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM timeline WHERE kind = 'escalation.contact-unreachable'");
    expect(note?.detail).toMatchObject({ contact: 'Jo Rivera', channel: 'voice', errorCode: 'twilio-21211', round: 1 });
    await waitFor('acknowledged by the director', async () => (await escalationRow(escalation.id))?.acknowledged_by === 'Dr Lee');
  });
});

describe('acknowledging while a call rings', () => {
  it('ACK by SMS stops the policy and hangs up the ringing call', async () => {
    const { escalation, inbound, p } = await start({ script: () => ({ answer: 'ring' }) });
    const [call] = await waitFor('the nurse phone ringing', () => (callsTo(nurse.phone)[0]?.status === 'ringing' ? callsTo(nurse.phone) : undefined));
    expect(await inbound(nurse.phone, `ACK ${escalation.code}`)).toContain(`Acknowledged ${escalation.code}`);
    await waitFor('the ringing call canceled through the API', () => call!.updates.includes('canceled'));
    await call!.finished;
    expect(call!.status).toBe('canceled');
    await roundRan(escalation.id, 2);
    expect(callsTo(director.phone)).toHaveLength(0);
    expect(await p.db.query('SELECT id FROM notices WHERE round > 1')).toEqual([]);
    expect(await callEntries()).toContainEqual(expect.objectContaining({ contact: 'Jo Rivera', status: 'canceled' }));
  });
});

describe('call webhooks', () => {
  it('refuse a forged gather callback with 403 and change nothing', async () => {
    const { escalation, p } = await start({ script: () => ({ answer: 'ring' }) });
    const [call] = await waitFor('the call placed', () => (callsTo(nurse.phone)[0]?.status === 'ringing' ? callsTo(nurse.phone) : undefined));
    const path = `/webhooks/twilio/voice/${encodeURIComponent(`${escalation.id}-r1-c0-voice`)}/gather`;
    const params = { AccountSid: accountSid, CallSid: call!.sid, CallStatus: 'in-progress', Digits: '1', To: nurse.phone };
    const post = (signature?: string) => p.server!.inject({ method: 'POST', url: path, payload: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) } });
    const forged = await post(signTwilioRequest('not-the-auth-token', `${publicBaseUrl}${path}`, params));
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await post()).statusCode).toBe(403);
    // Signed for other fields (Digits 2) and replayed with Digits 1.
    expect((await post(signTwilioRequest(authToken, `${publicBaseUrl}${path}`, { ...params, Digits: '2' }))).statusCode).toBe(403);
    expect(await escalationRow(escalation.id)).toEqual({ status: 'open', acknowledged_by: null });
    expect(await p.db.query("SELECT 1 FROM timeline WHERE kind = 'escalation.acknowledged'")).toEqual([]);
    // The genuine one works.
    const genuine = await post(signTwilioRequest(authToken, `${publicBaseUrl}${path}`, params));
    expect(genuine.statusCode).toBe(200);
    expect(genuine.body).toContain('Acknowledged');
  });
});

describe('a policy nobody answers', () => {
  it('raises to the last resort, shows in the console and the metric as unacknowledged, and keeps notifying', async () => {
    const { escalation, p, sink } = await start({ lastResort: manager, renotifyAfter: 'PT1S',
      policy: [{ notify: { rotation: 'primary' }, channels: ['voice'] }, { wait: 'PT1S' }], script: () => ({ answer: 'no-answer' }) });
    await waitFor('the last resort called', () => callsTo(manager.phone).length >= 1, 15_000);
    await waitFor('the last resort texted and emailed', () =>
      rig!.twilio.messages.some((m) => m.to === manager.phone) && sink.messages.some((m) => m.to.includes(manager.email)), 15_000);
    await waitFor('the exhaustion recorded', async () => (await p.db.query('SELECT 1 FROM escalations WHERE exhausted_at IS NOT NULL')).length === 1);
    const metrics = await p.server!.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^aftercare_escalations_exhausted 1$/m);
    expect(String(inboxList(await loadInbox(p.db, 'clinic-a'), p.clinics.get('clinic-a')!, 'csrf', new Date()))).toContain('Nobody has acknowledged');
    await waitFor('the last resort called again', () => callsTo(manager.phone).length >= 2, 15_000);
    expect((await escalationRow(escalation.id))?.status).toBe('open');
    expect(callsTo(director.phone)).toHaveLength(0);
  });
});
