import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry, Clinic, Clinics } from '../../config/clinics.ts';
import { AftercareError } from '../../lib/errors.ts';

/**
 * The clinic whose API key is presented as `Authorization: Bearer <key>`. Keys are stored as
 * SHA-256 hashes; an expired or revoked key is as unknown as a wrong one.
 */
export function authenticateClinic(clinics: Clinics, header: string | undefined, now = new Date()): Clinic {
  const key = bearerToken(header);
  if (key === undefined) throw new AftercareError('unauthenticated', 'Send the clinic API key as "Authorization: Bearer <key>".');
  const found = clinicOfKey(clinics, header, now);
  if (!found) throw new AftercareError('unauthenticated', 'Unknown API key.');
  return found;
}

export const bearerToken = (header: string | undefined) => /^Bearer\s+(\S{8,512})\s*$/i.exec(header ?? '')?.[1];

/** The live key a bearer header presents, of either scope: unknown, revoked and expired keys are undefined. */
export function apiKeyOf(clinics: Clinics, header: string | undefined, now = new Date()): ApiKeyEntry | undefined {
  const key = bearerToken(header);
  if (key === undefined || !clinics.apiKey) return undefined;
  const presented = createHash('sha256').update(key).digest();
  const entry = clinics.apiKey(presented.toString('hex'));
  if (!entry || (entry.expiresAt && entry.expiresAt <= now)) return undefined;
  return entry;
}

/** The clinic whose event-API key the header presents, if any (the rate limit counts per clinic, not per header). */
export function clinicOfKey(clinics: Clinics, header: string | undefined, now = new Date()): Clinic | undefined {
  const key = bearerToken(header);
  if (key === undefined) return undefined;
  if (clinics.apiKey) {
    const entry = apiKeyOf(clinics, header, now);
    return entry?.scope === 'clinic' ? clinics.get(entry.clinicId) : undefined;
  }
  // Clinics read from a file only: each clinic's hash compared in constant time, so timing tells nothing.
  const presented = createHash('sha256').update(key).digest();
  let found: Clinic | undefined;
  for (const clinic of clinics.all()) {
    if (clinic.apiKeySha256 && timingSafeEqual(presented, Buffer.from(clinic.apiKeySha256, 'hex'))) found = clinic;
  }
  return found;
}
