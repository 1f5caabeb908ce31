import type { Clinics } from '../config/clinics.ts';
import type { EscalationKind } from '../core/escalation.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { Queues } from '../lib/queues.ts';
import type { Db } from '../store/db.ts';

// Shared by receive-reply.ts and the steps it hands a message to (acknowledge-by-sms.ts), so neither imports the other for a type.

/** What reading an inbound SMS is given. */
export interface ReplyDeps {
  db: Db;
  clinics: Clinics;
  queues: Queues;
  log: Logger;
  metrics?: Metrics;
}

/** What to answer the sender at once (as TwiML), if anything. */
export interface ReplyOutcome {
  answer?: string;
  classification: string;
  escalation?: { id: string; kind: EscalationKind; code: string };
}
