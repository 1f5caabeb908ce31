import { DateTime, type DurationLike } from 'luxon';
import { z } from 'zod';
import { Channel, type PlanKind } from './care-plan.ts';
import { phoneSchema } from './phone.ts';
import { isoInstantSchema, timeZoneSchema } from './time-zone.ts';
import { treatmentSchema } from './treatment.ts';

// Ids travel into Redis keys and job ids: keep them printable and bounded.
export const idSchema = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'expected 1 to 128 letters, digits, or . _ ~ -');

export const localeSchema = z.enum(['en', 'es']);
export type Locale = z.infer<typeof localeSchema>;

export const patientSchema = z
  .strictObject({
    id: idSchema,
    firstName: z.string().trim().min(1).max(80),
    phone: phoneSchema.optional(),
    email: z.email().max(254).optional(),
    timezone: timeZoneSchema.optional(),
    locale: localeSchema.default('en'),
    channel: Channel,
    smsConsent: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    if (p.channel === 'sms' && !p.phone) ctx.addIssue({ code: 'custom', path: ['phone'], message: 'required when channel is sms' });
    if (p.channel === 'email' && !p.email) ctx.addIssue({ code: 'custom', path: ['email'], message: 'required when channel is email' });
  });
export type Patient = z.infer<typeof patientSchema>;

export const escortSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  phone: phoneSchema,
});
export type Escort = z.infer<typeof escortSchema>;

const base = { id: idSchema, clinicId: idSchema };

export const sessionCompletedSchema = z.strictObject({
  type: z.literal('session.completed'),
  ...base,
  patient: patientSchema,
  escort: escortSchema.optional(),
  session: z.strictObject({
    id: idSchema,
    endedAt: isoInstantSchema,
    modality: z.enum(['iv', 'im', 'intranasal', 'oral', 'other']),
    /** The drug and route given; a clinic may give a treatment its own plan. */
    treatment: treatmentSchema.optional(),
  }),
});

export const cessationStartedSchema = z.strictObject({
  type: z.literal('cessation.started'),
  ...base,
  patient: patientSchema,
  cessation: z.strictObject({ id: idSchema, lastUseAt: isoInstantSchema }),
});

export const planCancelledSchema = z.strictObject({
  type: z.literal('plan.cancelled'),
  ...base,
  patientId: idSchema,
  reference: idSchema,
});

export const clinicEventSchema = z.discriminatedUnion('type', [
  sessionCompletedSchema,
  cessationStartedSchema,
  planCancelledSchema,
]);
export type ClinicEvent = z.infer<typeof clinicEventSchema>;
export type SessionCompleted = z.infer<typeof sessionCompletedSchema>;
export type CessationStarted = z.infer<typeof cessationStartedSchema>;
export type PlanEvent = SessionCompleted | CessationStarted;
export type { PlanKind } from './care-plan.ts';

export function planKindOf(event: PlanEvent): PlanKind {
  return event.type === 'session.completed' ? 'session' : 'cessation';
}

/** The session or cessation id a plan is keyed by, and the time its offsets count from. */
export function planAnchor(event: PlanEvent): { reference: string; anchorAt: string } {
  return event.type === 'session.completed'
    ? { reference: event.session.id, anchorAt: event.session.endedAt }
    : { reference: event.cessation.id, anchorAt: event.cessation.lastUseAt };
}

// A session that ended years ago or ends next month is a mistyped date, not a plan.
export const anchorBounds: { past: DurationLike; future: DurationLike } = { past: { days: 366 }, future: { days: 7 } };

/** The field and why, when an event's anchor time lies too far from `now` to be meant. */
export function anchorTimeIssue(event: ClinicEvent, now: DateTime): { path: string; message: string } | undefined {
  if (event.type === 'plan.cancelled') return undefined;
  const path = event.type === 'session.completed' ? 'session.endedAt' : 'cessation.lastUseAt';
  const at = DateTime.fromISO(planAnchor(event).anchorAt);
  if (at < now.minus(anchorBounds.past)) return { path, message: 'is more than a year ago; check the date' };
  if (at > now.plus(anchorBounds.future)) return { path, message: 'is more than 7 days ahead; check the date' };
  return undefined;
}
