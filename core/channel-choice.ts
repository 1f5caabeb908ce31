import type { Channel, ChannelRule, Recipient } from './care-plan.ts';

export interface Reachability {
  recipient: Recipient;
  rule: ChannelRule;
  preferred: Channel;
  phone: string | null;
  email: string | null;
  smsConsent: boolean;
  smsOptedOut: boolean;
  /** The patient used an email's unsubscribe link. */
  emailOptedOut: boolean;
}

export interface ChannelChoice {
  /** Channels to send on, in order. */
  send: Array<{ channel: Channel; to: string }>;
  /** Used only when a channel in `send` fails permanently. */
  fallback: Array<{ channel: Channel; to: string }>;
  /** Why a wanted channel cannot be used (for the timeline). */
  unavailable: Array<{ channel: Channel; reason: string }>;
}

/** Which channels a step goes out on, given consent and opt-out as they stand at send time. */
export function chooseChannels(r: Reachability): ChannelChoice {
  if (r.recipient === 'escort') {
    return r.phone
      ? { send: [{ channel: 'sms', to: r.phone }], fallback: [], unavailable: [] }
      : { send: [], fallback: [], unavailable: [{ channel: 'sms', reason: 'escort has no phone' }] };
  }
  const usable = new Map<Channel, string>();
  const unavailable: ChannelChoice['unavailable'] = [];
  if (!r.phone) unavailable.push({ channel: 'sms', reason: 'no phone on file' });
  else if (r.smsOptedOut) unavailable.push({ channel: 'sms', reason: 'patient opted out of SMS' });
  else if (!r.smsConsent) unavailable.push({ channel: 'sms', reason: 'no SMS consent' });
  else usable.set('sms', r.phone);
  if (!r.email) unavailable.push({ channel: 'email', reason: 'no email on file' });
  else if (r.emailOptedOut) unavailable.push({ channel: 'email', reason: 'patient opted out of email' });
  else usable.set('email', r.email);

  const wanted: Channel[] =
    r.rule === 'both' ? ['sms', 'email'] : r.rule === 'preferred' ? [r.preferred] : [r.rule];
  const pick = (c: Channel) => (usable.has(c) ? [{ channel: c, to: usable.get(c) ?? '' }] : []);
  const others = (['sms', 'email'] as const).filter((c) => !wanted.includes(c)).flatMap(pick);
  const send = wanted.flatMap(pick);
  // When the wanted channel cannot be used at all, the other one carries the message.
  if (send.length === 0) return { send: others, fallback: [], unavailable: unavailable.filter((u) => wanted.includes(u.channel)) };
  return { send, fallback: others, unavailable: unavailable.filter((u) => wanted.includes(u.channel)) };
}
