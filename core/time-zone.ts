import { IANAZone } from 'luxon';
import { z } from 'zod';

// luxon builds an Intl.DateTimeFormat for every check (up to 12 % of CPU per event in profiles);
// the answer for a name never changes, so it is remembered.
const knownZones = new Map<string, boolean>();
export function isTimeZone(name: string): boolean {
  let valid = knownZones.get(name);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(name);
    if (knownZones.size < 10_000) knownZones.set(name, valid);
  }
  return valid;
}

export const timeZoneSchema = z.string().refine(isTimeZone, {
  message: 'not an IANA time zone name (e.g. America/Denver)',
});

/**
 * The zone a plan's times are read in. A plan keeps the zone it was made in, so a later event that
 * moves the patient does not move its times; a patient's zone is their own, else the clinic's.
 */
export function zoneFor(of: { zone: string } | { timezone?: string | null | undefined }, clinic: { timezone: string }): string {
  if ('zone' in of) return of.zone;
  return of.timezone ?? clinic.timezone;
}

// "HH:mm" wall-clock time, 00:00 to 23:59.
export const localTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:mm');

export const isoInstantSchema = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 time with an offset' });
