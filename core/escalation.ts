import { DateTime, Duration } from 'luxon';
import type { Channel } from './care-plan.ts';
import type { ReplyClass } from './classify-reply.ts';

export type EscalationKind = 'urgent' | 'attention' | 'review' | 'unreachable';

/** What a reply asks of staff, if anything, and why (in words a nurse reads at a glance). */
export function escalationFor(reply: ReplyClass): { kind: EscalationKind; reason: string } | undefined {
  switch (reply.kind) {
    // The cues that decided, never the reply itself: the reason travels by SMS and email.
    case 'crisis':
      return { kind: 'urgent', reason: reply.subject === 'other'
        ? `replied with crisis language about someone else (reported by the sender; ${cues(reply.evidence)})`
        : `replied with crisis language (${cues(reply.evidence)})` };
    case 'symptom':
      return { kind: 'attention', reason: reply.subject === 'other'
        ? `reported a serious symptom of someone else (reported by the sender; ${cues(reply.evidence)})`
        : `reported a serious symptom (${cues(reply.evidence)})` };
    case 'score':
      return reply.level === 'attention' ? { kind: 'attention', reason: `rated the check-in ${reply.score} of 5` } : undefined;
    case 'other':
      return { kind: 'review', reason: 'sent a reply that needs reading' };
    default:
      return undefined;
  }
}

const cues = (evidence: readonly string[]): string => evidence.join('; ');

/** Someone on the ladder: a clinic contact by position, or the clinic's last resort. */
export type Rung = number | 'last-resort';

export interface LadderContact {
  phone?: string;
  email?: string;
}

export interface LadderInput {
  kind: EscalationKind;
  /** 1-based. */
  round: number;
  /** Time from the escalation being raised to this round. */
  sinceRaised: Duration;
  contacts: LadderContact[];
  lastResort?: LadderContact;
  renotifyAfter: string;
  nextContactAfter: string;
  now: DateTime;
}

export interface LadderRound {
  recipients: Array<{ who: Rung; channels: Channel[] }>;
  /** When to notify again if nobody has acknowledged; none only for a review. */
  nextRoundAt?: DateTime;
  /** Every rung has been tried without an acknowledgement. */
  exhausted: boolean;
}

/** The rungs in order: each contact, then the last resort when the clinic has one. */
export function rungsOf(contacts: LadderContact[], lastResort?: LadderContact): Rung[] {
  return [...contacts.map((_, i) => i), ...(lastResort ? (['last-resort'] as const) : [])];
}

const reachableBy = (c: LadderContact | undefined, channels: Channel[]): Channel[] => {
  const on = channels.filter((ch) => (ch === 'sms' ? c?.phone : c?.email));
  // A contact without the preferred channel gets the other rather than nothing.
  return on.length ? on : (['sms', 'email'] as const).filter((ch) => (ch === 'sms' ? c?.phone : c?.email));
};

/**
 * Who hears about an escalation in a round, how, and when to try again; one rung of the ladder
 * every `nextContactAfter`, nobody acknowledging.
 * - urgent: SMS and email every `renotifyAfter` to the rung's person; once past the last rung,
 *   everyone (contacts and last resort) every `renotifyAfter`, until acknowledged.
 * - attention, unreachable: SMS and email to the rung's person, reminded once after
 *   `renotifyAfter`; once past the last rung, the last resort (else the last contact) every
 *   `renotifyAfter`, until acknowledged.
 * - review: email to the first contact, once.
 */
export function ladderRound(input: LadderInput): LadderRound {
  const { kind, sinceRaised, contacts, lastResort, now } = input;
  const rungs = rungsOf(contacts, lastResort);
  const contactOf = (who: Rung) => (who === 'last-resort' ? lastResort : contacts[who]);
  const to = (who: Rung, channels: Channel[]) => ({ who, channels: reachableBy(contactOf(who), channels) });
  const both: Channel[] = ['sms', 'email'];
  if (kind === 'review') return { recipients: [to(0, ['email'])], exhausted: false };

  const renotify = Duration.fromISO(input.renotifyAfter).as('milliseconds');
  const step = Duration.fromISO(input.nextContactAfter).as('milliseconds');
  const elapsed = Math.max(0, sinceRaised.as('milliseconds'));
  const rung = step > 0 ? Math.floor(elapsed / step) : 0;
  const again = now.plus({ milliseconds: renotify });
  if (rung >= rungs.length) {
    const everyone = kind === 'urgent' ? rungs : rungs.slice(-1);
    return { recipients: everyone.map((who) => to(who, both)), nextRoundAt: again, exhausted: true };
  }
  const here = [to(rungs[rung] ?? 0, both)];
  if (kind === 'urgent') return { recipients: here, nextRoundAt: again, exhausted: false };
  // Without a nextContactAfter the ladder does not move: the first contact, every renotifyAfter.
  if (step <= 0) return { recipients: here, nextRoundAt: again, exhausted: false };
  const nextRung = now.plus({ milliseconds: (rung + 1) * step - elapsed });
  // The rung's first notice (well before its reminder was due) is reminded once, unless the next rung comes first.
  const remind = elapsed - rung * step < renotify / 2 && again < nextRung;
  return { recipients: here, nextRoundAt: remind ? again : nextRung, exhausted: false };
}

/** Where a notice goes when its person cannot be reached (Twilio 21610, 21211): the next rung not yet told this round. */
export function nextRung(rungs: Rung[], after: Rung, told: Rung[]): Rung | undefined {
  return rungs.slice(rungs.indexOf(after) + 1).find((r) => !told.includes(r));
}

const headline: Record<EscalationKind, string> = {
  urgent: 'URGENT',
  attention: 'Needs attention',
  review: 'For review',
  unreachable: 'Cannot reach patient',
};

/**
 * The staff notice. SMS carries no patient detail beyond the reference and the reason;
 * the email adds an excerpt of the reply.
 */
export function escalationNotice(input: {
  kind: EscalationKind;
  clinicName: string;
  patientRef: string;
  code: string;
  reason: string;
  excerpt?: string;
  round: number;
}): { sms: string; subject: string; text: string } {
  const { kind, clinicName, patientRef, code, reason, excerpt, round } = input;
  const again = round > 1 ? ' (reminder)' : '';
  const action = kind === 'urgent' ? 'Call them now.' : kind === 'review' ? 'Please read it today.' : 'Please call them.';
  const sms = `${headline[kind]}${again}, ${clinicName}: patient ${patientRef} ${reason}. ${action} Reply ACK ${code} when handled.`;
  const lines = [
    `${headline[kind]}${again}: patient ${patientRef} ${reason}.`,
    action,
    ...(excerpt ? [`Their message: "${excerpt}"`] : []),
    `To acknowledge, reply ACK ${code} by SMS, or use the acknowledge call of the Aftercare API.`,
  ];
  return { sms, subject: `${headline[kind]}${again}: patient ${patientRef} (ACK ${code})`, text: lines.join('\n\n') };
}

/** At most `max` characters of a reply, on a word boundary, for an email excerpt. */
export function excerptOf(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}…`;
}
