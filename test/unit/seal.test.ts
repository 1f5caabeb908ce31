import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../config/env.ts';
import { ConfigError } from '../../lib/errors.ts';
import { seal, SealError, unseal } from '../../lib/seal.ts';

describe('sealed messages', () => {
  const key = randomBytes(32);
  const text = JSON.stringify({ from: '+15551234567', body: 'I want to die' });

  it('open with the key that sealed them, and show neither phone nor body', () => {
    const sealed = seal(key, text);
    expect(unseal(key, sealed)).toBe(text);
    expect(sealed).not.toContain('5551234567');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('want to die');
  });

  it('differ each time the same text is sealed', () => {
    expect(seal(key, text)).not.toBe(seal(key, text));
  });

  it.each([
    { case: 'another key', open: (s: string) => unseal(randomBytes(32), s) },
    { case: 'a changed byte', open: (s: string) => { const raw = Buffer.from(s, 'base64url'); raw[raw.length - 1]! ^= 1; return unseal(key, raw.toString('base64url')); } },
    { case: 'a truncated message', open: (s: string) => unseal(key, s.slice(0, 20)) },
  ])('refuse to open with $case', ({ open }) => {
    expect(() => open(seal(key, text))).toThrow(SealError);
  });
});

describe('DATA_KEY', () => {
  it('takes 32 bytes in base64', () => {
    const value = randomBytes(32).toString('base64');
    expect(loadEnv({ DATA_KEY: value }).DATA_KEY).toBe(value);
  });

  it('refuses a key of another length, naming the variable', () => {
    expect(() => loadEnv({ DATA_KEY: randomBytes(16).toString('base64') })).toThrow(ConfigError);
    expect(() => loadEnv({ DATA_KEY: 'short' })).toThrow(/DATA_KEY: expected 32 bytes in base64/);
  });
});
