import type { Clinics } from '../../config/clinics.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Metrics } from '../../lib/metrics.ts';
import type { Queues } from '../../lib/queues.ts';
import type { RedisClient } from '../../lib/redis.ts';
import type { Db } from '../../store/db.ts';
import type { ReportedDelivery } from '../../store/delivery-status.ts';
import type { Accept } from '../accept-event.ts';
import type { InboundSpool } from '../inbound-spool.ts';

/**
 * What the HTTP server is given, once, by service/ (or a test). Each plugin (clinic API, console,
 * webhooks, operations, dashboard, unsubscribe links) takes a `Pick` of it: what it names is all it reads.
 */
export interface ServerDeps {
  db: Db;
  redis: RedisClient;
  queues: Queues;
  clinics: Clinics;
  log: Logger;
  metrics: Metrics;
  now?: () => Date;
  /** The service's one acceptance path (shared with the library, so both batch together). */
  accept?: Accept;
  bodyLimit?: number;
  apiRatePerMinute?: number;
  /** Present when this process runs workers: /healthz fails when they stall. */
  liveness?: () => Promise<{ ok: boolean; reason?: string }>;
  /** Twilio webhooks: signatures are checked against PUBLIC_BASE_URL with the auth token. */
  twilio?: { authToken: string | undefined; publicBaseUrl: string; onUndelivered?: (d: ReportedDelivery) => Promise<void> };
  /** The server secret (`serverSecret`): console sessions, CSRF tokens and unsubscribe links are signed with keys derived from it. */
  secret?: Buffer;
  /** Addresses and CIDR ranges of proxies whose X-Forwarded-For is believed; none: the socket's address. */
  trustedProxies?: string[];
  /** Required as a bearer token by /readyz and /metrics when set. */
  operationsToken?: string;
  /** Where inbound SMS wait while PostgreSQL is away. */
  inboundSpool?: InboundSpool;
  /** Hex SHA-256 of the operator key: the admin API of every clinic (OPERATOR_API_KEY_SHA256). */
  operatorKeySha256?: string;
  /** The key outbound webhooks' signing secrets are sealed with (DATA_KEY); unset leaves their admin routes unmounted. */
  webhooks?: { dataKey: Buffer; allowPrivateNetworks: boolean };
  /** Operator sign-in for the queue dashboard; unset leaves /admin/queues unmounted. */
  operator?: { username: string; passwordHash: string };
}
