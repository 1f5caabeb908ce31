import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { closeReplyWindow } from '../../workers/reply-window.ts';
import { dispatchStep } from '../../workers/dispatcher.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, testClinic } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';

// A plan keeps the time zone it was made in: a later event can neither move its send times nor
// erase the zone the patient record holds.

const planZone = 'Etc/UTC';
const laterZone = 'Etc/GMT-12';
const patient = {
  id: 'p-123', firstName: 'Samwise', phone: '+15551234567', timezone: planZone, locale: 'en', channel: 'sms', smsConsent: true,
};

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** Quiet hours around this moment in the plan's zone, twelve hours away from this moment in the later zone. */
function quietNowInPlanZone() {
  const local = DateTime.now().setZone(planZone);
  return { start: local.minus({ hours: 1 }).toFormat('HH:mm'), end: local.plus({ hours: 1 }).toFormat('HH:mm') };
}

async function startRig() {
  rig = await startProviderPipeline({
    clinics: [testClinic({ timezone: laterZone, quietHours: quietNowInPlanZone(), plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT3H', channel: 'sms', expectsReply: { within: 'PT1H', remindOnce: true } }] } })],
    role: 'api',
  });
  return rig;
}

const storedZone = async (r: ProviderPipeline) =>
  (await r.p.db.query<{ timezone: string | null }>("SELECT timezone FROM patients WHERE id = 'p-123'"))[0]?.timezone;

describe('the zone of a plan', () => {
  it('holds a step for the quiet hours of the zone its plan was made in, though a later event gives the patient another', async () => {
    const r = await startRig();
    const { p, twilio: t } = r;
    const first = sessionEvent({ escort: undefined, patient });
    await p.accept(first);
    await expandEvents(p, [{ clinicId: 'clinic-a', eventId: first.id }]);
    const [step] = await p.db.query<{ id: string }>('SELECT id FROM steps');
    // The step's job fires now: night in the plan's zone, midday in the later one.
    await p.db.query('UPDATE steps SET due_at = now() - interval \'10 minutes\' WHERE id = $1', [step!.id]);
    await p.accept(sessionEvent({ escort: undefined, patient: { ...patient, timezone: laterZone } }));
    expect(await storedZone(r)).toBe(laterZone);

    expect(await dispatchStep(p, step!.id)).toMatchObject({ state: 'deferred' });
    expect(t.messages).toEqual([]);
  });

  it('holds a check-in reminder for the quiet hours of the plan\'s zone, though a later event gives the patient another', async () => {
    const r = await startRig();
    const { p, twilio: t } = r;
    const first = sessionEvent({ escort: undefined, patient });
    await p.accept(first);
    await expandEvents(p, [{ clinicId: 'clinic-a', eventId: first.id }]);
    const [step] = await p.db.query<{ id: string }>("UPDATE steps SET state = 'sent', sent_at = now() - interval '1 hour' RETURNING id");
    await p.accept(sessionEvent({ escort: undefined, patient: { ...patient, timezone: laterZone } }));

    expect(await closeReplyWindow(p, { stepId: step!.id, round: 1 })).toMatchObject({ state: 'deferred' });
    expect(t.messages).toEqual([]);
  });

  it('keeps the patient\'s stored zone when a later event has none', async () => {
    const r = await startRig();
    await r.p.accept(sessionEvent({ escort: undefined, patient }));
    const { timezone: _none, ...withoutZone } = patient;
    await r.p.accept(sessionEvent({ escort: undefined, patient: withoutZone }));
    expect(await storedZone(r)).toBe(planZone);
  });
});
