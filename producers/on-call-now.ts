import { DateTime } from 'luxon';
import type { Clinic } from '../config/clinics.ts';
import { clinicOnCall } from '../config/on-call.ts';
import { onCallAt } from '../core/on-call.ts';

/** One rotation's answer: who is on call, who is next and when they take over (names only, never a phone). */
export interface RotationNow {
  rotation: string;
  handoff: 'daily' | 'weekly';
  now: string;
  next: string;
  handoffAt: string;
  handoffAtLocal: string;
  /** An override decides who is on call now. */
  override: boolean;
}

/** Who is on call at a clinic at `at`, per rotation, shared by GET /v1/oncall and the console. */
export function onCallNow(clinic: Clinic, at: Date): { clinicId: string; timezone: string; at: string; rotations: RotationNow[] } {
  const instant = DateTime.fromJSDate(at);
  const { rotations } = clinicOnCall(clinic);
  return {
    clinicId: clinic.id,
    timezone: clinic.timezone,
    at: instant.toUTC().toISO() ?? '',
    rotations: Object.entries(rotations).map(([name, r]) => {
      const s = onCallAt(r.rotation, r.overrides, instant);
      return {
        rotation: name, handoff: r.rotation.handoff, now: s.now, next: s.next,
        handoffAt: s.handoffAt.toUTC().toISO() ?? '', handoffAtLocal: s.handoffAt.setZone(clinic.timezone).toISO({ suppressMilliseconds: true }) ?? '',
        override: r.overrides.some((o) => o.from <= instant && instant < o.to),
      };
    }),
  };
}
