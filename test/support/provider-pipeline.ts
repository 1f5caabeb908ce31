import type { ClinicInput } from '../../config/clinics.ts';
import type { Role } from '../../service/index.ts';
import { startPipeline, type TestPipeline } from './pipeline.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { startTwilioServer, type TwilioServer } from './twilio-server.ts';

/** The credentials and addresses the local Twilio expects, and what the service signs against. */
export const providerAccount = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'provider-test-auth-token-0123456789',
  from: '+15550009999',
  publicBaseUrl: 'https://aftercare.example.org',
} as const;

export interface ProviderPipeline {
  p: TestPipeline;
  twilio: TwilioServer;
  sink: SmtpSink;
  dispose(): Promise<void>;
}

/** The whole pipeline sending through the real twilio SDK to a local Twilio, and by SMTP to a local sink. */
export async function startProviderPipeline(options: { clinics: ClinicInput[]; env?: Record<string, string>; role?: Role }): Promise<ProviderPipeline> {
  const { accountSid, authToken, from, publicBaseUrl } = providerAccount;
  const twilio = await startTwilioServer({ accountSid, authToken });
  const sink = await startSmtpSink();
  const p = await startPipeline({
    role: options.role,
    clinics: options.clinics,
    env: {
      TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from, TWILIO_API_URL: twilio.url,
      PUBLIC_BASE_URL: publicBaseUrl, SMTP_URL: sink.url, EMAIL_FROM: 'care@riverside.example.org',
      ...options.env,
    },
  }).catch(async (err: unknown) => {
    await twilio.close();
    await sink.close();
    throw err;
  });
  return {
    p,
    twilio,
    sink,
    async dispose() {
      await p.dispose();
      await twilio.close();
      await sink.close();
    },
  };
}
