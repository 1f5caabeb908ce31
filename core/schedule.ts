import { DateTime, Duration } from 'luxon';
import type { CarePlan, CarePlanStep, ExpectsReply, PlanKind, StepSpec } from './care-plan.ts';
import { planAnchor, planKindOf, type PlanEvent } from './events.ts';
import type { Treatment } from './treatment.ts';
import { atLocalTime, type QuietHours } from './quiet-hours.ts';
import { stateOfPhone } from './area-codes.ts';
import { allowedSendTime, sendWindowFor, wakingMillis, type DeferredBy } from './send-window.ts';
import { isTimeZone, zoneFor } from './time-zone.ts';

export interface ScheduledStep extends StepSpec {
  /** Patient copy only. */
  expectsReply?: ExpectsReply;
  /** UTC ISO: anchor + after, snapped to localTime if any (before quiet hours). */
  plannedAt: string;
  /** UTC ISO: plannedAt moved to the end of quiet hours when needed. */
  dueAt: string;
  /** dueAt in the patient's zone, ISO with offset (for previews). */
  localDueAt: string;
  deferredForQuietHours: boolean;
  /** The rule that moved dueAt, when one did: the clinic's quiet hours or a state's law (`state:FL`). */
  deferredBy?: DeferredBy;
  status: 'scheduled' | 'expired';
  /** Why the step expired, in words staff can read on the timeline. */
  reason?: string;
}

export type SendDecision =
  | { action: 'send' }
  | { action: 'defer'; until: string; reason: string; deferredBy?: DeferredBy }
  | { action: 'expire'; reason: string };

/** What of a clinic's settings a schedule depends on. */
export interface ClinicRules {
  timezone: string;
  quietHours: QuietHours;
  plans: Record<PlanKind, CarePlan>;
  /** A session's plan by the treatment given, when the clinic has one. */
  treatments: Partial<Record<Treatment, CarePlan>>;
}

/** The steps an event's plan follows: its treatment's plan when the clinic has one, else the kind's. */
export function carePlanFor(clinic: Pick<ClinicRules, 'plans' | 'treatments'>, event: PlanEvent): CarePlan {
  if (event.type === 'session.completed' && event.session.treatment) {
    const own = clinic.treatments[event.session.treatment];
    if (own) return own;
  }
  return clinic.plans[planKindOf(event)];
}

export interface EventSchedule {
  kind: PlanKind;
  /** The session or cessation id the plan is keyed by. */
  reference: string;
  anchorAt: string;
  /** The zone the plan is made in and keeps. */
  zone: string;
  steps: ScheduledStep[];
}

/** The schedule of an event at a clinic, as the scheduler stores it and the preview shows it. */
export function scheduleFor(event: PlanEvent, clinic: ClinicRules, now: DateTime): EventSchedule {
  const kind = planKindOf(event);
  const { reference, anchorAt } = planAnchor(event);
  const zone = zoneFor(event.patient, clinic);
  const escort = event.type === 'session.completed' ? event.escort : undefined;
  const steps = planSchedule({ plan: carePlanFor(clinic, event), anchorAt, zone, quietHours: clinic.quietHours, hasEscort: escort !== undefined, now,
    phone: event.patient.phone, escortPhone: escort?.phone });
  return { kind, reference, anchorAt, zone, steps };
}

export function planSchedule(input: {
  plan: CarePlan;
  anchorAt: string;
  zone: string;
  quietHours: QuietHours;
  hasEscort: boolean;
  now: DateTime;
  /** The recipients' numbers: their area codes may bring a state's calling hours. */
  phone?: string | null | undefined;
  escortPhone?: string | null | undefined;
}): ScheduledStep[] {
  const { plan, zone, quietHours, hasEscort, now } = input;
  const anchor = parseInstant(input.anchorAt, 'anchor').setZone(checkedZone(zone));
  const sameRules = stateOfPhone(input.phone) === stateOfPhone(input.escortPhone);
  return plan.flatMap((step) => {
    const patientCopy = planStep(step, anchor, zone, quietHours, now, input.phone);
    if (!(step.toEscort && hasEscort)) return [patientCopy];
    // The escort's number may lie in another state, with other hours.
    const { expectsReply: _patientOnly, ...shared } = sameRules ? patientCopy : planStep(step, anchor, zone, quietHours, now, input.escortPhone);
    const escortCopy: ScheduledStep = { ...shared, recipient: 'escort', template: `${step.template}-escort`, channel: 'sms' };
    return [patientCopy, escortCopy];
  });
}

function planStep(step: CarePlanStep, anchor: DateTime, zone: string, quietHours: QuietHours, now: DateTime, phone: string | null | undefined): ScheduledStep {
  const critical = step.quietHours === 'ignore';
  // Luxon adds days/weeks/months as calendar units in `zone` (wall clock kept across DST)
  // and hours/minutes/seconds as elapsed time.
  let planned = anchor.plus(Duration.fromISO(step.after));
  if (step.localTime) {
    // A wall-clock time inside a spring-forward gap (02:30 on 2026-03-08 in New York) does not
    // exist; luxon moves it forward by the gap (03:30). In a fall-back overlap it keeps the
    // current offset when that offset is valid, so the time is sent once, never twice.
    planned = atLocalTime(planned, step.localTime);
  }
  const allowed = allowedSendTime(planned, sendWindowFor({ quietHours, zone, phone }), { critical });
  const { at: quietEnd, deferred: inQuiet } = allowed;
  // A step already due when the event is planned gets the same verdict the dispatcher would
  // give it now (expired, or waiting for the end of tonight's quiet hours); a future step is scheduled.
  const verdict = quietEnd <= now ? decideSend({ dueAt: utcIso(quietEnd), zone, quietHours, critical, grace: step.grace, now, phone }) : { action: 'send' as const };
  const waits = verdict.action === 'defer';
  const deferredBy = waits ? verdict.deferredBy ?? allowed.deferredBy : allowed.deferredBy;
  const deferred = inQuiet || waits;
  const due = waits ? parseInstant(verdict.until, 'until').setZone(zone) : quietEnd;
  const dueAt = utcIso(due);
  return {
    key: step.key,
    template: step.template,
    recipient: 'patient',
    channel: step.channel,
    critical,
    grace: step.grace,
    ...(step.expectsReply ? { expectsReply: { ...step.expectsReply } } : {}),
    plannedAt: utcIso(planned),
    dueAt,
    localDueAt: isoOf(due.setZone(zone), { suppressMilliseconds: true }),
    deferredForQuietHours: deferred,
    ...(deferred && deferredBy ? { deferredBy } : {}),
    ...(verdict.action === 'expire' ? { status: 'expired', reason: verdict.reason } : { status: 'scheduled' }),
  };
}

/**
 * What the dispatcher does with a step whose job fires now (possibly late, possibly at night).
 *
 * Quiet hours do not make a step late: a non-critical step's grace counts waking time only. A
 * step that meets quiet hours while still within its grace waits for their end, and from there
 * has its grace again, as a step planned into quiet hours does. So a check-in due 20:59:30 and
 * picked up at 21:00:01 goes at 08:00 like one planned for 21:00; one that was already past its
 * grace when quiet hours began expires. A critical step's grace is elapsed time.
 */
export function decideSend(input: {
  dueAt: string;
  zone: string;
  quietHours: QuietHours;
  critical: boolean;
  grace: string;
  now: DateTime;
  /** The recipient's number, whose area code may bring a state's calling hours. */
  phone?: string | null | undefined;
}): SendDecision {
  const zone = checkedZone(input.zone);
  const window = sendWindowFor({ quietHours: input.quietHours, zone, phone: input.phone });
  const due = parseInstant(input.dueAt, 'dueAt').setZone(zone);
  const now = input.now.setZone(zone);
  const grace = Duration.fromISO(input.grace);
  if (!grace.isValid) throw new RangeError(`invalid grace duration "${input.grace}"`);
  // Reasons are written only when a step does not go now (formatting is most of the cost otherwise).
  const dueText = () => `due ${due.toFormat('yyyy-MM-dd HH:mm')} ${zone}`;

  // Waking lateness is counted only when elapsed time is past the grace (it can only be less).
  if (now > due.plus(grace)) {
    const late = input.critical ? now.toMillis() - due.toMillis() : wakingMillis(due, now, window, grace.toMillis());
    if (late > grace.toMillis()) {
      return { action: 'expire', reason: `${formatDuration(lateness(now, due))} late, past its ${formatDuration(grace)} grace (${dueText()})` };
    }
  }
  // A job that fires early (clock skew, a repaired job) waits for its time.
  if (now < due) return { action: 'defer', until: utcIso(due), reason: `not yet ${dueText()}` };
  const allowed = allowedSendTime(now, window, { critical: input.critical });
  if (allowed.deferred) {
    const rule = allowed.deferredBy === undefined || allowed.deferredBy === 'clinic-quiet-hours' ? 'quiet hours' : `${allowed.deferredBy.slice(6)} calling hours`;
    return { action: 'defer', until: utcIso(allowed.at), reason: `${rule} until ${allowed.at.toFormat('HH:mm')} ${zone}`,
      ...(allowed.deferredBy ? { deferredBy: allowed.deferredBy } : {}) };
  }
  return { action: 'send' };
}

function checkedZone(zone: string): string {
  if (!isTimeZone(zone)) throw new RangeError(`unknown time zone "${zone}" (expected an IANA name such as America/Denver)`);
  return zone;
}

function checkedDateTime(value: DateTime): DateTime {
  if (!value.isValid) throw new RangeError(`invalid date-time: ${value.invalidExplanation ?? value.invalidReason}`);
  return value;
}

function parseInstant(text: string, what: string): DateTime {
  const parsed = DateTime.fromISO(text, { setZone: true });
  if (!parsed.isValid) throw new RangeError(`invalid ${what} "${text}" (expected an ISO-8601 time with an offset)`);
  return parsed;
}

function isoOf(value: DateTime, options?: { suppressMilliseconds: boolean }): string {
  const iso = checkedDateTime(value).toISO(options);
  if (iso === null) throw new RangeError('cannot format an invalid date-time');
  return iso;
}

// Same shape as Date#toISOString, so stored and compared strings agree.
function utcIso(value: DateTime): string {
  return isoOf(value.toUTC());
}

function lateness(now: DateTime, due: DateTime): Duration {
  const late = now.diff(due, ['days', 'hours', 'minutes']);
  return Duration.fromObject({ days: late.days, hours: late.hours, minutes: Math.floor(late.minutes) });
}

const unitLabels = [
  ['years', 'y'], ['months', 'mo'], ['weeks', 'w'], ['days', 'd'], ['hours', 'h'], ['minutes', 'min'], ['seconds', 's'],
] as const;

/** "2 h", "1 h 30 min", "3 d 2 h": short, for reasons on the timeline. */
function formatDuration(duration: Duration): string {
  const parts = duration.rescale().toObject();
  const text = unitLabels
    .filter(([unit]) => (parts[unit] ?? 0) > 0)
    .map(([unit, label]) => `${parts[unit]} ${label}`)
    .join(' ');
  return text === '' ? '0 min' : text;
}
