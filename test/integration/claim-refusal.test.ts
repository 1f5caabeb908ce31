import { afterEach, describe, expect, it } from 'vitest';
import { claimDeliveries } from '../../store/deliveries.ts';
import { expandEvents } from '../../workers/scheduler.ts';
import { sessionEvent, startPipeline, type TestPipeline } from '../support/pipeline.ts';

// The claim statement is the last word before the provider: it refuses a channel the patient left.

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.dispose();
  pipeline = undefined;
});

async function plannedStep(p: TestPipeline): Promise<string> {
  const event = sessionEvent({ session: { id: 's-claim', endedAt: new Date(Date.now() + 3_600_000).toISOString(), modality: 'iv' } });
  await p.accept(event);
  await expandEvents(p, [{ clinicId: 'clinic-a', eventId: event.id }]);
  const [step] = await p.db.query<{ id: string }>("SELECT id FROM steps WHERE recipient = 'patient' ORDER BY due_at LIMIT 1");
  return step!.id;
}

describe('claiming a send', () => {
  it('refuses the email of a patient who opted out of email, and still claims their SMS', async () => {
    pipeline = await startPipeline({ role: 'api' });
    const p = pipeline;
    const stepId = await plannedStep(p);
    await p.db.query("UPDATE patients SET email_opted_out = true WHERE id = 'p-123'");
    const claims = await claimDeliveries(p.db, [
      { id: `${stepId}-email`, stepId, channel: 'email', provider: 'outbox' },
      { id: `${stepId}-sms`, stepId, channel: 'sms', provider: 'outbox' },
    ]);
    expect(claims).toEqual([{ claimed: false, refused: 'opted-out' }, { claimed: true }]);
    const rows = await p.db.query<{ id: string }>('SELECT id FROM deliveries');
    expect(rows.map((r) => r.id)).toEqual([`${stepId}-sms`]);
  });
});
