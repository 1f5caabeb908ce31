import { z } from 'zod';
import { localTimeSchema } from './time-zone.ts';

export const quietHoursSchema = z.strictObject({ start: localTimeSchema, end: localTimeSchema });
export type QuietHours = z.infer<typeof quietHoursSchema>;
export const defaultQuietHours: QuietHours = { start: '21:00', end: '08:00' };
