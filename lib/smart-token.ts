import { randomUUID } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { z } from 'zod';
import { readSecret, type FhirSettings } from '../config/ehr.ts';

type SmartAuth = Extract<FhirSettings['auth'], { method: 'smart-backend-services' }>;

const tokenResponse = z.looseObject({ access_token: z.string().min(1), expires_in: z.number().optional() });

/** A FHIR read that can never succeed as configured (bad credentials, a resource gone). */
export class FhirReadError extends Error {
  override name = 'FhirReadError';
  constructor(readonly code: 'token-refused' | 'not-found', message: string) {
    super(message);
  }
}

/**
 * SMART Backend Services (HL7 SMART App Launch 2.x, "client-confidential-asymmetric"): a
 * client_credentials grant authenticated by a JWT signed with the clinic's private key, with
 * iss = sub = client id, aud = the token URL, a unique jti and at most five minutes to live.
 */
export function smartTokenSource(auth: SmartAuth, fetchImpl: typeof fetch = fetch): (() => Promise<string>) & { forget(): void } {
  let cached: { token: string; until: number } | undefined;
  const source = async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    const key = await importPKCS8(readSecret(auth.privateKeyFile), auth.algorithm);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: auth.algorithm, typ: 'JWT', ...(auth.keyId ? { kid: auth.keyId } : {}) })
      .setIssuer(auth.clientId).setSubject(auth.clientId).setAudience(auth.tokenUrl)
      .setJti(randomUUID()).setIssuedAt().setExpirationTime('5m')
      .sign(key);
    const res = await fetchImpl(auth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: auth.scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    // 5xx is the EHR being down (retried); a 4xx means the credentials are wrong.
    if (res.status >= 500) throw new Error(`token endpoint answered ${res.status}`);
    if (!res.ok) throw new FhirReadError('token-refused', `token endpoint refused the client assertion (${res.status})`);
    const body = tokenResponse.parse(await res.json());
    // Renew a minute early so a token never expires between fetch and use.
    cached = { token: body.access_token, until: Date.now() + Math.max(0, (body.expires_in ?? 300) - 60) * 1000 };
    return body.access_token;
  };
  return Object.assign(source, { forget: () => { cached = undefined; } });
}
