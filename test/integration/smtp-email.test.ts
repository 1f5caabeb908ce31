import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../channels/channel.ts';
import type { ChannelAdapter, EmailMessage } from '../../channels/channel.ts';
import { openChannels } from '../../channels/index.ts';
import { createSmtpEmail, smtpMessageId } from '../../channels/smtp-email.ts';
import { loadEnv } from '../../config/env.ts';
import { unsubscribeKey } from '../../config/server-secret.ts';
import { createLogger } from '../../lib/logger.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import type { SinkFault, SmtpSink } from '../support/smtp-sink.ts';

const FROM = 'care@clinic.test';
const PATIENT = 'pat.doe@example.com';

function emailMessage(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    channel: 'email',
    messageId: 'clinic-a-p42-day1-email',
    clinicId: 'clinic-a',
    patientId: 'p42',
    template: 'day1-check-in',
    to: PATIENT,
    fromName: 'Calm Waters Clinic',
    subject: 'How are you feeling today?',
    text: 'Reply 1-5 to tell us how you feel.',
    html: '<p>Reply 1-5 to tell us how you feel.</p>',
    scheduledFor: '2026-03-02T09:00:00.000Z',
    ...overrides,
  };
}

async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(DeliveryError);
  if (!(outcome instanceof DeliveryError)) throw new Error('expected a DeliveryError');
  return outcome;
}

let sink: SmtpSink;
let channel: ChannelAdapter<EmailMessage> | undefined;

beforeEach(async () => {
  sink = await startSmtpSink();
});

afterEach(async () => {
  await channel?.close?.();
  channel = undefined;
  await sink.close();
});

describe('smtp email: message', () => {
  it('sends the clinic name, recipient, subject, text and html parts, with a Message-ID from messageId', async () => {
    channel = createSmtpEmail({ url: sink.url, from: FROM });
    const receipt = await channel.send(emailMessage());

    const [mail] = await sink.waitFor(1, 5_000);
    expect(mail).toMatchObject({
      fromName: 'Calm Waters Clinic',
      fromAddress: FROM,
      to: [PATIENT],
      rcptTo: [PATIENT],
      subject: 'How are you feeling today?',
      text: 'Reply 1-5 to tell us how you feel.',
      html: '<p>Reply 1-5 to tell us how you feel.</p>',
      messageId: '<clinic-a-p42-day1-email@aftercare>',
    });
    expect(receipt).toEqual({ providerId: '<clinic-a-p42-day1-email@aftercare>' });
  });

  it('quotes a clinic name holding quotes and a comma so it stays one display name', async () => {
    channel = createSmtpEmail({ url: sink.url, from: FROM });
    await channel.send(emailMessage({ fromName: 'Dr. "Calm" Waters, Austin' }));

    const [mail] = await sink.waitFor(1, 5_000);
    expect(mail?.fromName).toBe('Dr. "Calm" Waters, Austin');
    expect(mail?.fromAddress).toBe(FROM);
  });

  it('offers only the mailto unsubscribe, without one-click, when the clinic has no unsubscribe URL', async () => {
    channel = createSmtpEmail({ url: sink.url, from: FROM });
    await channel.send(emailMessage());

    const [mail] = await sink.waitFor(1, 5_000);
    expect(mail?.rawHeaders.get('list-unsubscribe')).toBe(`<mailto:${FROM}?subject=unsubscribe>`);
    expect(mail?.rawHeaders.has('list-unsubscribe-post')).toBe(false);
  });

  it('offers mailto and one-click URL unsubscribe when the clinic has an unsubscribe URL', async () => {
    channel = createSmtpEmail({
      url: sink.url,
      from: FROM,
      unsubscribeUrl: (m) => `https://clinic.test/unsubscribe/${m.patientId}`,
    });
    await channel.send(emailMessage());

    const [mail] = await sink.waitFor(1, 5_000);
    expect(mail?.rawHeaders.get('list-unsubscribe')).toBe(
      `<mailto:${FROM}?subject=unsubscribe>, <https://clinic.test/unsubscribe/p42>`,
    );
    expect(mail?.rawHeaders.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  it.each([
    ['clinic-a-p42-day1-email', '<clinic-a-p42-day1-email@aftercare>'],
    ['clinic.a p42', '<clinic=2Ea=20p42@aftercare>'],
    ['a<b>@c', '<a=3Cb=3E=40c@aftercare>'],
  ])('derives Message-ID %j as %s, the same on every send', (id, expected) => {
    expect(smtpMessageId(id)).toBe(expected);
    expect(smtpMessageId(id)).toBe(smtpMessageId(id));
  });
});

describe.each([{ pool: false }, { pool: true }])('smtp email: failures (pool %j)', ({ pool }) => {
  beforeEach(() => {
    channel = createSmtpEmail({ url: sink.url, from: FROM, pool });
  });

  function send(overrides: Partial<EmailMessage> = {}): Promise<unknown> {
    if (channel === undefined) throw new Error('channel not created');
    return channel.send(emailMessage(overrides));
  }

  it('fails a 451 as transient, then the next send goes through', async () => {
    sink.failNext({ code: 451, message: 'try again later' });

    const err = await deliveryError(send());
    expect(err).toMatchObject({ permanent: false, ambiguous: false, code: 'smtp-451' });

    await expect(send()).resolves.toEqual({ providerId: '<clinic-a-p42-day1-email@aftercare>' });
    expect(await sink.waitFor(1, 5_000)).toHaveLength(1);
  });

  it('fails a 550 as permanent with code smtp-550', async () => {
    sink.failNext({ code: 550, message: 'mailbox unavailable' });

    const err = await deliveryError(send());
    expect(err).toMatchObject({ permanent: true, ambiguous: false, code: 'smtp-550' });
  });

  it.each<[string, SinkFault]>([
    ['a 550 echoing the recipient', { code: 550, message: `mailbox unavailable: <${PATIENT}>` }],
    ['a 451 echoing the recipient', { code: 451, message: `${PATIENT} over quota, try again later` }],
    ['a refused connection', { refuse: true }],
    ['a drop after DATA', { drop: 'data' }],
  ])('keeps the recipient address and the body out of the error message on %s', async (_case, fault) => {
    sink.failNext(fault);

    const err = await deliveryError(send());
    expect(err.message).not.toContain(PATIENT);
    expect(err.message).not.toContain('pat.doe');
    expect(err.message).not.toContain('Reply 1-5');
  });

  it('fails a connection refused with a 421 greeting as transient and not ambiguous', async () => {
    sink.failNext({ refuse: true });

    const err = await deliveryError(send());
    expect(err).toMatchObject({ permanent: false, ambiguous: false });
  });

  it('fails a closed server port as transient and not ambiguous', async () => {
    await sink.close();

    const err = await deliveryError(send());
    expect(err).toMatchObject({ permanent: false, ambiguous: false, code: 'smtp-unreachable' });
    sink = await startSmtpSink();
  });

  it('fails a connection lost after DATA as transient and ambiguous: the server may have queued it', async () => {
    sink.failNext({ drop: 'data' });

    const err = await deliveryError(send());
    expect(err).toMatchObject({ permanent: false, ambiguous: true, code: 'smtp-connection' });
  });
});

describe('smtp email: a connection closed before the greeting', () => {
  it('fails as transient and not ambiguous without a pool', async () => {
    channel = createSmtpEmail({ url: sink.url, from: FROM });
    sink.failNext({ drop: 'connect' });

    const err = await deliveryError(channel.send(emailMessage()));
    expect(err).toMatchObject({ permanent: false, ambiguous: false, code: 'smtp-connection' });
  });

  it('is resent by the pool on a new connection, since nothing was sent', async () => {
    channel = createSmtpEmail({ url: sink.url, from: FROM, pool: true });
    sink.failNext({ drop: 'connect' });

    await expect(channel.send(emailMessage())).resolves.toEqual({ providerId: '<clinic-a-p42-day1-email@aftercare>' });
    expect(await sink.waitFor(1, 5_000)).toHaveLength(1);
  });
});

describe('smtp email: the configured transport', () => {
  const configured = (env: Record<string, string> = {}, secret?: Buffer) => {
    const channels = openChannels(loadEnv({ SMTP_URL: sink.url, EMAIL_FROM: FROM, PUBLIC_BASE_URL: 'https://aftercare.example.org', ...env }),
      createLogger({ level: 'silent' }), undefined, secret && unsubscribeKey(secret));
    channel = channels.email;
    return channels.email;
  };

  it('sends two concurrent messages over one SMTP connection with SMTP_POOL_SIZE 1', async () => {
    const email = configured({ SMTP_POOL_SIZE: '1' });
    await Promise.all([email.send(emailMessage()), email.send(emailMessage({ messageId: 'clinic-a-p42-day2-email' }))]);
    expect(await sink.waitFor(2)).toHaveLength(2);
    expect(sink.connections).toBe(1);
  });

  it('keeps its connection open between sends by default', async () => {
    const email = configured();
    await email.send(emailMessage());
    await email.send(emailMessage({ messageId: 'clinic-a-p42-day2-email' }));
    expect(await sink.waitFor(2)).toHaveLength(2);
    expect(sink.connections).toBe(1);
  });

  it('puts a signed unsubscribe link on a patient email, and none on a staff notice naming that patient', async () => {
    const email = configured({}, Buffer.alloc(32, 7));
    await email.send(emailMessage({ template: 'checkin-24h' }));
    await email.send(emailMessage({ template: 'escalation-notice', messageId: 'esc-1-r1-email' }));
    const [patientMail, staffMail] = await sink.waitFor(2);
    expect(patientMail?.rawHeaders.get('list-unsubscribe')).toMatch(/^<mailto:[^>]+>, <https:\/\/aftercare\.example\.org\/unsubscribe\/[\w-]+\.[\w-]+>$/);
    expect(patientMail?.rawHeaders.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(staffMail?.rawHeaders.get('list-unsubscribe')).not.toContain('https:');
    expect(staffMail?.rawHeaders.get('list-unsubscribe-post')).toBeUndefined();
  });
});
