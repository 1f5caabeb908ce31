import type { Clinics } from '../config/clinics.ts';
import type { Channels } from '../channels/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';
import type { SendStore } from './send-store.ts';

/**
 * What the workers that send are given by workers/index.ts: the dispatcher, delivery, check-ins
 * and staff notices (`EscalationDeps`, a `Pick` of it). Kept apart from the workers themselves, so
 * none imports another only for its type.
 */
export interface DispatcherDeps {
  db: Db;
  queues: Queues;
  clinics: Clinics;
  channels: Channels;
  log: Logger;
  metrics?: Metrics;
  now?: () => Date;
  /** A claim `sending` for longer than this lost its process: look at the provider, then send. Longer than any provider timeout. */
  claimTimeoutMs: number;
  /** The send's statements, batched across concurrent jobs; one statement per call when unset. */
  sends?: SendStore;
}
