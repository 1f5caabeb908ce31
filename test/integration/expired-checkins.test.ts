import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { QuietHours } from '../../core/quiet-hours.ts';
import { dispatchStep } from '../../workers/dispatcher.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { startProviderPipeline, type ProviderPipeline } from '../support/provider-pipeline.ts';

// A check-in that quiet hours interrupt goes in the morning; one that can no longer go is put
// before staff, so nobody waits for an answer to a message that was never sent.

const zone = 'America/Denver';
const patient = {
  id: 'p-123', firstName: 'Samwise', phone: '+15551234567', timezone: zone, locale: 'en', channel: 'sms', smsConsent: true,
};

let rig: ProviderPipeline | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

/** No workers: the test is the job. One check-in, due `dueAt`. */
async function checkinDue(dueAt: Date, quietHours?: QuietHours): Promise<{ p: TestPipeline; rig: ProviderPipeline; stepId: string }> {
  rig = await startProviderPipeline({
    clinics: [testClinic({
      ...(quietHours ? { quietHours } : {}),
      plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT1H', channel: 'sms', expectsReply: { within: 'PT4H', remindOnce: true } }] },
    })],
    role: 'api',
  });
  const { p } = rig;
  const event = sessionEvent({ escort: undefined, patient });
  await p.accept(event);
  await expandEvents(p, [{ clinicId: 'clinic-a', eventId: event.id }]);
  const [row] = await p.db.query<{ id: string }>('SELECT id FROM steps');
  await p.db.query('UPDATE steps SET due_at = $2 WHERE id = $1', [row!.id, dueAt]);
  return { p, rig, stepId: row!.id };
}

describe('a check-in that meets quiet hours', () => {
  it('goes at the end of quiet hours when it was due 30 s before they began, not expired', async () => {
    // Quiet hours began at the start of this minute and last 11 h: 08:00 is past due + grace.
    const minute = DateTime.now().setZone(zone).startOf('minute');
    const quietHours = { start: minute.toFormat('HH:mm'), end: minute.plus({ hours: 11 }).toFormat('HH:mm') };
    const { p, rig: r, stepId } = await checkinDue(minute.minus({ seconds: 30 }).toJSDate(), quietHours);

    const outcome = await dispatchStep(p, stepId);
    expect(outcome).toMatchObject({ state: 'deferred' });
    const until = outcome.state === 'deferred' ? DateTime.fromJSDate(outcome.until).setZone(zone) : undefined;
    expect(until?.toFormat('HH:mm')).toBe(quietHours.end);
    expect(until! > minute).toBe(true);
    expect(await p.db.query('SELECT state FROM steps')).toEqual([{ state: 'scheduled' }]);
    expect(await p.db.query('SELECT kind FROM escalations')).toEqual([]);
    expect(r.twilio.messages).toEqual([]);
  });
});

describe('a check-in that expires unsent', () => {
  it('raises a review escalation saying the check-in was never sent', async () => {
    const { p, rig: r, stepId } = await checkinDue(DateTime.now().minus({ hours: 3 }).toJSDate());

    expect(await dispatchStep(p, stepId)).toMatchObject({ state: 'expired' });
    const raised = await p.db.query<{ kind: string; step_id: string; reason: string }>('SELECT kind, step_id, reason FROM escalations');
    expect(raised).toEqual([{ kind: 'review', step_id: stepId, reason: expect.stringMatching(/^the checkin-24h check-in was never sent: 3 h late, past its 2 h grace/) }]);
    expect(r.twilio.messages).toEqual([]);
    // A second run of the same job raises nothing more.
    expect(await dispatchStep(p, stepId)).toEqual({ state: 'unchanged', reason: 'already expired' });
    expect(await p.db.query('SELECT id FROM escalations')).toHaveLength(1);
  });
});

describe('a check-in already expired when its event arrives', () => {
  it('raises one review escalation saying it was never sent, even when the event is expanded twice', async () => {
    rig = await startProviderPipeline({
      clinics: [testClinic({ plans: { session: [{ key: 'checkin-24h', template: 'checkin-24h', after: 'PT1H', channel: 'sms', expectsReply: { within: 'PT4H', remindOnce: true } }] } })],
      role: 'api',
    });
    const { p } = rig;
    // Three days late: the check-in's time and grace are long past.
    const event = sessionEvent({ escort: undefined, patient, session: { id: 's-late', endedAt: new Date(Date.now() - 3 * 86_400_000).toISOString(), modality: 'iv' } });
    await p.accept(event);
    await expandEvents(p, [{ clinicId: 'clinic-a', eventId: event.id }]);
    await expandEvents(p, [{ clinicId: 'clinic-a', eventId: event.id }]);

    const [step] = await p.db.query<{ state: string }>('SELECT state FROM steps');
    expect(step?.state).toBe('expired');
    const escalations = await p.db.query<{ kind: string; reason: string }>('SELECT kind, reason FROM escalations');
    expect(escalations).toEqual([{ kind: 'review', reason: expect.stringMatching(/checkin-24h check-in was never sent/) }]);
  });
});
