import { fieldCipher, parseFieldKeys, type FieldCipher } from '../lib/field-cipher.ts';
import { localSecret } from '../lib/local-secret.ts';
import type { Env } from './env.ts';

/**
 * The keys of reply texts at rest: FIELD_KEYS, else one made once under DATA_DIR (id `local`),
 * as DATA_KEY's is. Every API and worker process must share them.
 */
export function fieldKeys(env: Pick<Env, 'FIELD_KEYS' | 'DATA_DIR'>): FieldCipher {
  return fieldCipher(env.FIELD_KEYS ? parseFieldKeys(env.FIELD_KEYS) : [{ id: 'local', key: localSecret(env.DATA_DIR, 'field') }]);
}
