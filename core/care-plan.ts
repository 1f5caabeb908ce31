import { Duration } from 'luxon';
import { z } from 'zod';
import { localTimeSchema } from './time-zone.ts';

export const isoDurationSchema = z.string().refine((text) => Duration.fromISO(text).isValid, {
  message: 'expected an ISO-8601 duration such as PT2H or P14D',
});

/** Each clinical event starts its own kind of plan: a session's aftercare, or a cessation's. */
export type PlanKind = 'session' | 'cessation';

/** Who a step's copy is for: the patient, or the escort named on the session. */
export const Recipient = z.enum(['patient', 'escort']);
export type Recipient = z.infer<typeof Recipient>;
/** How a step picks its channels: the patient's preferred one, one named channel, or both. */
export const ChannelRule = z.enum(['preferred', 'sms', 'email', 'both']);
export type ChannelRule = z.infer<typeof ChannelRule>;
/** The channel a message goes out on. */
export const Channel = z.enum(['sms', 'email']);
export type Channel = z.infer<typeof Channel>;

export const stepKeySchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected a lowercase key such as checkin-24h');

export const carePlanStepSchema = z.strictObject({
  key: stepKeySchema,
  template: z.string().min(1),
  /** Offset from the event's anchor: hours are elapsed time, days are calendar days in the patient's zone. */
  after: isoDurationSchema,
  /** Snap to this wall-clock time on the local day the offset lands on. */
  localTime: localTimeSchema.optional(),
  /** "ignore" marks a critical step: sent even inside quiet hours. */
  quietHours: z.enum(['respect', 'ignore']).default('respect'),
  channel: ChannelRule.default('preferred'),
  /** How late the step may still be sent; past it the step expires. */
  grace: isoDurationSchema.default('PT2H'),
  /** Also send the escort's version of this step when the event names an escort. */
  toEscort: z.boolean().default(false),
  expectsReply: z
    .strictObject({ within: isoDurationSchema, remindOnce: z.boolean().default(true) })
    .optional(),
});
export type CarePlanStep = z.infer<typeof carePlanStepSchema>;
export type CarePlanStepInput = z.input<typeof carePlanStepSchema>;
export type ExpectsReply = NonNullable<CarePlanStep['expectsReply']>;

/**
 * One recipient's copy of a care-plan step, as the scheduler plans it, the store keeps it and
 * the dispatcher sends it. The escort's copy uses `${template}-escort` and always goes by SMS.
 */
export interface StepSpec {
  key: string;
  template: string;
  recipient: Recipient;
  channel: ChannelRule;
  /** The step ignores quiet hours. */
  critical: boolean;
  /** How late the step may still be sent (ISO-8601 duration). */
  grace: string;
}

export const carePlanSchema = z
  .array(carePlanStepSchema)
  .min(1)
  .superRefine((steps, ctx) => {
    const seen = new Set<string>();
    steps.forEach((step, i) => {
      if (seen.has(step.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicate step key "${step.key}"` });
      seen.add(step.key);
    });
  });
export type CarePlan = z.infer<typeof carePlanSchema>;

export const defaultCarePlans: Record<PlanKind, CarePlanStepInput[]> = {
  session: [
    // Driving the same day is the main physical risk; a reminder six hours late is no use.
    { key: 'no-driving', template: 'no-driving', after: 'PT0S', quietHours: 'ignore', toEscort: true, grace: 'PT4H' },
    { key: 'light-meal', template: 'light-meal', after: 'PT2H' },
    { key: 'checkin-24h', template: 'checkin-24h', after: 'PT24H', grace: 'PT6H',
      expectsReply: { within: 'PT6H', remindOnce: true } },
  ],
  cessation: [
    { key: 'withdrawal-checkin', template: 'withdrawal-checkin', after: 'PT72H', grace: 'PT12H',
      expectsReply: { within: 'PT12H', remindOnce: true } },
    { key: 'week-two-stabilisation', template: 'week-two-stabilisation', after: 'P14D', localTime: '10:00', grace: 'PT8H' },
  ],
};

export function defaultCarePlan(kind: PlanKind): CarePlan {
  return carePlanSchema.parse(defaultCarePlans[kind]);
}
