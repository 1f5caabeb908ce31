import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAccess, verifyAccessAudit } from '../../store/access-audit.ts';
import { recordEhrNotification, settleEhrNotification } from '../../store/ehr-notifications.ts';
import { recordReply, replyBody } from '../../store/replies.ts';
import { addTimeline } from '../../store/timeline.ts';
import { runRetention } from '../../workers/retention.ts';
import { waitFor } from '../support/wait-for.ts';
import { otherClinic, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';

// Retention takes the text of what is past its age and nothing younger; rows, counts and the audit's verifiability stay.

const now = new Date('2026-06-15T12:00:00Z');
const zone = 'America/Denver';
const at = (years: number, days: number) => DateTime.fromJSDate(now, { zone }).minus({ years }).plus({ days }).toJSDate();
const dayPastTwoYears = at(2, -1);
const dayShortOfTwoYears = at(2, 1);

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.dispose();
  p = undefined;
});

async function start() {
  p = await startPipeline({ role: 'client', clinics: [testClinic({ retention: { messageBodies: 'P2Y', replyTexts: 'P2Y', audit: 'P6Y' } }), otherClinic({ retention: { audit: 'P1Y' } })] });
  return p;
}

async function reply(pipe: TestPipeline, id: string, body: string, receivedAt: Date) {
  await recordReply(pipe.db, { id, clinicId: 'clinic-a', patientId: 'p-1', fromPhone: '+15551234567', body, classification: 'score', level: 'none', stepId: null, detail: {} });
  await pipe.db.query('UPDATE replies SET received_at = $2 WHERE id = $1', [id, receivedAt]);
  await addTimeline(pipe.db, [{ clinicId: 'clinic-a', patientId: 'p-1', kind: 'reply.received', detail: { replyId: id, text: body }, at: receivedAt }]);
}

const audit = (pipe: TestPipeline, clinicId: string | null, when: Date) =>
  appendAccess(pipe.db, { actor: clinicId ?? 'operator', role: 'api-key', action: 'timeline.read', outcome: 'allowed', status: 200, clinicId, patientId: 'p-1', clientAddress: '127.0.0.1', at: when });

describe('retention', () => {
  it('nulls message bodies and reply texts a day past their age and keeps those a day short of it', async () => {
    const pipe = await start();
    await reply(pipe, 'SM-old', 'old reply words', dayPastTwoYears);
    await reply(pipe, 'SM-new', 'newer reply words', dayShortOfTwoYears);
    const runs = await runRetention({ db: pipe.db, clinics: pipe.clinics, log: pipe.log, now: () => now });

    const replies = await pipe.db.query<{ id: string; body: string | null; classification: string }>('SELECT id, body, classification FROM replies ORDER BY id');
    // Bodies are stored encrypted: what is kept is read back through the store.
    expect(replies.map((r) => ({ id: r.id, kept: r.body !== null, classification: r.classification })))
      .toEqual([{ id: 'SM-new', kept: true, classification: 'score' }, { id: 'SM-old', kept: false, classification: 'score' }]);
    expect(await replyBody(pipe.db, 'SM-new')).toBe('newer reply words');
    const texts = await pipe.db.query<{ id: string; text: string | null }>("SELECT detail->>'replyId' AS id, detail->>'text' AS text FROM timeline ORDER BY 1");
    expect(texts.map((t) => ({ id: t.id, kept: t.text !== null }))).toEqual([{ id: 'SM-new', kept: true }, { id: 'SM-old', kept: false }]);
    expect(runs.find((r) => r.clinicId === 'clinic-a')).toMatchObject({ messageBodies: 1, replyTexts: 1, auditEntries: 0 });
  });

  it("empties settled EHR messages past their age and keeps one still to be mapped", async () => {
    const pipe = await start();
    for (const [id, status] of [['n-done', 'done'], ['n-failed', 'failed']] as const) {
      await recordEhrNotification(pipe.db, { id, clinicId: 'clinic-a', source: 'hl7', dedupKey: id, body: { message: 'PID|||p-1||Samwise' } });
      if (status === 'done') await settleEhrNotification(pipe.db, id, { status, attempted: true });
      else await settleEhrNotification(pipe.db, id, { status, reason: 'EHR down', attempted: true });
      await pipe.db.query('UPDATE ehr_notifications SET received_at = $2 WHERE id = $1', [id, dayPastTwoYears]);
    }
    await runRetention({ db: pipe.db, clinics: pipe.clinics, log: pipe.log, now: () => now });
    const rows = await pipe.db.query<{ id: string; body: unknown }>('SELECT id, body FROM ehr_notifications ORDER BY id');
    expect(rows).toEqual([{ id: 'n-done', body: {} }, { id: 'n-failed', body: { message: 'PID|||p-1||Samwise' } }]);
  });

  it("purges audit entries past the clinic's audit age from the chain's start and keeps it verifiable", async () => {
    const pipe = await start();
    // clinic-b keeps one year: two entries past it, then one a day short of it, then one older again (a clock step back).
    for (const when of [at(1, -3), at(1, -1), at(1, 1), at(1, -2), at(0, 0)]) await audit(pipe, 'clinic-b', when);
    for (const when of [at(2, -1), at(0, 0)]) await audit(pipe, 'clinic-a', when);
    const runs = await runRetention({ db: pipe.db, clinics: pipe.clinics, log: pipe.log, now: () => now });

    const left = await pipe.db.query<{ chain: string; seq: string }>('SELECT chain, seq FROM access_audit ORDER BY chain, seq');
    // Only from the start: entry 4 is older than the cutoff but follows one that is not, so it stays.
    expect(left.map((e) => `${e.chain}/${e.seq}`)).toEqual(['clinic-a/1', 'clinic-a/2', 'clinic-b/3', 'clinic-b/4', 'clinic-b/5']);
    expect(runs.find((r) => r.clinicId === 'clinic-b')).toMatchObject({ auditEntries: 2 });
    expect(await verifyAccessAudit(pipe.db)).toMatchObject({ breaks: [], entries: 5 });

    // The checkpoint does not excuse tampering with what is left: its first entry is still checked.
    await pipe.db.query("UPDATE access_audit SET actor = 'someone-else' WHERE chain = 'clinic-b' AND seq = 3");
    expect((await verifyAccessAudit(pipe.db)).breaks).toEqual([expect.objectContaining({ chain: 'clinic-b', seq: 3, problem: 'edited' })]);
  });

  it('keeps the operator chain as long as the longest-keeping clinic', async () => {
    const pipe = await start();
    for (const when of [at(6, -1), at(6, 1)]) await audit(pipe, null, when);
    await runRetention({ db: pipe.db, clinics: pipe.clinics, log: pipe.log, now: () => now });
    expect(await pipe.db.query("SELECT seq::int FROM access_audit WHERE chain = '-'")).toEqual([{ seq: 2 }]);
  });

  it('records each run with counts and logs counts only', async () => {
    const pipe = await start();
    await reply(pipe, 'SM-old', 'words nobody should log', dayPastTwoYears);
    await runRetention({ db: pipe.db, clinics: pipe.clinics, log: pipe.log, now: () => now });
    const rows = await pipe.db.query('SELECT clinic_id, ran_at, message_bodies, reply_texts, audit_entries FROM retention_runs ORDER BY clinic_id');
    expect(rows).toEqual([
      { clinic_id: '-', ran_at: now, message_bodies: 0, reply_texts: 0, audit_entries: 0 },
      { clinic_id: 'clinic-a', ran_at: now, message_bodies: 1, reply_texts: 1, audit_entries: 0 },
      { clinic_id: 'clinic-b', ran_at: now, message_bodies: 0, reply_texts: 0, audit_entries: 0 },
    ]);
    const lines = pipe.logLines.filter((l) => l.includes('"retention run"'));
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('words nobody');
    expect(lines.join('\n')).not.toContain('+1555');
  });

  it('runs daily on the maintenance queue beside the reconciler, and at once when workers start', async () => {
    p = await startPipeline();
    const pipe = p;
    const scheduler = await pipe.queues.maintenance.getJobScheduler('retention');
    expect(scheduler).toMatchObject({ every: 24 * 3600 * 1000, name: 'retention' });
    await waitFor('a first retention run recorded', async () => (await pipe.db.query('SELECT 1 FROM retention_runs')).length > 0);
  });
});
