import { randomBytes } from 'node:crypto';
import type { TestPipeline } from './pipeline.ts';
import { providerAccount } from './provider-pipeline.ts';
import { signTwilioRequest } from './twilio-server.ts';

/** An inbound SMS posted to the webhook as Twilio would, signed for the provider pipeline's account. */
export async function inboundSms(p: TestPipeline, from: string, body: string, to: string = providerAccount.from, sid = `SM${randomBytes(16).toString('hex')}`) {
  const { accountSid, authToken, publicBaseUrl } = providerAccount;
  const params = { MessageSid: sid, AccountSid: accountSid, From: from, To: to, Body: body };
  const res = await p.server!.inject({
    method: 'POST', url: '/webhooks/twilio/inbound',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${publicBaseUrl}/webhooks/twilio/inbound`, params) },
    payload: new URLSearchParams(params).toString(),
  });
  return { status: res.statusCode, twiml: res.body, sid };
}

export const escalationRows = (p: TestPipeline) =>
  p.db.query<{ clinic_id: string; patient_id: string; kind: string; reason: string }>('SELECT clinic_id, patient_id, kind, reason FROM escalations ORDER BY raised_at');
