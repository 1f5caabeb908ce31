import { IANAZone } from 'luxon';
import { z } from 'zod';

export const timeZoneSchema = z.string().refine((name) => IANAZone.isValidZone(name), {
  message: 'not an IANA time zone name (e.g. America/Denver)',
});

// "HH:mm" wall-clock time, 00:00 to 23:59.
export const localTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:mm');

export const isoInstantSchema = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 time with an offset' });
