import type { Clinics } from '../config/clinics.ts';
import { chainOf } from '../core/audit-chain.ts';
import { retentionCutoffs } from '../core/retention.ts';
import type { Logger } from '../lib/logger.ts';
import { purgeAccessAudit } from '../store/access-audit.ts';
import type { Db } from '../store/db.ts';
import { purgeMessageBodies, purgeReplyTexts, recordRetentionRun, type RetentionRun } from '../store/retention.ts';

export interface RetentionDeps {
  db: Db;
  clinics: Clinics;
  log: Logger;
  now?: () => Date;
}

/** Once a day (the maintenance queue's 'retention' job): each clinic's texts and audit entries past their age. */
export const retentionEveryMs = 24 * 3600 * 1000;

/**
 * Purges, per clinic, message bodies and reply texts older than its retention (the rows stay),
 * and audit entries older than its audit retention, from the start of its chain. The operator's
 * chain keeps entries as long as the longest-keeping clinic. Each run is recorded with counts only.
 */
export async function runRetention(deps: RetentionDeps): Promise<RetentionRun[]> {
  const now = deps.now?.() ?? new Date();
  const log = deps.log.child({ component: 'retention' });
  const runs: RetentionRun[] = [];
  let operatorCutoff: Date | undefined;
  for (const clinic of deps.clinics.all()) {
    const cutoffs = retentionCutoffs(clinic.retention, now, clinic.timezone);
    if (!operatorCutoff || cutoffs.audit < operatorCutoff) operatorCutoff = cutoffs.audit;
    const run: RetentionRun = {
      clinicId: clinic.id, ranAt: now,
      messageBodies: await purgeMessageBodies(deps.db, clinic.id, cutoffs.messageBodies),
      replyTexts: await purgeReplyTexts(deps.db, clinic.id, cutoffs.replyTexts),
      auditEntries: await purgeAccessAudit(deps.db, chainOf(clinic.id), cutoffs.audit),
    };
    runs.push(run);
  }
  if (operatorCutoff) runs.push({ clinicId: chainOf(null), ranAt: now, messageBodies: 0, replyTexts: 0, auditEntries: await purgeAccessAudit(deps.db, chainOf(null), operatorCutoff) });
  for (const run of runs) {
    await recordRetentionRun(deps.db, run);
    log.info({ clinicId: run.clinicId, messageBodies: run.messageBodies, replyTexts: run.replyTexts, auditEntries: run.auditEntries }, 'retention run');
  }
  return runs;
}
