import { createHash, randomBytes } from 'node:crypto';
import { unsign } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clinic, Clinics } from '../../../config/clinics.ts';
import { staffRoleSchema } from '../../../config/staff-role.ts';
import { deriveKey } from '../../../config/server-secret.ts';
import { hashPassword, verifyPassword } from '../../../lib/passwords.ts';
import type { StaffRole } from '../../../config/staff-role.ts';

export type StaffMember = Clinic['staff'][number];
/** Who is signed in, however they signed in: from the clinic file (password) or the clinic's identity provider (SSO). */
export interface ConsoleUser {
  username: string;
  name: string;
  role: StaffRole;
}
export interface SignedInStaff {
  clinic: Clinic;
  staff: ConsoleUser;
  via: 'password' | 'sso';
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

const common = { c: z.string().min(1).max(128), u: z.string().min(1).max(320), e: z.number().int().positive() };
const cookiePayloadSchema = z.union([
  // Password: the role is read from the clinic file on every request, so a change applies at once.
  z.strictObject({ ...common, p: z.string().length(16) }),
  // SSO: the role the identity provider's claims mapped to at sign-in, for the session's length.
  z.strictObject({ ...common, s: z.literal(1), r: staffRoleSchema, n: z.string().min(1).max(120) }),
]);

/** The cookie value before @fastify/cookie signs it (HMAC-SHA256): who, which clinic, until when. */
export function sessionValue(signedIn: { clinic: Clinic; staff: StaffMember }, now: Date): string {
  const payload = { c: signedIn.clinic.id, u: signedIn.staff.username, e: expiry(now), p: fingerprint(signedIn.staff.passwordHash) };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The cookie value of a sign-in through the clinic's identity provider. */
export function ssoSessionValue(clinic: Clinic, user: ConsoleUser, now: Date): string {
  const payload = { c: clinic.id, u: user.username, e: expiry(now), s: 1, r: user.role, n: user.name };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

const expiry = (now: Date) => Math.floor(now.getTime() / 1000) + sessionHours * 3600;

/** The staff member a verified cookie value names, if they are still allowed in and it has not expired. */
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
  if (!clinic) return undefined;
  const expiresAt = new Date(parsed.data.e * 1000);
  const data = parsed.data;
  if ('s' in data) {
    // A clinic that turned SSO off ends its SSO sessions.
    if (!clinic.oidc) return undefined;
    return { clinic, staff: { username: data.u, name: data.n, role: data.r }, via: 'sso', expiresAt };
  }
  const staff = clinic.staff.find((s) => s.username === data.u);
  if (!staff || fingerprint(staff.passwordHash) !== data.p) return undefined;
  return { clinic, staff: { username: staff.username, name: staff.name, role: staff.role }, via: 'password', expiresAt };
}

/**
 * Reads the console's session from a request anywhere on the server (the admin API uses it through
 * `clinicAdminOf`): the signed cookie, checked with the console's key.
 */
export function consoleSessionReader(clinics: Clinics, secret: Buffer, now: () => Date): (req: FastifyRequest) => SignedInStaff | undefined {
  const key = consoleSecrets(secret).cookie;
  return (req) => {
    const raw = cookieValue(req.headers.cookie, sessionCookie);
    if (!raw) return undefined;
    const unsigned = unsign(raw, key);
    return unsigned.valid && unsigned.value ? readSession(clinics, unsigned.value, now()) : undefined;
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
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
