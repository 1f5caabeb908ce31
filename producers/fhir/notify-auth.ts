import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clinic } from '../../config/clinics.ts';
import { readSecret, type FhirSettings } from '../../config/ehr.ts';
import { AftercareError } from '../../lib/errors.ts';

const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * A notification is the clinic's own when it carries the Subscription's `channel.header` bearer
 * token, or an HMAC-SHA256 of the exact body bytes under the shared secret (hex or base64,
 * optionally `sha256=`-prefixed), as the clinic's settings say.
 */
export function authenticateNotification(clinic: Clinic | undefined, headers: IncomingHttpHeaders, rawBody: string): FhirSettings {
  const fhir = clinic?.ehr?.fhir;
  const refuse = () => new AftercareError('unauthenticated', 'This notification is not signed or authorised for this clinic.');
  if (!fhir) throw refuse();
  const auth = fhir.notifications;
  if (auth.method === 'bearer') {
    const m = /^Bearer\s+(\S{8,1024})\s*$/i.exec(headers.authorization ?? '');
    if (!m?.[1] || !same(createHash('sha256').update(m[1]).digest(), Buffer.from(auth.tokenSha256, 'hex'))) throw refuse();
    return fhir;
  }
  const header = headers[auth.header];
  const given = (Array.isArray(header) ? header[0] : header)?.trim().replace(/^sha256=/i, '');
  if (!given) throw refuse();
  const mac = createHmac('sha256', readSecret(auth.secretFile)).update(rawBody, 'utf8').digest();
  const presented = /^[0-9a-f]{64}$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.from(given, 'base64');
  if (!same(mac, presented)) throw refuse();
  return fhir;
}
