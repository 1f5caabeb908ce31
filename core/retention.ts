import { DateTime, Duration } from 'luxon';
import { z } from 'zod';
import { isoDurationSchema } from './care-plan.ts';

/** How long a clinic keeps what it must not keep for ever, as ISO-8601 durations (in the clinic file). */
export const retentionSchema = z.strictObject({
  /** Inbound messages as received (SMS bodies) and the EHR messages kept after mapping. */
  messageBodies: isoDurationSchema.default('P2Y'),
  /** The copy of a patient's reply shown to staff on the timeline. */
  replyTexts: isoDurationSchema.default('P2Y'),
  /** Access audit entries (HIPAA asks for six years of such records). */
  audit: isoDurationSchema.default('P6Y'),
});
export type Retention = z.infer<typeof retentionSchema>;
export const defaultRetention: Retention = { messageBodies: 'P2Y', replyTexts: 'P2Y', audit: 'P6Y' };

export interface RetentionCutoffs {
  messageBodies: Date;
  replyTexts: Date;
  audit: Date;
}

/**
 * What was written before each cutoff is past its age. In calendar terms in the clinic's zone,
 * so `P2Y` on 1 March is 1 March two years before, whatever the leap days and DST between.
 */
export function retentionCutoffs(retention: Retention, now: Date, zone: string): RetentionCutoffs {
  const at = DateTime.fromJSDate(now, { zone });
  const before = (d: string) => at.minus(Duration.fromISO(d)).toJSDate();
  return { messageBodies: before(retention.messageBodies), replyTexts: before(retention.replyTexts), audit: before(retention.audit) };
}
