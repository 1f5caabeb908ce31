import { describe, expect, it } from 'vitest';
import { chooseChannels, type ChannelChoice, type Reachability } from '../../core/channel-choice.ts';

const phone = '+15551234567';
const email = 'sam@example.org';
const escortPhone = '+15557654321';

/** A patient who prefers SMS, has consented, and has both a phone and an email. */
function reach(overrides: Partial<Reachability> = {}): Reachability {
  return { recipient: 'patient', rule: 'preferred', preferred: 'sms', phone, email, smsConsent: true, smsOptedOut: false, emailOptedOut: false, ...overrides };
}

const sms = { channel: 'sms', to: phone } as const;
const mail = { channel: 'email', to: email } as const;
const nothing = { send: [], fallback: [] };

describe('chooseChannels for a patient', () => {
  it.each<{ case: string; r: Partial<Reachability>; expected: ChannelChoice }>([
    { case: 'preferred sms with consent: sms, email as fallback', r: {},
      expected: { send: [sms], fallback: [mail], unavailable: [] } },
    { case: 'preferred sms with consent and no email: sms, no fallback', r: { email: null },
      expected: { send: [sms], fallback: [], unavailable: [] } },
    { case: 'preferred email: email, sms as fallback', r: { preferred: 'email' },
      expected: { send: [mail], fallback: [sms], unavailable: [] } },
    { case: 'preferred sms opted out with an email: email', r: { smsOptedOut: true },
      expected: { send: [mail], fallback: [], unavailable: [{ channel: 'sms', reason: 'patient opted out of SMS' }] } },
    { case: 'preferred sms without consent with an email: email', r: { smsConsent: false },
      expected: { send: [mail], fallback: [], unavailable: [{ channel: 'sms', reason: 'no SMS consent' }] } },
    { case: 'preferred sms without consent or email: nothing, with the reason', r: { smsConsent: false, email: null },
      expected: { ...nothing, unavailable: [{ channel: 'sms', reason: 'no SMS consent' }] } },
    { case: 'preferred sms without a phone or email: nothing, with the reason', r: { phone: null, email: null },
      expected: { ...nothing, unavailable: [{ channel: 'sms', reason: 'no phone on file' }] } },
    { case: 'opted out wins over consent', r: { smsOptedOut: true, smsConsent: true, email: null },
      expected: { ...nothing, unavailable: [{ channel: 'sms', reason: 'patient opted out of SMS' }] } },
    { case: 'rule both with both usable: both, in order', r: { rule: 'both' },
      expected: { send: [sms, mail], fallback: [], unavailable: [] } },
    { case: 'rule both without consent: only email', r: { rule: 'both', smsConsent: false },
      expected: { send: [mail], fallback: [], unavailable: [{ channel: 'sms', reason: 'no SMS consent' }] } },
    { case: 'rule both without an email: only sms', r: { rule: 'both', email: null },
      expected: { send: [sms], fallback: [], unavailable: [{ channel: 'email', reason: 'no email on file' }] } },
    { case: 'rule both with neither: nothing, with both reasons', r: { rule: 'both', smsOptedOut: true, email: null },
      expected: { ...nothing, unavailable: [{ channel: 'sms', reason: 'patient opted out of SMS' }, { channel: 'email', reason: 'no email on file' }] } },
    { case: 'rule email: email even when sms is preferred, sms as fallback', r: { rule: 'email' },
      expected: { send: [mail], fallback: [sms], unavailable: [] } },
    { case: 'rule email without an email: falls to sms when allowed', r: { rule: 'email', email: null },
      expected: { send: [sms], fallback: [], unavailable: [{ channel: 'email', reason: 'no email on file' }] } },
    { case: 'rule email without an email or consent: nothing', r: { rule: 'email', email: null, smsConsent: false },
      expected: { ...nothing, unavailable: [{ channel: 'email', reason: 'no email on file' }] } },
    { case: 'rule sms when email is preferred: sms, email as fallback', r: { rule: 'sms', preferred: 'email' },
      expected: { send: [sms], fallback: [mail], unavailable: [] } },
    { case: 'rule sms opted out: falls to email', r: { rule: 'sms', smsOptedOut: true },
      expected: { send: [mail], fallback: [], unavailable: [{ channel: 'sms', reason: 'patient opted out of SMS' }] } },
    { case: 'rule email opted out of email: falls to sms', r: { rule: 'email', emailOptedOut: true },
      expected: { send: [sms], fallback: [], unavailable: [{ channel: 'email', reason: 'patient opted out of email' }] } },
    { case: 'preferred email opted out of email: sms', r: { preferred: 'email', emailOptedOut: true },
      expected: { send: [sms], fallback: [], unavailable: [{ channel: 'email', reason: 'patient opted out of email' }] } },
    { case: 'preferred sms opted out of email: sms with no email fallback', r: { emailOptedOut: true },
      expected: { send: [sms], fallback: [], unavailable: [] } },
    { case: 'rule both opted out of email: only sms', r: { rule: 'both', emailOptedOut: true },
      expected: { send: [sms], fallback: [], unavailable: [{ channel: 'email', reason: 'patient opted out of email' }] } },
    { case: 'opted out of both: nothing, with both reasons', r: { rule: 'both', smsOptedOut: true, emailOptedOut: true },
      expected: { ...nothing, unavailable: [{ channel: 'sms', reason: 'patient opted out of SMS' }, { channel: 'email', reason: 'patient opted out of email' }] } },
  ])('$case', ({ r, expected }) => {
    expect(chooseChannels(reach(r))).toEqual(expected);
  });

  it.each([
    { smsConsent: false, smsOptedOut: false },
    { smsConsent: true, smsOptedOut: true },
    { smsConsent: false, smsOptedOut: true },
  ])('never texts a patient with consent $smsConsent and opt-out $smsOptedOut, on any rule', (flags) => {
    for (const rule of ['preferred', 'sms', 'email', 'both'] as const) {
      const choice = chooseChannels(reach({ rule, ...flags }));
      expect([...choice.send, ...choice.fallback].map((c) => c.channel)).not.toContain('sms');
    }
  });

  it('never emails a patient who opted out of email, on any rule or preference', () => {
    for (const rule of ['preferred', 'sms', 'email', 'both'] as const) {
      for (const preferred of ['sms', 'email'] as const) {
        const choice = chooseChannels(reach({ rule, preferred, emailOptedOut: true }));
        expect([...choice.send, ...choice.fallback].map((c) => c.channel)).not.toContain('email');
      }
    }
  });
});

describe('chooseChannels for an escort', () => {
  it.each<{ case: string; r: Partial<Reachability> }>([
    { case: 'with an email on the reachability', r: {} },
    { case: 'whose rule is email', r: { rule: 'email', preferred: 'email' } },
    { case: 'whose rule is both', r: { rule: 'both' } },
    { case: 'without the patient consent flags', r: { smsConsent: false } },
  ])('texts the escort phone and never emails, $case', ({ r }) => {
    expect(chooseChannels(reach({ recipient: 'escort', phone: escortPhone, ...r }))).toEqual({
      send: [{ channel: 'sms', to: escortPhone }],
      fallback: [],
      unavailable: [],
    });
  });

  it('sends nothing to an escort without a phone, saying why', () => {
    expect(chooseChannels(reach({ recipient: 'escort', phone: null }))).toEqual({
      ...nothing,
      unavailable: [{ channel: 'sms', reason: 'escort has no phone' }],
    });
  });
});
