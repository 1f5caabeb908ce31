import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { z } from 'zod';

/**
 * Phones arrive as clinics type them; store and compare them only as E.164.
 * "Possible" (right length for its country) rather than "valid": range metadata goes stale,
 * and the 555 numbers in every clinic's test data would fail it. Twilio's 21211 catches the rest.
 */
export function toE164(raw: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw, 'US');
  return parsed?.isPossible() ? parsed.number : undefined;
}

export const phoneSchema = z.string().trim().min(3).max(32).transform((raw, ctx) => {
  const e164 = toE164(raw);
  if (!e164) {
    ctx.addIssue({ code: 'custom', message: 'not a phone number (E.164 expected, e.g. +15551234567)' });
    return z.NEVER;
  }
  return e164;
});
