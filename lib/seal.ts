import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM: a fresh 12-byte IV per message, and the 16-byte tag proves nobody changed it.
const ivBytes = 12;
const tagBytes = 16;

/** A sealed message could not be opened: another key sealed it, or it was changed. */
export class SealError extends Error {
  override name = 'SealError';
  readonly code = 'sealed-unreadable';
}

/** Seals text under a 32-byte key: base64url of IV, tag and ciphertext. */
export function seal(key: Buffer, text: string): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function unseal(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < ivBytes + tagBytes) throw new SealError('the sealed message is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, ivBytes));
  decipher.setAuthTag(raw.subarray(ivBytes, ivBytes + tagBytes));
  try {
    return Buffer.concat([decipher.update(raw.subarray(ivBytes + tagBytes)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError('the sealed message does not open with this key');
  }
}
