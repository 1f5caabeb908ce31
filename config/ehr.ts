import { accessSync, constants, readFileSync } from 'node:fs';
import { z } from 'zod';

// Secrets are named by file (a mounted secret), never written in the clinic file itself.
const secretFile = z.string().min(1).superRefine((path, ctx) => {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    ctx.addIssue({ code: 'custom', message: `cannot read secret file ${path}` });
  }
});

/** How Aftercare reads the clinic's FHIR server. */
const fhirReadAuthSchema = z.discriminatedUnion('method', [
  // SMART Backend Services: a client-credentials grant with a signed JWT assertion.
  z.strictObject({
    method: z.literal('smart-backend-services'),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    /** PKCS#8 PEM private key whose public half the EHR holds (JWKS). */
    privateKeyFile: secretFile,
    algorithm: z.enum(['RS384', 'ES384']).default('RS384'),
    keyId: z.string().min(1).optional(),
    scope: z.string().min(1).default('system/Patient.read system/Encounter.read system/MedicationAdministration.read system/RelatedPerson.read'),
  }),
  z.strictObject({ method: z.literal('bearer'), tokenFile: secretFile }),
]);

/** How the clinic's FHIR server proves a notification is its own. */
const notifyAuthSchema = z.discriminatedUnion('method', [
  // The token the Subscription's channel.header sends; only its SHA-256 is kept here.
  z.strictObject({ method: z.literal('bearer'), tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the hex SHA-256 of the token') }),
  // HMAC-SHA256 of the raw body, hex or base64, in `header`.
  z.strictObject({ method: z.literal('hmac-sha256'), secretFile, header: z.string().min(1).default('x-signature').transform((h) => h.toLowerCase()) }),
]);

export const ehrSchema = z.strictObject({
  /**
   * `mobile-on-file`: the clinic attests that a patient who gave it a mobile number agreed to care
   * texts on it (its intake form says so); `none`: EHR patients get email, or SMS only after START.
   */
  smsConsent: z.enum(['mobile-on-file', 'none']).default('mobile-on-file'),
  fhir: z.strictObject({
    /** The FHIR R4 base, e.g. https://ehr.example.org/fhir/r4 */
    baseUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/$/, '')),
    auth: fhirReadAuthSchema,
    notifications: notifyAuthSchema,
  }).optional(),
  hl7: z.strictObject({
    /** MSH-4 of the clinic's messages: how an MLLP message names its clinic. */
    sendingFacility: z.string().trim().min(1).max(180),
  }).optional(),
});
export type EhrSettings = z.infer<typeof ehrSchema>;
export type FhirSettings = NonNullable<EhrSettings['fhir']>;

/** A secret file's contents, trimmed; read when needed so a rotated secret is picked up. */
export function readSecret(path: string): string {
  return readFileSync(path, 'utf8').trim();
}
