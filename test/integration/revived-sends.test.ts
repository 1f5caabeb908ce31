import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuietHours } from '../../core/quiet-hours.ts';
import { loadStep } from '../../store/plans.ts';
import { buildMessage } from '../../workers/deliver.ts';
import { dispatchStep } from '../../workers/dispatcher.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';

// A step left `sending` by an outage obeys the same clock as any other when its job comes back:
// past its grace it expires, at night it waits for morning. What already went is recorded, not re-sent.

const zone = 'America/Denver';
const patient = {
  id: 'p-123', firstName: 'Samwise', phone: '+15551234567', timezone: zone, locale: 'en', channel: 'sms', smsConsent: true,
};

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** Quiet hours that hold right now in the patient's zone (from an hour ago until an hour from now). */
function quietNow(): QuietHours {
  const local = DateTime.now().setZone(zone);
  return { start: local.minus({ hours: 1 }).toFormat('HH:mm'), end: local.plus({ hours: 1 }).toFormat('HH:mm') };
}

/** No workers: the test is the job. One check-in step, then put in `sending` as an outage left it. */
async function revivedStep(options: { quietHours?: QuietHours; dueAgo: { minutes: number } }): Promise<{ p: TestPipeline; rig: ProviderPipeline; stepId: string }> {
  rig = await startProviderPipeline({
    clinics: [testClinic({
      ...(options.quietHours ? { quietHours: options.quietHours } : {}),
      plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT1H', channel: 'sms', grace: 'PT2H' }] },
    })],
    role: 'api',
  });
  const { p } = rig;
  const event = sessionEvent({ escort: undefined, patient });
  await p.accept(event);
  await expandEvents(p, [{ clinicId: 'clinic-a', eventId: event.id }]);
  const [row] = await p.db.query<{ id: string }>('SELECT id FROM steps');
  const dueAt = DateTime.now().minus(options.dueAgo).toJSDate();
  await p.db.query("UPDATE steps SET state = 'sending', due_at = $2 WHERE id = $1", [row!.id, dueAt]);
  return { p, rig, stepId: row!.id };
}

const stepRow = (p: TestPipeline, id: string) =>
  p.db.query<{ state: string; due_at: Date }>('SELECT state, due_at FROM steps WHERE id = $1', [id]).then((r) => r[0]);

describe('a step revived in sending', () => {
  it('expires instead of sending when it is past its grace', async () => {
    const { p, rig: r, stepId } = await revivedStep({ dueAgo: { minutes: 180 } });
    const outcome = await dispatchStep(p, stepId);
    expect(outcome).toMatchObject({ state: 'expired', reason: expect.stringMatching(/^3 h late, past its 2 h grace/) });
    expect(await stepRow(p, stepId)).toMatchObject({ state: 'expired' });
    expect(r.twilio.messages).toEqual([]);
  });

  it('waits for the end of quiet hours instead of sending at night', async () => {
    const quietHours = quietNow();
    const { p, rig: r, stepId } = await revivedStep({ quietHours, dueAgo: { minutes: 10 } });
    const outcome = await dispatchStep(p, stepId);
    expect(outcome).toMatchObject({ state: 'deferred' });
    const until = outcome.state === 'deferred' ? DateTime.fromJSDate(outcome.until).setZone(zone) : undefined;
    expect(until?.toFormat('HH:mm')).toBe(quietHours.end);
    expect(await stepRow(p, stepId)).toEqual({ state: 'scheduled', due_at: outcome.state === 'deferred' ? outcome.until : undefined });
    expect(r.twilio.messages).toEqual([]);
  });

  it('records as sent, at night and past its grace, a send of an earlier attempt that Twilio has', async () => {
    const { p, rig: r, stepId } = await revivedStep({ quietHours: quietNow(), dueAgo: { minutes: 180 } });
    // The earlier attempt reached Twilio, then its process died before recording anything.
    const { step, plan, patient: record } = (await loadStep(p.db, stepId))!;
    const message = buildMessage({ step, plan, patient: record!, clinic: p.clinics.get('clinic-a')!, channel: 'sms', to: patient.phone });
    if (message.channel !== 'sms') throw new Error('expected an SMS');
    await p.db.query("INSERT INTO deliveries (id, step_id, channel, provider, status, claimed_at) VALUES ($1, $2, 'sms', 'twilio', 'sending', now() - interval '1 hour')",
      [message.messageId, stepId]);
    const { providerId } = await p.channels.sms.send(message);

    expect(await dispatchStep(p, stepId)).toEqual({ state: 'sent', channels: ['sms'] });
    expect(r.twilio.messages).toHaveLength(1);
    expect(await p.db.query('SELECT status, provider_id FROM deliveries')).toEqual([{ status: 'sent', provider_id: providerId }]);
  });
});
