import { z } from 'zod';
import { readSecret } from './ehr.ts';
import { staffRoleSchema as role } from './staff-role.ts';

const domain = z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'expected an email domain such as clinic.example');

/**
 * Sign-in to the console through the clinic's identity provider (OpenID Connect, authorization code
 * with PKCE). Who gets in, and as what, is said here: a user whose claims map to no role is refused.
 */
export const oidcSchema = z.strictObject({
  issuer: z.url({ protocol: /^https?$/ }),
  clientId: z.string().min(1).max(200),
  /** A confidential client's secret; better named by file (a mounted secret) with `clientSecretFile`. Neither: a public client. */
  clientSecret: z.string().min(1).optional(),
  clientSecretFile: z.string().min(1).optional(),
  /** Shown on the button: "Sign in with <label>". The clinic's name when unset. */
  label: z.string().trim().min(1).max(60).optional(),
  scope: z.string().default('openid email profile'),
  roleFrom: z.strictObject({
    /** A verified email at one of these domains gets that role. */
    emailDomains: z.record(domain, role).default({}),
    /** A claim (a string or a list, such as `groups`) whose values name roles; it wins over the email domain. */
    claim: z.strictObject({ name: z.string().min(1), values: z.record(z.string(), role) }).optional(),
  }),
}).refine((o) => !(o.clientSecret && o.clientSecretFile), { message: 'give clientSecret or clientSecretFile, not both' });
export type OidcSettings = z.infer<typeof oidcSchema>;

/** The client secret, read from its file when named so (each time, so a rotated secret is picked up). */
export function oidcClientSecret(settings: OidcSettings): string | undefined {
  return settings.clientSecretFile ? readSecret(settings.clientSecretFile) : settings.clientSecret;
}
