import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { clinicAKey, sessionEvent, startPipeline, testClinic, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

// The timeline says which rule moved a message: a Florida number's 20:30 note waits for 08:00 by Florida's law.

let p: TestPipeline | undefined;
afterEach(async () => {
  await p?.dispose();
  p = undefined;
});

describe('calling hours on the timeline', () => {
  it('shows a step deferred by state:FL on its scheduled entry, due 08:00 the patient\'s time', async () => {
    p = await startPipeline({ clinics: [testClinic({ plans: { session: [{ key: 'light-meal', template: 'light-meal', after: 'PT2H' }] } })] });
    const zone = 'America/New_York';
    // Tomorrow 18:30 New York time: the note falls at 20:30, inside Florida's 20:00 limit, outside the clinic's 21:00.
    const endedAt = DateTime.now().setZone(zone).plus({ days: 1 }).set({ hour: 18, minute: 30, second: 0, millisecond: 0 });
    await p.accept(sessionEvent({ escort: undefined, patient: { id: 'p-123', firstName: 'Samwise', phone: '+13055550123', timezone: zone,
      locale: 'en', channel: 'sms', smsConsent: true }, session: { id: 's-fl', endedAt: endedAt.toISO(), modality: 'iv' } }));
    const scheduled = await waitFor('the step scheduled', async () => {
      const res = await p!.server!.inject({ method: 'GET', url: '/v1/patients/p-123/timeline', headers: { authorization: `Bearer ${clinicAKey}` } });
      return (res.json().entries as Array<{ kind: string; detail: Record<string, unknown>; dueAtLocal?: string }>).find((e) => e.kind === 'step.scheduled');
    });
    expect(scheduled.detail.deferredBy).toBe('state:FL');
    expect(scheduled.dueAtLocal).toBe(endedAt.plus({ days: 1 }).set({ hour: 8, minute: 0 }).toISO({ suppressMilliseconds: true }));
  });
});
