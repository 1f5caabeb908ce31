import { isIP } from 'node:net';
import { Duration } from 'luxon';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { fieldCipher, parseFieldKeys } from '../lib/field-cipher.ts';

const optionalText = z.string().trim().min(1).optional();
const duration = z.string().refine((t) => Duration.fromISO(t).isValid, 'expected an ISO-8601 duration such as PT30S');

// What fastify's trustProxy (proxy-addr) takes: addresses, CIDR ranges and its three named ranges.
const proxyNames = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyAddress = (text: string) => {
  const [address = '', bits, extra] = text.split('/');
  const version = isIP(address);
  if (proxyNames.has(text)) return true;
  if (version === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
};

const envSchema = z
  .object({
    REDIS_URL: z.string().regex(/^(rediss?|redis\+cluster):\/\//, 'expected redis://, rediss:// or redis+cluster://host:port,host:port').default('redis://127.0.0.1:6379'),
    /** host:port,host:port of a Redis Cluster; same as a redis+cluster:// REDIS_URL. */
    REDIS_CLUSTER_NODES: z.string().regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'expected host:port,host:port').optional(),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected postgres:// or postgresql://').optional(),
    DATA_DIR: z.string().min(1).default('./var'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'expected AC followed by 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: optionalText,
    TWILIO_FROM: optionalText,
    TWILIO_MESSAGING_SERVICE_SID: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'expected MG followed by 32 hex digits').optional(),
    /** A Twilio-compatible API host; unset means Twilio itself. */
    TWILIO_API_URL: z.url().optional(),
    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'expected smtp:// or smtps://').optional(),
    EMAIL_FROM: z.email().default('aftercare@localhost'),
    /** SMTP connections each process keeps open at most. */
    SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
    OUTBOX_DIR: z.string().min(1).optional(),
    CLINICS_FILE: z.string().min(1).default('config/clinics.example.json'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Messages per second across all worker processes together. */
    SMS_RATE_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(10),
    /** Staff calls placed to one number in any minute (besides at most one ringing at a time). */
    CALLS_PER_NUMBER_PER_MINUTE: z.coerce.number().int().min(1).max(60).default(3),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
    /** Sends under way at once in one worker process, across the batches it runs (each batch is up to 100 steps due at one instant); unset: WORKER_CONCURRENCY. */
    SEND_CONCURRENCY: z.coerce.number().int().min(1).max(5_000).optional(),
    RECONCILE_EVERY: duration.default('PT30S'),
    /** Steps due further away than this live in PostgreSQL only; the promoter moves them into Redis as they come near. */
    SCHEDULE_HORIZON: z.string().refine((t) => Duration.fromISO(t).isValid && Duration.fromISO(t).toMillis() >= 1_000, 'expected an ISO-8601 duration of at least a second, such as PT1H').default('PT1H'),
    /** Attempts per send before a transient failure counts as permanent, and the first backoff. */
    SEND_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    SEND_BACKOFF: duration.default('PT2S'),
    /** A send claimed this long ago with no outcome lost its process; longer than any provider timeout. */
    CLAIM_TIMEOUT: duration.default('PT30S'),
    /** A worker's /healthz fails when due jobs have not moved for this long, so an orchestrator restarts it. */
    LIVENESS_STALL_AFTER: duration.default('PT60S'),
    /** PostgreSQL schema to live in. */
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lowercase schema name').default('public'),
    /** BullMQ key prefix; the braces keep every queue in one Redis Cluster slot. */
    QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9{}_-]{1,64}$/).default('{aftercare}'),
    /** Steps queues spread over this many hash-tagged prefixes ({aftercare-p0}...), a clinic always on the same one; 1 for a single Redis. */
    QUEUE_PARTITIONS: z.coerce.number().int().min(1).max(64).default(1),
    /** The clinic API key `aftercare send-event` presents. */
    AFTERCARE_API_KEY: optionalText,
    /** Where `aftercare send-event` finds the API; defaults to this machine's PORT. */
    AFTERCARE_URL: z.url().optional(),
    /** Operator sign-in for the queue dashboard at /admin/queues; unset keeps the dashboard off. */
    OPERATOR_USERNAME: optionalText,
    OPERATOR_PASSWORD_HASH: z.string().regex(/^scrypt\$/, 'expected a scrypt hash from `aftercare hash-password`').optional(),
    /** Hex SHA-256 of the operator's key for the admin API (`/v1/admin/`, every clinic); unset: clinic admin keys only. */
    OPERATOR_API_KEY_SHA256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the hex SHA-256 of the operator key (64 lowercase hex digits)').optional(),
    /** `aftercare worker` serves /healthz, /readyz and /metrics on this port when set. */
    HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** When set, /readyz and /metrics answer only `Authorization: Bearer <token>`; /healthz stays open. */
    OPERATIONS_TOKEN: z.string().regex(/^\S{16,}$/, 'at least 16 characters without spaces').optional(),
    /** Requests per minute one API key may make. */
    API_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
    /** Signs console sessions, CSRF tokens and unsubscribe links; unset: a secret made once under DATA_DIR. */
    SESSION_SECRET: z.string().min(32, 'at least 32 characters, e.g. from `openssl rand -base64 32`').optional(),
    /** Proxies whose X-Forwarded-For names the client (sign-in limits count it); unset: the socket's address, headers ignored. */
    TRUSTED_PROXIES: z.string()
      .transform((t) => t.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().refine(isProxyAddress, 'expected addresses or CIDR ranges such as 10.0.0.0/8, comma-separated')))
      .default([]),
    /** 32 random bytes in base64: the AES-256-GCM key of inbound SMS kept in Redis while PostgreSQL is away. */
    DATA_KEY: z.string().refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, 'expected 32 bytes in base64 (openssl rand -base64 32)').optional(),
    /** Keys of reply texts encrypted at rest, `k2:<base64>,k1:<base64>`: the first encrypts, all decrypt; unset: a key made once under DATA_DIR. */
    FIELD_KEYS: z.string().refine((v) => {
      try {
        return fieldCipher(parseFieldKeys(v)) !== undefined;
      } catch {
        return false;
      }
    }, 'expected keyId:<32 bytes in base64>, comma-separated and each id once, e.g. k1:$(openssl rand -base64 32)').optional(),
    /** The HL7v2 MLLP listener's port (on HOST); unset keeps it off. */
    HL7_MLLP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** Outbound webhooks: how long a receiver has to answer, the first backoff (it doubles, up to an hour), and how long a delivery is retried. */
    WEBHOOK_TIMEOUT: duration.default('PT10S'),
    WEBHOOK_BACKOFF: duration.default('PT30S'),
    WEBHOOK_RETRY_FOR: duration.default('PT24H'),
    /** `allow` lets webhooks reach loopback and private networks (development, a receiver inside the clinic network). */
    WEBHOOK_PRIVATE_NETWORKS: z.enum(['deny', 'allow']).default('deny'),
    /** Start a private redis-server under DATA_DIR when none answers at REDIS_URL. */
    START_LOCAL_REDIS: z.enum(['auto', 'never']).default('auto'),
  })
  .superRefine((env, ctx) => {
    const twilio = [env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN];
    if (twilio.some(Boolean) && !twilio.every(Boolean))
      ctx.addIssue({ code: 'custom', path: ['TWILIO_AUTH_TOKEN'], message: 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN go together' });
    if (env.TWILIO_ACCOUNT_SID && !env.TWILIO_FROM && !env.TWILIO_MESSAGING_SERVICE_SID)
      ctx.addIssue({ code: 'custom', path: ['TWILIO_FROM'], message: 'set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID' });
    if (Boolean(env.OPERATOR_USERNAME) !== Boolean(env.OPERATOR_PASSWORD_HASH))
      ctx.addIssue({ code: 'custom', path: ['OPERATOR_PASSWORD_HASH'], message: 'OPERATOR_USERNAME and OPERATOR_PASSWORD_HASH go together' });
    if (env.TWILIO_ACCOUNT_SID && !env.PUBLIC_BASE_URL)
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'required with Twilio: delivery reports and signatures use it' });
  });

export type Env = z.infer<typeof envSchema> & { PUBLIC_BASE_URL: string; OUTBOX_DIR: string };

/** The one reader of process.env. Throws a ConfigError naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty variable means "unset", as in most shells' .env files.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const env = result.data;
  return {
    ...env,
    PUBLIC_BASE_URL: (env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/$/, ''),
    OUTBOX_DIR: env.OUTBOX_DIR ?? `${env.DATA_DIR}/outbox`,
  };
}
