import { DateTime, Duration } from 'luxon';
import type { ReplyClass } from './classify-reply.ts';

export type EscalationKind = 'urgent' | 'attention' | 'review' | 'unreachable';
export type NoticeChannel = 'sms' | 'email';

/** What a reply asks of staff, if anything, and why (in words a nurse reads at a glance). */
export function escalationFor(reply: ReplyClass): { kind: EscalationKind; reason: string } | undefined {
  switch (reply.kind) {
    // The cues that decided, never the reply itself: the reason travels by SMS and email.
    case 'crisis':
      return { kind: 'urgent', reason: reply.subject === 'other'
        ? `reported by the sender: someone else may be in danger (${cues(reply.evidence)})`
        : `replied with crisis language (${cues(reply.evidence)})` };
    case 'symptom':
      return { kind: 'attention', reason: reply.subject === 'other'
        ? `reported by the sender: someone else has a serious symptom (${cues(reply.evidence)})`
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

export interface EscalationPolicy {
  contacts: number;
  renotifyAfter: string;
  nextContactAfter: string;
}

export interface NoticeRound {
  contactIndex: number;
  channels: NoticeChannel[];
  /** When to notify again if nobody has acknowledged; none when this is the last round. */
  nextRoundAt?: DateTime;
}

/**
 * Who hears about an escalation in a given round (1-based), how, and when to try again.
 * Urgent: SMS and email, again every `renotifyAfter`, moving down the contact list every
 * `nextContactAfter` (and round again) until acknowledged. Attention and unreachable: SMS and
 * email, re-sent once. Review: email, once.
 */
export function noticeRound(input: { kind: EscalationKind; round: number; raisedAt: DateTime; now: DateTime; policy: EscalationPolicy }): NoticeRound {
  const { kind, round, raisedAt, now, policy } = input;
  const renotify = Duration.fromISO(policy.renotifyAfter);
  if (kind === 'review') return { contactIndex: 0, channels: ['email'] };
  if (kind === 'attention' || kind === 'unreachable')
    return { contactIndex: 0, channels: ['sms', 'email'], ...(round === 1 ? { nextRoundAt: now.plus(renotify) } : {}) };
  const elapsed = now.diff(raisedAt).as('milliseconds');
  const step = Duration.fromISO(policy.nextContactAfter).as('milliseconds');
  const contactIndex = step > 0 ? Math.floor(Math.max(0, elapsed) / step) % Math.max(1, policy.contacts) : 0;
  return { contactIndex, channels: ['sms', 'email'], nextRoundAt: now.plus(renotify) };
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
