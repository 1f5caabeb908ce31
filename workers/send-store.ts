import { groupCommit } from '../lib/group-commit.ts';
import type { Sql } from '../store/db.ts';
import { claimDeliveries, recordSent, type Claim, type ClaimRequest } from '../store/deliveries.ts';
import { loadStep, loadSteps, markStepsSent, startSending, type LoadedStep, type StepRecord } from '../store/plans.ts';

/** The statements of a send that every job makes, in the dispatcher's words. */
export interface SendStore {
  loadStep(id: string): Promise<LoadedStep | undefined>;
  /** True for the attempt that moved the step from scheduled to sending. */
  startSending(id: string): Promise<boolean>;
  claimDelivery(request: ClaimRequest): Promise<Claim>;
  recordSent(id: string, providerId: string): Promise<void>;
  /** True for the attempt that moved the step from sending to sent (with what its send came to, read by its timeline entry). */
  markStepSent(step: StepRecord, detail: Record<string, unknown>): Promise<boolean>;
}

/** One statement per call. */
export function sendStore(db: Sql): SendStore {
  return {
    loadStep: (id) => loadStep(db, id),
    startSending: async (id) => (await startSending(db, [id])).has(id),
    claimDelivery: async (request) => (await claimDeliveries(db, [request]))[0]!,
    recordSent: (id, providerId) => recordSent(db, [{ id, providerId }]),
    markStepSent: async (step, detail) => (await markStepsSent(db, [{ step, detail }])).has(step.id),
  };
}

/**
 * The same statements shared by the jobs running at once: calls that arrive while earlier ones
 * are in flight go together in one statement (group commit), so fifty concurrent sends cost a
 * handful of round trips per stage instead of fifty.
 */
export function batchedSendStore(db: Sql): SendStore {
  const options = { maxBatch: 100 };
  const load = groupCommit<string, LoadedStep | undefined>(async (ids) => {
    const found = await loadSteps(db, ids);
    return ids.map((id) => found.get(id));
  }, options);
  const start = groupCommit<string, boolean>(async (ids) => {
    const moved = await startSending(db, ids);
    return ids.map((id) => moved.has(id));
  }, options);
  const claim = groupCommit<ClaimRequest, Claim>((requests) => claimDeliveries(db, requests), options);
  const record = groupCommit<{ id: string; providerId: string }, void>(async (sends) => {
    await recordSent(db, sends);
    return sends.map(() => undefined);
  }, options);
  const markSent = groupCommit<{ step: StepRecord; detail: Record<string, unknown> }, boolean>(async (sent) => {
    const moved = await markStepsSent(db, sent);
    return sent.map((x) => moved.has(x.step.id));
  }, options);
  return {
    loadStep: load,
    startSending: start,
    claimDelivery: claim,
    recordSent: (id, providerId) => record({ id, providerId }),
    markStepSent: (step, detail) => markSent({ step, detail }),
  };
}
