import { DateTime, Duration } from 'luxon';
import { z } from 'zod';
import { isoDurationSchema } from './care-plan.ts';
import { ladderRound, rungsOf, type EscalationKind } from './escalation.ts';
import { onCallAt, type Override, type Rotation } from './on-call.ts';

// An escalation policy: ordered steps a clinic writes per escalation kind, e.g.
// [{ notify: { rotation: 'primary' }, channels: ['voice', 'sms'] }, { wait: 'PT5M' },
//  { notify: { rotation: 'backup' }, channels: ['voice', 'sms', 'email'] }, { wait: 'PT5M' }, { repeat: 2 }].
// Each `wait` ends a round; `repeat: N` runs the rounds N more times. A kind without a policy
// follows the ladder (core/escalation.ts), with a call added for urgent ones.

export const noticeChannels = ['sms', 'voice', 'email'] as const;
export type NoticeChannel = (typeof noticeChannels)[number];

export const policyTargetSchema = z.union([
  z.strictObject({ rotation: z.string().min(1) }),
  z.strictObject({ contacts: z.literal('all') }),
  z.strictObject({ contact: z.string().min(1) }),
  z.strictObject({ lastResort: z.literal(true) }),
]);
export type PolicyTarget = z.infer<typeof policyTargetSchema>;

export const policyStepSchema = z.union([
  z.strictObject({ notify: policyTargetSchema, channels: z.array(z.enum(noticeChannels)).min(1).default(['sms', 'email']) }),
  z.strictObject({ wait: isoDurationSchema }),
  z.strictObject({ repeat: z.number().int().min(0).max(100) }),
]);
export type PolicyStep = z.infer<typeof policyStepSchema>;

const policySchema = z.array(policyStepSchema).min(1, 'a policy needs at least one step');
export const policiesSchema = z
  .strictObject({ urgent: policySchema.optional(), attention: policySchema.optional(), review: policySchema.optional(), unreachable: policySchema.optional() })
  .default({});
export type Policies = z.infer<typeof policiesSchema>;

export interface Person {
  name: string;
  phone?: string;
  email?: string;
}

export interface PolicyInput {
  kind: EscalationKind;
  /** 1-based. */
  round: number;
  sinceRaised: Duration;
  now: DateTime;
  /** The clinic's policy for this kind; none: the ladder. */
  policy?: PolicyStep[];
  contacts: Person[];
  lastResort?: Person;
  /** Everyone a rotation may name, by name. */
  people: ReadonlyMap<string, Person>;
  rotations: Readonly<Record<string, { rotation: Rotation; overrides: Override[] }>>;
  renotifyAfter: string;
  nextContactAfter: string;
}

export interface PolicyRound {
  recipients: Array<{ who: string; channels: NoticeChannel[] }>;
  /** When to notify again if nobody has acknowledged; none only for a review on the ladder. */
  nextRoundAt?: DateTime;
  /** The policy ran out without an acknowledgement: the last resort, every renotifyAfter, until someone does. */
  exhausted: boolean;
}

const reach = (p: Person | undefined, channels: readonly NoticeChannel[]): NoticeChannel[] => {
  const can = (ch: NoticeChannel) => (ch === 'email' ? Boolean(p?.email) : Boolean(p?.phone));
  const on = channels.filter(can);
  // A person without the channels asked for gets what they have rather than nothing.
  return on.length ? on : (['sms', 'email'] as const).filter(can);
};

/** The rounds of a policy (each ends with its wait) and how many more times they run. */
export function policyRounds(policy: readonly PolicyStep[]): { rounds: Array<{ notify: Array<Extract<PolicyStep, { notify: unknown }>>; wait?: string }>; repeat: number } {
  const rounds: Array<{ notify: Array<Extract<PolicyStep, { notify: unknown }>>; wait?: string }> = [];
  let current: Array<Extract<PolicyStep, { notify: unknown }>> = [];
  let repeat = 0;
  for (const step of policy) {
    if ('notify' in step) current.push(step);
    else if ('wait' in step) {
      if (current.length) rounds.push({ notify: current, wait: step.wait });
      // Two waits in a row add up.
      else if (rounds.length) rounds[rounds.length - 1]!.wait = Duration.fromISO(rounds[rounds.length - 1]!.wait ?? 'PT0S').plus(Duration.fromISO(step.wait)).toISO() ?? step.wait;
      current = [];
    } else repeat = step.repeat;
  }
  if (current.length) rounds.push({ notify: current });
  return { rounds, repeat };
}

function targetNames(t: PolicyTarget, input: PolicyInput, at: DateTime): string[] {
  if ('rotation' in t) {
    const r = input.rotations[t.rotation];
    return r ? [onCallAt(r.rotation, r.overrides, at).now] : [];
  }
  if ('contacts' in t) return input.contacts.map((c) => c.name);
  if ('contact' in t) return [t.contact];
  return input.lastResort ? [input.lastResort.name] : [];
}

function merge(list: Array<{ who: string; channels: NoticeChannel[] }>): Array<{ who: string; channels: NoticeChannel[] }> {
  const byName = new Map<string, Set<NoticeChannel>>();
  for (const r of list) byName.set(r.who, new Set([...(byName.get(r.who) ?? []), ...r.channels]));
  // The order of channels is the order of trying: a text first, the call after, email last.
  return [...byName].map(([who, set]) => ({ who, channels: noticeChannels.filter((c) => set.has(c)) }));
}

/** Who hears about an escalation in round k at time t, how, when again, and whether the policy ran out. */
export function policyRound(input: PolicyInput): PolicyRound {
  const { kind, now, policy } = input;
  const person = (name: string) => input.people.get(name);
  const again = now.plus(Duration.fromISO(input.renotifyAfter));
  if (!policy) {
    const ladder = ladderRound({ ...input, lastResort: input.lastResort });
    const names = rungsOf(input.contacts, input.lastResort).map((r) => (r === 'last-resort' ? input.lastResort!.name : input.contacts[r]!.name));
    return {
      ...ladder,
      recipients: ladder.recipients.map((r) => {
        const who = r.who === 'last-resort' ? input.lastResort!.name : (names[r.who] ?? input.contacts[0]!.name);
        // Urgent by default also rings whoever has a phone.
        const voice = kind === 'urgent' && person(who)?.phone ? (['voice'] as const) : [];
        return { who, channels: merge([{ who, channels: [...r.channels, ...voice] }])[0]!.channels };
      }),
    };
  }
  const { rounds, repeat } = policyRounds(policy);
  const total = rounds.length * (repeat + 1);
  if (input.round <= total && rounds.length) {
    const r = rounds[(input.round - 1) % rounds.length]!;
    const recipients = merge(r.notify.flatMap((step) => targetNames(step.notify, input, now).map((who) => ({ who, channels: reach(person(who), step.channels) }))));
    return { recipients, nextRoundAt: r.wait ? now.plus(Duration.fromISO(r.wait)) : again, exhausted: false };
  }
  // Ran out: the last resort (else whoever the last round named), by every channel they have, until someone acknowledges.
  const last = rounds[rounds.length - 1];
  const names = input.lastResort ? [input.lastResort.name] : (last?.notify ?? []).flatMap((s) => targetNames(s.notify, input, now));
  const all: NoticeChannel[] = kind === 'urgent' ? ['sms', 'voice', 'email'] : ['sms', 'email'];
  return { recipients: merge(names.map((who) => ({ who, channels: reach(person(who), all) }))), nextRoundAt: again, exhausted: true };
}

/** Where a notice goes when its person cannot be reached (Twilio 21610, 21211): the next in the clinic's order not yet told. */
export function nextPerson(order: readonly string[], after: string, told: readonly string[]): string | undefined {
  return order.slice(order.indexOf(after) + 1).find((n) => !told.includes(n));
}
