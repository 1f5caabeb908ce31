import { createHash } from 'node:crypto';
import type { Channel, Recipient } from '../core/care-plan.ts';

// Ids are derived from business keys the same way everywhere: deterministic (so replays and the
// reconciler land on the same BullMQ job), free of ':' (BullMQ's key separator) and never all digits.
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').replace(/[-_]/g, 'x').slice(0, 22);
}

export function eventJobId(clinicId: string, eventId: string): string {
  return `evt-${digest(clinicId, eventId)}`;
}

export function planId(clinicId: string, patientId: string, kind: string, reference: string): string {
  return `plan-${digest(clinicId, patientId, kind, reference)}`;
}

export function stepId(plan: string, key: string, recipient: Recipient): string {
  // '.' never appears in a step key, so an escort copy cannot collide with a step named '<key>-escort'.
  return recipient === 'patient' ? `${plan}-${key}` : `${plan}-${key}.escort`;
}

export function deliveryId(step: string, channel: Channel): string {
  return `${step}-${channel}`;
}

/** One escalation per cause: the same reply or the same silent check-in never raises two. */
export function escalationId(clinicId: string, patientId: string, cause: string): string {
  return `esc-${digest(clinicId, patientId, cause)}`;
}

/** One stored EHR notification per (clinic, what the EHR says identifies it). */
export function ehrNotificationId(clinicId: string, dedupKey: string): string {
  return `ehr-${digest(clinicId, dedupKey)}`;
}
