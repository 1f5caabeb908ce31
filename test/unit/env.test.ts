import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../config/env.ts';
import { ConfigError } from '../../lib/errors.ts';

type Source = Record<string, string | undefined>;

const sid = `AC${'a1'.repeat(16)}`;
const messagingService = `MG${'b2'.repeat(16)}`;

/** A complete, valid Twilio setup; override one variable to break it. */
function twilio(overrides: Source = {}): Source {
  return {
    TWILIO_ACCOUNT_SID: sid,
    TWILIO_AUTH_TOKEN: 'token-123',
    TWILIO_FROM: '+15550009999',
    PUBLIC_BASE_URL: 'https://aftercare.example.org',
    ...overrides,
  };
}

/** The ConfigError loadEnv throws for a source; fails the test when it does not throw one. */
function configErrorOf(source: Source): ConfigError {
  try {
    loadEnv(source);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadEnv to throw a ConfigError');
}

describe('loadEnv defaults', () => {
  it('fills every default from an empty environment', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: './var',
      CLINICS_FILE: 'config/clinics.example.json',
      LOG_LEVEL: 'info',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      OUTBOX_DIR: './var/outbox',
    });
  });

  it('derives PUBLIC_BASE_URL from HOST and PORT when unset', () => {
    expect(loadEnv({ HOST: '0.0.0.0', PORT: '8080' }).PUBLIC_BASE_URL).toBe('http://0.0.0.0:8080');
  });

  it('keeps a given PUBLIC_BASE_URL without its trailing slash', () => {
    expect(loadEnv({ PUBLIC_BASE_URL: 'https://aftercare.example.org/' }).PUBLIC_BASE_URL).toBe('https://aftercare.example.org');
  });

  it('puts OUTBOX_DIR under DATA_DIR when unset', () => {
    expect(loadEnv({ DATA_DIR: '/srv/aftercare' }).OUTBOX_DIR).toBe('/srv/aftercare/outbox');
  });

  it('keeps a given OUTBOX_DIR', () => {
    expect(loadEnv({ DATA_DIR: '/srv/aftercare', OUTBOX_DIR: '/tmp/outbox' }).OUTBOX_DIR).toBe('/tmp/outbox');
  });

  it('coerces numeric variables from text', () => {
    expect(loadEnv({ PORT: '4100', WORKER_CONCURRENCY: '5', SMS_RATE_PER_SECOND: '1' })).toMatchObject({
      PORT: 4100,
      WORKER_CONCURRENCY: 5,
      SMS_RATE_PER_SECOND: 1,
    });
  });

  it.each(['REDIS_URL', 'PORT', 'CLINICS_FILE', 'LOG_LEVEL', 'DATA_DIR', 'TWILIO_ACCOUNT_SID', 'PUBLIC_BASE_URL'])(
    'treats an empty %s as unset',
    (name) => {
      expect(loadEnv({ [name]: '' })).toEqual(loadEnv({}));
    },
  );

  it('treats undefined values as unset', () => {
    expect(loadEnv({ PORT: undefined, REDIS_URL: undefined })).toEqual(loadEnv({}));
  });
});

describe('loadEnv errors', () => {
  it('names every bad variable in one message', () => {
    const err = configErrorOf({ PORT: 'abc', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', TWILIO_ACCOUNT_SID: 'bad' });
    expect(err.message).toMatch(/^Invalid environment:/);
    for (const name of ['PORT', 'REDIS_URL', 'LOG_LEVEL', 'TWILIO_ACCOUNT_SID']) expect(err.message).toContain(`  ${name}: `);
    expect(err.message).toContain('REDIS_URL: expected redis://, rediss:// or redis+cluster://host:port,host:port');
    expect(err.message).toContain('TWILIO_ACCOUNT_SID: expected AC followed by 32 hex digits');
  });

  it('says nothing of the variables that are fine', () => {
    const err = configErrorOf({ PORT: 'abc', HOST: '0.0.0.0', CLINICS_FILE: 'clinics.json' });
    expect(err.message).not.toMatch(/HOST|CLINICS_FILE/);
  });

  it.each([
    { name: 'PORT', value: '70000' },
    { name: 'PORT', value: '30.5' },
    { name: 'REDIS_URL', value: 'localhost:6379' },
    { name: 'DATABASE_URL', value: 'mysql://db' },
    { name: 'SMTP_URL', value: 'http://mail' },
    { name: 'EMAIL_FROM', value: 'not-an-email' },
    { name: 'TWILIO_MESSAGING_SERVICE_SID', value: 'MG123' },
    { name: 'RECONCILE_EVERY', value: '30 seconds' },
    { name: 'LIVENESS_STALL_AFTER', value: '60' },
    { name: 'START_LOCAL_REDIS', value: 'always' },
    { name: 'QUEUE_PREFIX', value: 'has:colon' },
    { name: 'WORKER_CONCURRENCY', value: '0' },
  ])('refuses $name=$value naming it', ({ name, value }) => {
    expect(configErrorOf({ [name]: value }).message).toContain(`  ${name}: `);
  });

  it('accepts a complete Twilio setup', () => {
    expect(loadEnv(twilio())).toMatchObject({ TWILIO_ACCOUNT_SID: sid, PUBLIC_BASE_URL: 'https://aftercare.example.org' });
  });

  it('accepts a Messaging Service SID instead of TWILIO_FROM', () => {
    expect(loadEnv(twilio({ TWILIO_FROM: undefined, TWILIO_MESSAGING_SERVICE_SID: messagingService })).TWILIO_MESSAGING_SERVICE_SID).toBe(
      messagingService,
    );
  });

  it.each([
    { case: 'an account SID without an auth token', overrides: { TWILIO_AUTH_TOKEN: undefined }, names: 'TWILIO_AUTH_TOKEN', says: 'go together' },
    { case: 'an auth token without an account SID', overrides: { TWILIO_ACCOUNT_SID: undefined }, names: 'TWILIO_AUTH_TOKEN', says: 'go together' },
    { case: 'neither TWILIO_FROM nor a Messaging Service', overrides: { TWILIO_FROM: '' }, names: 'TWILIO_FROM', says: 'TWILIO_MESSAGING_SERVICE_SID' },
    { case: 'no PUBLIC_BASE_URL', overrides: { PUBLIC_BASE_URL: '' }, names: 'PUBLIC_BASE_URL', says: 'required with Twilio' },
  ])('refuses Twilio with $case, naming $names', ({ overrides, names, says }) => {
    const line = configErrorOf(twilio(overrides)).message.split('\n').find((l) => l.startsWith(`  ${names}: `));
    expect(line).toContain(says);
  });

  it('names every Twilio gap at once when only the SID is set', () => {
    const message = configErrorOf({ TWILIO_ACCOUNT_SID: sid }).message;
    for (const name of ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'PUBLIC_BASE_URL']) expect(message).toContain(`  ${name}: `);
  });
});

describe('loadEnv secrets', () => {
  it('refuses an OPERATIONS_TOKEN shorter than 16 characters, naming it', () => {
    expect(configErrorOf({ OPERATIONS_TOKEN: 'short' }).message).toContain('OPERATIONS_TOKEN');
    expect(loadEnv({}).OPERATIONS_TOKEN).toBeUndefined();
  });

  it('refuses a SESSION_SECRET shorter than 32 characters, naming it', () => {
    expect(configErrorOf({ SESSION_SECRET: 'short' }).message).toContain('SESSION_SECRET: at least 32 characters');
    expect(loadEnv({ SESSION_SECRET: 'x'.repeat(32) }).SESSION_SECRET).toBe('x'.repeat(32));
  });
});

describe('loadEnv SMTP pool', () => {
  it('keeps 5 SMTP connections by default and refuses 0', () => {
    expect(loadEnv({}).SMTP_POOL_SIZE).toBe(5);
    expect(configErrorOf({ SMTP_POOL_SIZE: '0' }).message).toContain('SMTP_POOL_SIZE');
  });
});

describe('loadEnv trusted proxies', () => {
  it('trusts no proxy by default', () => {
    expect(loadEnv({}).TRUSTED_PROXIES).toEqual([]);
  });

  it('reads addresses, CIDR ranges and named ranges, comma-separated', () => {
    expect(loadEnv({ TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.5,::1,fd00::/8,loopback' }).TRUSTED_PROXIES)
      .toEqual(['10.0.0.0/8', '192.168.1.5', '::1', 'fd00::/8', 'loopback']);
  });

  it.each(['proxy.internal', '10.0.0.0/33', '10.0.0.1/8/8', '*'])('refuses %j, naming TRUSTED_PROXIES', (value) => {
    expect(configErrorOf({ TRUSTED_PROXIES: value }).message).toContain('TRUSTED_PROXIES');
  });
});
