import type { Mapping } from '../core/fhir-mapping.ts';
import { AftercareError } from './errors.ts';

/** The service's one acceptance path (producers/accept-event.ts), handed to workers by service/. */
export type AcceptEvent = (event: unknown) => Promise<{ eventId: string; duplicate: boolean }>;

export interface MappedOutcome {
  status: 'done' | 'ignored' | 'unmapped';
  reason?: string;
  eventIds?: string[];
}

/** Accepts a mapped event; a field the acceptor refuses is the mapping's failure, with its reason. */
export async function acceptMapped(deps: { accept: AcceptEvent }, mapping: Mapping): Promise<MappedOutcome> {
  if (mapping.kind !== 'event') return { status: mapping.kind, reason: mapping.reason };
  try {
    const accepted = await deps.accept(mapping.event);
    return { status: 'done', eventIds: [accepted.eventId] };
  } catch (err) {
    if (!(err instanceof AftercareError)) throw err;
    // The same resource version mapped again with other details: the first one stands.
    if (err.code === 'event-id-reused') return { status: 'done', eventIds: [String(mapping.event.id)] };
    if (err.code !== 'invalid-input') throw err;
    const fields = (err.details as { fields?: Array<{ path: string; message: string }> } | undefined)?.fields ?? [];
    return { status: 'unmapped', reason: [err.message, ...fields.map((f) => `${f.path}: ${f.message}`)].join('; ') };
  }
}
