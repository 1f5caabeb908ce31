import { performance } from 'node:perf_hooks';
import { defaultCarePlans } from '../core/care-plan.ts';
import { benchClinicId, sessionEvent } from './clinic.ts';
import type { BenchService } from './harness.ts';
import { countSteps, eventsExpanded } from './library-schedule.ts';
import { runPool } from './pool.ts';

const week = 7 * 24 * 3_600_000;

/** Messages per pair of events: the shipped session plan's three (no escort here) and the cessation plan's two. */
export const messagesPerPair = defaultCarePlans.session.length + defaultCarePlans.cessation.length;

export function cessationEvent(run: string, i: number, lastUseAt: string): Record<string, unknown> {
  return {
    type: 'cessation.started',
    id: `evt-${run}-c${i}`,
    clinicId: benchClinicId,
    patient: { id: `p-${run}-c${i}`, firstName: 'Sam', phone: '+15551234567', email: 'sam@example.org',
      timezone: 'America/Denver', locale: 'en', channel: 'sms', smsConsent: true },
    cessation: { id: `c-${run}-${i}`, lastUseAt },
  };
}

/**
 * Event `k` of the realistic mix: even k a session, odd k a cessation, their anchors spread evenly
 * over the coming week (as in a service that has run a while), never less than a minute ahead, so
 * accepted (at most 7 days ahead) and never past.
 */
export function mixEvent(run: string, k: number, pairs: number, startedAt: number): Record<string, unknown> {
  const i = k >> 1;
  const anchor = new Date(startedAt + 60_000 + (((i * 7919) % pairs) / pairs) * (week - 3_600_000)).toISOString();
  return k % 2 === 0 ? sessionEvent(run, i, anchor) : cessationEvent(run, i, anchor);
}

export interface MixSchedule {
  messages: number;
  /** From the first accept until every step is in PostgreSQL (those within the horizon also enqueued in Redis). */
  ms: number;
}

/**
 * Accepts `pairs` session and cessation events through the library path (service.accept, 50 in
 * flight) and waits until every expansion job has finished.
 */
export async function scheduleMix(bs: BenchService, o: { run: string; pairs: number; startedAt: number; timeoutMs?: number; pollMs?: number }): Promise<MixSchedule> {
  const before = await countSteps(bs);
  const expected = o.pairs * messagesPerPair;
  const t0 = performance.now();
  await runPool(o.pairs * 2, 50, async (k) => {
    const accepted = await bs.service.accept(mixEvent(o.run, k, o.pairs, o.startedAt));
    if (accepted.duplicate) throw new Error(`event ${accepted.eventId} was a duplicate`);
  });
  await eventsExpanded(bs, o.timeoutMs ?? 3_600_000, o.pollMs);
  const ms = performance.now() - t0;
  const written = (await countSteps(bs)) - before;
  if (written !== expected) throw new Error(`realistic mix: ${written} step rows for ${expected} messages`);
  return { messages: expected, ms };
}
