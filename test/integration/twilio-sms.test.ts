import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../channels/channel.ts';
import type { ChannelAdapter, SmsMessage } from '../../channels/channel.ts';
import { createTwilioSms } from '../../channels/twilio-sms.ts';
import type { TwilioSmsOptions } from '../../channels/twilio-sms.ts';
import { signTwilioRequest, startTwilioServer } from '../support/twilio-server.ts';
import type { TwilioServer } from '../support/twilio-server.ts';

const accountSid = `AC${'1'.repeat(32)}`;
const authToken = 'test-auth-token-0123456789abcdef';
const statusCallbackUrl = 'https://aftercare.example.org/webhooks/twilio/status';
const patientPhone = '+15551234567';
const secretBody = 'Please do not drive for the rest of today. Reply 1 to 5.';

function smsMessage(overrides: Partial<SmsMessage> = {}): SmsMessage {
  return {
    channel: 'sms',
    messageId: 'msg-step-no-driving-sms',
    clinicId: 'clinic-a',
    patientId: 'p-123',
    template: 'no-driving',
    to: patientPhone,
    body: secretBody,
    scheduledFor: '2026-11-23T22:30:00Z',
    ...overrides,
  };
}

async function sendFailure(channel: ChannelAdapter<SmsMessage>, message = smsMessage()): Promise<DeliveryError> {
  const error: unknown = await channel.send(message).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  if (!(error instanceof DeliveryError)) throw new Error('send did not fail with a DeliveryError');
  // DeliveryError messages are logged: they must never carry the number or the text.
  expect(error.message).not.toContain(patientPhone);
  expect(error.message).not.toContain('5551234567');
  expect(error.message).not.toContain(secretBody);
  return error;
}

describe('Twilio SMS channel against a local Twilio', () => {
  let server: TwilioServer;
  let channel: ChannelAdapter<SmsMessage>;
  const channelFor = (overrides: Partial<TwilioSmsOptions> = {}) =>
    createTwilioSms({ accountSid, authToken, from: '+15550001111', statusCallbackUrl, apiBaseUrl: server.url, ...overrides });

  beforeEach(async () => {
    server = await startTwilioServer({ accountSid, authToken });
    channel = channelFor();
  });
  afterEach(async () => {
    await server.close();
  });

  it('creates the message with To, From, Body and StatusCallback and returns its sid', async () => {
    const receipt = await channel.send(smsMessage());

    expect(server.messages).toHaveLength(1);
    const [recorded] = server.messages;
    expect(recorded).toMatchObject({
      to: patientPhone,
      from: '+15550001111',
      messagingServiceSid: null,
      body: secretBody,
      statusCallback: statusCallbackUrl,
    });
    expect(receipt.providerId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(receipt.providerId).toBe(recorded?.sid);
  });

  it('sends through a Messaging Service when no From number is configured', async () => {
    const serviceSid = `MG${'2'.repeat(32)}`;
    const receipt = await channelFor({ from: undefined, messagingServiceSid: serviceSid }).send(smsMessage());

    expect(server.messages[0]).toMatchObject({ from: null, messagingServiceSid: serviceSid, sid: receipt.providerId });
  });

  it.each([
    { code: 21211, message: `The 'To' number ${patientPhone} is not a valid phone number.` },
    { code: 21408, message: `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${patientPhone}.` },
    { code: 21610, message: `Attempt to send to unsubscribed recipient ${patientPhone}` },
    { code: 21612, message: `The 'To' phone number: ${patientPhone}, is not currently reachable using the 'From' phone number` },
    { code: 21614, message: `'To' number ${patientPhone} is not a valid mobile number` },
  ])('treats Twilio $code as permanent, without echoing the number', async ({ code, message }) => {
    server.failNext({ status: 400, code, message });

    const error = await sendFailure(channel);

    expect(error).toMatchObject({ permanent: true, ambiguous: false, code: `twilio-${code}` });
    expect(server.messages).toHaveLength(0);
  });

  it('treats a 429 rate limit as transient and does not retry it inside the SDK', async () => {
    server.failNext({ status: 429, code: 20429, message: 'Too Many Requests' });

    const error = await sendFailure(channel);

    expect(error).toMatchObject({ permanent: false, ambiguous: false, code: 'twilio-20429' });
    expect(server.requests).toHaveLength(1);
  });

  it('treats a 500 as transient', async () => {
    server.failNext({ status: 500 });

    const error = await sendFailure(channel);

    expect(error).toMatchObject({ permanent: false, ambiguous: false, code: 'twilio-20500' });
  });

  it('treats wrong credentials as a permanent auth error', async () => {
    const error = await sendFailure(channelFor({ authToken: 'not-the-token' }));

    expect(error).toMatchObject({ permanent: true, ambiguous: false, code: 'twilio-20003' });
    expect(server.messages).toHaveLength(0);
  });

  it('treats a refused connection as transient and unambiguous: nothing reached Twilio', async () => {
    const offline = channelFor();
    await server.close();

    const error = await sendFailure(offline);

    expect(error).toMatchObject({ permanent: false, ambiguous: false, code: 'twilio-unreachable' });
  });

  it('marks a hang-up after acceptance as ambiguous, and findSent then finds the one accepted message', async () => {
    const since = new Date();
    server.failNext({ hang: true });

    const error = await sendFailure(channel);
    expect(error).toMatchObject({ permanent: false, ambiguous: true, code: 'twilio-connection-lost' });
    expect(server.messages).toHaveLength(1);

    const found = await channel.findSent?.(smsMessage(), since);

    expect(found).toEqual({ providerId: server.messages[0]?.sid });
    expect(server.messages).toHaveLength(1);
  });

  it('marks a timeout as ambiguous, and findSent finds the message Twilio accepted meanwhile', async () => {
    const since = new Date();
    server.failNext({ delayMs: 5_000 });

    const error = await sendFailure(channelFor({ timeoutMs: 200 }));

    expect(error).toMatchObject({ permanent: false, ambiguous: true, code: 'twilio-timeout' });
    expect(await channel.findSent?.(smsMessage(), since)).toEqual({ providerId: server.messages[0]?.sid });
  });

  it('finds nothing when the recipient has no message with this body since then', async () => {
    const since = new Date();
    await channel.send(smsMessage({ body: 'A different note.' }));
    await channel.send(smsMessage({ to: '+15557654321' }));

    expect(await channel.findSent?.(smsMessage(), since)).toBeUndefined();
  });
});

describe('Twilio webhook signatures', () => {
  const url = 'https://aftercare.example.org/webhooks/twilio/inbound';
  const params = { MessageSid: `SM${'a'.repeat(32)}`, From: patientPhone, To: '+15550001111', Body: '4' };

  it('produces a signature twilio.validateRequest accepts', () => {
    const signature = signTwilioRequest(authToken, url, params);

    expect(twilio.validateRequest(authToken, signature, url, params)).toBe(true);
  });

  it('produces a signature that fails once a parameter is tampered with', () => {
    const signature = signTwilioRequest(authToken, url, params);

    expect(twilio.validateRequest(authToken, signature, url, { ...params, Body: '1' })).toBe(false);
  });
});
