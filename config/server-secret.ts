import { createHmac } from 'node:crypto';
import { localSecret } from '../lib/local-secret.ts';
import type { Env } from './env.ts';

/**
 * The service's own secret: SESSION_SECRET, else one made once under DATA_DIR. Nothing in the
 * clinic file goes into it, so holding that file signs no session and no link.
 */
export function serverSecret(env: Pick<Env, 'SESSION_SECRET' | 'DATA_DIR'>): Buffer {
  return env.SESSION_SECRET ? Buffer.from(env.SESSION_SECRET, 'utf8') : localSecret(env.DATA_DIR, 'session');
}

/** A key for one purpose, so a value signed for one use (a cookie) is worthless for another (a link). */
export function deriveKey(secret: Buffer, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`aftercare ${purpose} v1`).digest();
}

/** The key of unsubscribe links: workers sign them into emails, the API checks them. */
export const unsubscribeKey = (secret: Buffer) => deriveKey(secret, 'unsubscribe link');
