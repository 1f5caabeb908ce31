import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A development secret kept under the data directory: made once from 32 random bytes and read
 * back on every start, so sessions and sealed data survive a restart. Production sets the
 * secret in the environment instead.
 */
export function localSecret(dataDir: string, name: string): Buffer {
  const file = join(dataDir, `${name}.key`);
  const read = () => Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32);
  try {
    // 'wx': two processes starting at once agree on the first one's secret.
    writeFileSync(file, secret.toString('base64url'), { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return read();
  }
}
