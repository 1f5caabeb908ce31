import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of what people wrote (reply texts) in PostgreSQL columns: AES-256-GCM with a
 * fresh 12-byte IV per value, stored as `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url). The key
 * id says which key opens a value, so keys rotate: the first key encrypts, every key decrypts, and
 * `aftercare keys rotate` moves old rows to the first key. A value without the prefix is a row
 * written before encryption and is read as it is.
 */
export interface FieldKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface FieldCipher {
  /** The id of the key new values are encrypted with. */
  readonly currentKeyId: string;
  encrypt(text: string): string;
  /** The text of a stored value: decrypted, or a plaintext row as it is. */
  decrypt(stored: string): string;
  /** Whether a stored value is already encrypted with the current key. */
  isCurrent(stored: string): boolean;
}

/** A stored value that says it is encrypted but cannot be opened: its key is not configured, or it was changed. */
export class FieldCipherError extends Error {
  override name = 'FieldCipherError';
  readonly code = 'field-unreadable';
}

const ivBytes = 12;
export const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
const stored = /^v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]*)$/;

/** Whether a stored value has the shape of an encrypted one (else it is a plaintext row). */
export const looksEncrypted = (value: string): boolean => stored.test(value);

export function fieldCipher(keys: readonly FieldKey[]): FieldCipher {
  const [current] = keys;
  if (!current) throw new RangeError('at least one field key is needed');
  const byId = new Map<string, Buffer>();
  for (const k of keys) {
    if (!keyIdPattern.test(k.id)) throw new RangeError(`field key id "${k.id}" must be 1 to 32 letters, digits, - or _`);
    if (k.key.length !== 32) throw new RangeError(`field key ${k.id} must be 32 bytes`);
    if (byId.has(k.id)) throw new RangeError(`field key id ${k.id} is given twice`);
    byId.set(k.id, k.key);
  }
  const prefix = `v1:${current.id}:`;
  return {
    currentKeyId: current.id,
    encrypt(text) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      // The key id is bound to the value: moving a value under another id fails to open.
      cipher.setAAD(Buffer.from(prefix));
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return `${prefix}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${body.toString('base64url')}`;
    },
    decrypt(value) {
      const m = stored.exec(value);
      if (!m) return value;
      const [, id, iv, tag, body] = m as unknown as [string, string, string, string, string];
      const key = byId.get(id);
      if (!key) throw new FieldCipherError(`a stored value is encrypted with key ${id}, which FIELD_KEYS does not hold`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`v1:${id}:`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new FieldCipherError(`a stored value does not open with key ${id}: it was changed, or the key is not the one that encrypted it`);
      }
    },
    isCurrent: (value) => value.startsWith(prefix) && stored.test(value),
  };
}

/** `k2:<base64>,k1:<base64>` (FIELD_KEYS): the first encrypts, all decrypt. */
export function parseFieldKeys(text: string): FieldKey[] {
  return text.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const at = part.indexOf(':');
    const id = at > 0 ? part.slice(0, at) : '';
    const key = Buffer.from(part.slice(at + 1), 'base64');
    if (!keyIdPattern.test(id) || key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(part.slice(at + 1)))
      throw new RangeError('expected keyId:<32 bytes in base64>, comma-separated, e.g. k2:$(openssl rand -base64 32)');
    return { id, key };
  });
}
