import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Whose messages on which channel a link stops. */
export interface Unsubscribe {
  clinicId: string;
  patientId: string;
  channel: 'email';
}

const payloadSchema = z.tuple([z.string().min(1).max(128), z.string().min(1).max(128), z.literal('email')]);
const signature = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

/**
 * The last part of an unsubscribe URL: who and which channel, readable, then an HMAC of them
 * with the service's link key. Ids only, never an address; the link never expires, as a
 * message may be opened weeks later (RFC 8058 §3.1 asks it to keep working).
 */
export function unsubscribeToken(key: Buffer, u: Unsubscribe): string {
  const payload = Buffer.from(JSON.stringify([u.clinicId, u.patientId, u.channel])).toString('base64url');
  return `${payload}.${signature(key, payload).toString('base64url')}`;
}

/** Who a token names, when its signature is ours; undefined for anything forged or altered. */
export function readUnsubscribeToken(key: Buffer, token: string): Unsubscribe | undefined {
  const [payload, signed, extra] = token.split('.');
  if (!payload || !signed || extra !== undefined) return undefined;
  // Compared as text: base64url decoding ignores stray characters, so two spellings could decode alike.
  const presented = Buffer.from(signed);
  const expected = Buffer.from(signature(key, payload).toString('base64url'));
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined; // signed by us yet unreadable: no version of ours wrote this; refuse like a forgery
  }
  const parsed = payloadSchema.safeParse(json);
  return parsed.success ? { clinicId: parsed.data[0], patientId: parsed.data[1], channel: parsed.data[2] } : undefined;
}

export const unsubscribePath = (key: Buffer, u: Unsubscribe) => `/unsubscribe/${unsubscribeToken(key, u)}`;
