import { randomBytes } from 'node:crypto';
import type { ClinicInput } from '../../config/clinics.ts';
import { startPipeline, type TestPipeline } from './pipeline.ts';
import { providerAccount } from './provider-pipeline.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { startTwilioChaos, type TwilioChaos } from './twilio-chaos.ts';
import { signTwilioRequest, startTwilioServer, type TwilioServer } from './twilio-server.ts';

// The in-process pipeline sending to a local Twilio through a fault proxy, and to an SMTP sink:
// for staff notices while Twilio fails for some recipients.

export interface NoticeRig {
  p: TestPipeline;
  twilio: TwilioServer;
  chaos: TwilioChaos;
  sink: SmtpSink;
  /** Posts an inbound SMS to the webhook, signed as Twilio would; returns the TwiML. */
  inbound(from: string, body: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function startNoticeRig(options: { clinics: ClinicInput[]; env?: Record<string, string> }): Promise<NoticeRig> {
  const { accountSid, authToken, from, publicBaseUrl } = providerAccount;
  const twilio = await startTwilioServer({ accountSid, authToken });
  const chaos = await startTwilioChaos(twilio.url);
  const sink = await startSmtpSink();
  const closeProviders = async () => {
    await chaos.close();
    await twilio.close();
    await sink.close();
  };
  const p = await startPipeline({
    clinics: options.clinics,
    env: {
      TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from, TWILIO_API_URL: chaos.url,
      PUBLIC_BASE_URL: publicBaseUrl, SMTP_URL: sink.url, EMAIL_FROM: 'care@riverside.example.org',
      // Rounds come every second here; a real clinic's every few minutes never meet the limit.
      CALLS_PER_NUMBER_PER_MINUTE: '60',
      ...options.env,
    },
  }).catch(async (err: unknown) => {
    await closeProviders();
    throw err;
  });
  // Nobody answers a call unless a test says otherwise; it ends, and frees the number for the next.
  twilio.scriptCalls(() => ({ answer: 'no-answer' }));
  // Calls fetch their TwiML and post their gather and status callbacks into this pipeline's server.
  twilio.deliverWebhooks(async (url, params, signature) => {
    const res = await p.server!.inject({
      method: 'POST', url: url.slice(publicBaseUrl.length),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      payload: new URLSearchParams(params).toString(),
    });
    return { status: res.statusCode, body: res.body };
  });
  return {
    p,
    twilio,
    chaos,
    sink,
    async inbound(sender, body) {
      const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: accountSid, From: sender, To: from, Body: body };
      const res = await p.server!.inject({
        method: 'POST', url: '/webhooks/twilio/inbound',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${publicBaseUrl}/webhooks/twilio/inbound`, params) },
        payload: new URLSearchParams(params).toString(),
      });
      return res.body;
    },
    async dispose() {
      await p.dispose();
      await closeProviders();
    },
  };
}
