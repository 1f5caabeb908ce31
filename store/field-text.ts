import { FieldCipherError, looksEncrypted } from '../lib/field-cipher.ts';
import type { Sql } from './db.ts';

/** What a person wrote, as it is stored: encrypted when the handle carries a cipher (the service's always does). */
export function storedText(sql: Sql, text: string): string {
  return sql.fields ? sql.fields.encrypt(text) : text;
}

/** A stored text as it was written: decrypted, or a row from before encryption as it is. */
export function readText(sql: Sql, stored: string): string {
  if (sql.fields) return sql.fields.decrypt(stored);
  if (looksEncrypted(stored)) throw new FieldCipherError('an encrypted value was read without FIELD_KEYS');
  return stored;
}
