import { DateTime } from 'luxon';
import type { Clinics } from '../config/clinics.ts';
import type { PlanKind, StepSpec } from '../core/care-plan.ts';
import { scheduleFor } from '../core/schedule.ts';
import { AftercareError } from '../lib/errors.ts';
import { parseClinicEvent } from './accept-event.ts';

export interface PlanPreview {
  plan: PlanKind;
  reference: string;
  timezone: string;
  steps: Array<Pick<StepSpec, 'key' | 'template' | 'recipient'> & {
    /** A `ChannelRule`; the published schema says string. */
    channel: string;
    sendAt: string;
    sendAtLocal: string;
    status: 'scheduled' | 'expired';
    deferredForQuietHours: boolean;
    /** The rule that moved it: `clinic-quiet-hours`, or a state's calling hours (`state:FL`). */
    deferredBy?: string;
    reason?: string;
  }>;
}

/** The resolved schedule of an event in the patient's local time; stores nothing. */
export function previewPlan(clinics: Clinics, input: unknown, callerClinicId: string, now: Date): PlanPreview {
  const { event, clinic } = parseClinicEvent(clinics, input, callerClinicId);
  if (event.type === 'plan.cancelled')
    throw new AftercareError('invalid-input', 'Only session.completed and cessation.started events have a plan to preview.', {
      fields: [{ path: 'type', message: 'expected session.completed or cessation.started' }],
    });
  const { kind, reference, zone, steps } = scheduleFor(event, clinic, DateTime.fromJSDate(now));
  return {
    plan: kind,
    reference,
    timezone: zone,
    steps: steps.map((s) => ({
      key: s.key,
      template: s.template,
      recipient: s.recipient,
      channel: s.channel,
      sendAt: s.dueAt,
      sendAtLocal: s.localDueAt,
      status: s.status,
      deferredForQuietHours: s.deferredForQuietHours,
      ...(s.deferredBy ? { deferredBy: s.deferredBy } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
    })),
  };
}
