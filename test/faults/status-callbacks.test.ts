import { afterEach, describe, expect, it } from 'vitest';
import { accountSid, authToken, publicBaseUrl, startFaultRig, twilioFrom, type FaultRig } from '../support/fault-rig.ts';
import { inParallel, secretsOf, seconds, sessionFor, testPatient } from '../support/fault-population.ts';
import { leaks, openSteps, printFigures, readRows, redisContents } from '../support/history.ts';
import { testClinic } from '../support/pipeline.ts';
import { signTwilioRequest } from '../support/twilio-server.ts';
import { waitFor } from '../support/wait-for.ts';

// Scenario 8: Twilio's delivery reports duplicated and out of order, in concurrent bursts over
// HTTP to the API, while the deliveries row is polled: its status never moves backwards, the first
// end state wins, and an `undelivered` reported ten times falls back to email once.
// Scale: 5 messages, 2 bursts, 175 callbacks.

// Twilio's order of a message's life (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
const rank: Record<string, number> = { accepted: 1, queued: 1, sending: 2, sent: 3, delivered: 4, undelivered: 4, failed: 4 };

let rig: FaultRig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const shuffle = <T>(items: T[]): T[] => items.map((x) => ({ x, k: Math.random() })).sort((a, b) => a.k - b.k).map((e) => e.x);

describe('status callbacks duplicated and out of order, in concurrent bursts', () => {
  it('never moves a delivery backwards, keeps the first end state, and falls back to email once', async () => {
    const started = Date.now();
    rig = await startFaultRig({
      clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT0S', channel: 'sms' }] } })],
    });
    const r = rig;
    const base = await r.api.listen();
    await r.startWorker('worker');
    const group = Array.from({ length: 5 }, (_, i) => testPatient(i));
    await inParallel(group.map((p) => sessionFor(p)), 5, (e) => r.api.accept(e));
    await waitFor('five check-ins sent', async () => {
      const rows = await readRows(r.api.db);
      return rows.steps.length === 5 && openSteps(rows).length === 0 && rows.deliveries.every((d) => d.provider_id);
    }, 20_000);
    const deliveries = (await readRows(r.api.db)).deliveries;
    const sids = deliveries.map((d) => d.provider_id ?? '');

    const report = async (sid: string, status: string) => {
      const params: Record<string, string> = { AccountSid: accountSid, MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status,
        To: '+15550000000', From: twilioFrom, ApiVersion: '2010-04-01', ...(status === 'undelivered' || status === 'failed' ? { ErrorCode: '30003' } : {}) };
      const res = await fetch(`${base}/webhooks/twilio/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${publicBaseUrl}/webhooks/twilio/status`, params) },
        body: new URLSearchParams(params).toString(),
      });
      return res.status;
    };
    // Every status the row shows while the bursts run, per delivery.
    const seen = new Map<string, string[]>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const d of await r.api.db.query<{ id: string; status: string }>('SELECT id, status FROM deliveries')) {
          const list = seen.get(d.id) ?? [];
          if (list.at(-1) !== d.status) list.push(d.status);
          seen.set(d.id, list);
        }
      }
    })();

    // Burst 1: the first three end delivered, the last two undelivered; each status five times.
    const ends = sids.map((_, i) => (i < 3 ? 'delivered' : 'undelivered'));
    const burst1 = shuffle(sids.flatMap((sid, i) => ['queued', 'sending', 'sent', ends[i] ?? 'delivered'].flatMap((s) => Array<[string, string]>(5).fill([sid, s]))));
    const answers1 = await Promise.all(burst1.map(([sid, s]) => report(sid, s)));
    // Burst 2: stale and contradicting reports for every message.
    const burst2 = shuffle(sids.flatMap((sid) => ['delivered', 'undelivered', 'failed', 'queued', 'sent'].flatMap((s) => Array<[string, string]>(3).fill([sid, s]))));
    const answers2 = await Promise.all(burst2.map(([sid, s]) => report(sid, s)));
    await waitFor('the email fallbacks', () => r.smtp.messages.length >= 2, 20_000);
    await waitFor('the steps queue drained', async () => {
      const counts = await r.api.queues.steps.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    }, 20_000);
    polling = false;
    await poller;

    const rows = await readRows(r.api.db);
    const patientOf = (stepId: string) => group.find((p) => p.id === rows.steps.find((s) => s.id === stepId)?.patient_id);
    const undeliveredPatients = deliveries.slice(3).map((d) => patientOf(d.step_id));
    const timeline = await r.api.db.query<{ step_id: string; detail: { deliveryId: string; status: string } }>(
      "SELECT step_id, detail FROM timeline WHERE kind = 'delivery.updated' ORDER BY id");
    const backwards = [...seen.values()].filter((list) => list.some((s, i) => i > 0 && (rank[s] ?? 0) < (rank[list[i - 1] ?? ''] ?? 0)));
    printFigures({ scenario: 'status-callbacks', callbacks: burst1.length + burst2.length, backwardMoves: backwards.length,
      fallbackEmails: r.smtp.messages.length, runSeconds: seconds(started) });

    expect([...answers1, ...answers2].every((s) => s === 204)).toBe(true);
    expect(backwards).toEqual([]);
    expect(rows.deliveries.filter((d) => d.channel === 'sms').map((d) => d.status)).toEqual(
      deliveries.map((_, i) => (i < 3 ? 'delivered' : 'undelivered')));
    for (const d of deliveries) {
      const updates = timeline.filter((t) => t.detail.deliveryId === d.id).map((t) => rank[t.detail.status] ?? 0);
      // Each move is a step up: never twice the same rank, never down.
      expect(updates.every((n, i) => i === 0 || n > (updates[i - 1] ?? 0))).toBe(true);
    }
    expect(r.smtp.messages.map((m) => m.to).sort()).toEqual(undeliveredPatients.map((p) => [p?.email]).sort());
    expect(r.twilio.messages).toHaveLength(5);
    const secrets = secretsOf(group, [...r.twilio.messages.map((m) => m.body), ...r.smtp.messages.map((m) => m.subject)]);
    expect(leaks(r.logLines(), secrets)).toEqual([]);
    expect(leaks(await redisContents(r.redisUrl, r.prefix), secrets)).toEqual([]);
  });
});
