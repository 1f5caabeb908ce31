import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clinic, Clinics } from '../../config/clinics.ts';
import { AftercareError } from '../../lib/errors.ts';

/**
 * The clinic whose API key is presented as `Authorization: Bearer <key>`. Keys are stored as
 * SHA-256 hashes; every clinic's hash is compared in constant time so timing tells nothing.
 */
export function authenticateClinic(clinics: Clinics, header: string | undefined): Clinic {
  const key = bearerToken(header);
  if (key === undefined) throw new AftercareError('unauthenticated', 'Send the clinic API key as "Authorization: Bearer <key>".');
  const found = clinicOfKey(clinics, header);
  if (!found) throw new AftercareError('unauthenticated', 'Unknown API key.');
  return found;
}

const bearerToken = (header: string | undefined) => /^Bearer\s+(\S{8,512})\s*$/i.exec(header ?? '')?.[1];

/** The clinic whose key the header presents, if any (the rate limit counts per clinic, not per header). */
export function clinicOfKey(clinics: Clinics, header: string | undefined): Clinic | undefined {
  const key = bearerToken(header);
  if (key === undefined) return undefined;
  const presented = createHash('sha256').update(key).digest();
  let found: Clinic | undefined;
  for (const clinic of clinics.all()) {
    if (timingSafeEqual(presented, Buffer.from(clinic.apiKeySha256, 'hex'))) found = clinic;
  }
  return found;
}
