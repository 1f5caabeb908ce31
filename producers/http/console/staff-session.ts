import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clinic, Clinics } from '../../../config/clinics.ts';
import { deriveKey } from '../../../config/server-secret.ts';
import { hashPassword, verifyPassword } from '../../../lib/passwords.ts';

export type StaffMember = Clinic['staff'][number];
export interface SignedInStaff {
  clinic: Clinic;
  staff: StaffMember;
  expiresAt: Date;
}

export const sessionCookie = 'aftercare_staff';
export const sessionHours = 12;

/**
 * Keys for the session cookie's signature and for CSRF tokens, derived from the server secret:
 * every API process given the same SESSION_SECRET (or DATA_DIR) agrees, and sessions survive restarts.
 */
export function consoleSecrets(secret: Buffer): { cookie: Buffer; csrf: Buffer } {
  return { cookie: deriveKey(secret, 'console session cookie'), csrf: deriveKey(secret, 'console csrf') };
}

// A password change ends that person's sessions: the cookie carries a fingerprint of the hash it was issued against.
const fingerprint = (passwordHash: string) => createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);

const cookiePayloadSchema = z.strictObject({
  c: z.string().min(1).max(128),
  u: z.string().min(1).max(60),
  e: z.number().int().positive(),
  p: z.string().length(16),
});

/** The cookie value before @fastify/cookie signs it (HMAC-SHA256): who, which clinic, until when. */
export function sessionValue(signedIn: { clinic: Clinic; staff: StaffMember }, now: Date): string {
  const payload = { c: signedIn.clinic.id, u: signedIn.staff.username, e: Math.floor(now.getTime() / 1000) + sessionHours * 3600, p: fingerprint(signedIn.staff.passwordHash) };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The staff member a verified cookie value names, if they are still in the clinic file and it has not expired. */
export function readSession(clinics: Clinics, value: string, now: Date): SignedInStaff | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined; // signed by us yet unreadable: only an old format could do this; treat as signed out
  }
  const parsed = cookiePayloadSchema.safeParse(json);
  if (!parsed.success || parsed.data.e * 1000 <= now.getTime()) return undefined;
  const clinic = clinics.get(parsed.data.c);
  const staff = clinic?.staff.find((s) => s.username === parsed.data.u);
  if (!clinic || !staff || fingerprint(staff.passwordHash) !== parsed.data.p) return undefined;
  return { clinic, staff, expiresAt: new Date(parsed.data.e * 1000) };
}

/**
 * Checks a sign-in against every clinic's staff. An unknown username still runs scrypt, against a
 * throwaway hash, so the answer takes as long as a wrong password and says the same.
 */
export async function staffSignIn(clinics: Clinics) {
  const decoy = await hashPassword(randomBytes(16).toString('hex'));
  return async (username: string, password: string): Promise<{ clinic: Clinic; staff: StaffMember } | undefined> => {
    const matches = clinics.all().flatMap((clinic) => clinic.staff.filter((s) => s.username === username).map((staff) => ({ clinic, staff })));
    if (matches.length === 0) {
      await verifyPassword(password, decoy);
      return undefined;
    }
    const verified = [];
    for (const m of matches) if (await verifyPassword(password, m.staff.passwordHash)) verified.push(m);
    // The username names the clinic; one shared by two clinics with the same password cannot say which.
    return verified.length === 1 ? verified[0] : undefined;
  };
}
