import type { Logger } from '../lib/logger.ts';
import type { Db } from '../store/db.ts';
import { rotateFieldKeys, type RotationReport } from '../store/field-rotation.ts';

/** How often the maintenance queue's 'field-rekey' job looks for texts under an older key (and once at start). */
export const fieldRekeyEveryMs = 24 * 3600 * 1000;

/**
 * Moves reply texts still under an older FIELD_KEYS key (or from before encryption) to the current
 * one, a batch at a time, while the service runs: after a key change, the first worker to start
 * does it. Counts only in the log.
 */
export async function rekeyFields(deps: { db: Db; log: Logger }): Promise<RotationReport> {
  if (!deps.db.fields) return { replies: 0, timeline: 0 };
  const moved = await rotateFieldKeys(deps.db);
  if (moved.replies || moved.timeline) deps.log.info({ component: 'field-rekey', keyId: deps.db.fields.currentKeyId, ...moved }, 'moved stored texts to the current field key');
  return moved;
}
