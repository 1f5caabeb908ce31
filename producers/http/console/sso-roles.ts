import { z } from 'zod';
import type { OidcSettings } from '../../../config/oidc.ts';
import type { StaffRole } from './roles.ts';

// Most capable first: someone the identity provider puts in two groups gets what both groups allow.
const precedence: StaffRole[] = ['admin', 'nurse', 'auditor'];

const claimsSchema = z.looseObject({
  sub: z.string().min(1),
  email: z.string().optional().catch(undefined),
  email_verified: z.union([z.boolean(), z.literal('true'), z.literal('false')]).optional().catch(undefined),
  name: z.string().optional().catch(undefined),
});

export interface SsoUser {
  username: string;
  name: string;
  role: StaffRole | undefined;
}

/**
 * Who the identity provider says this is, and the role the clinic file maps their claims to: the
 * claim named in `roleFrom.claim` wins, else the domain of a verified email; none maps: no role.
 */
export function ssoUser(settings: OidcSettings, claims: Record<string, unknown>): SsoUser {
  const c = claimsSchema.parse(claims);
  const email = c.email?.trim().toLowerCase();
  const verified = c.email_verified !== false && c.email_verified !== 'false';
  const fromClaim = settings.roleFrom.claim ? claimRoles(claims[settings.roleFrom.claim.name], settings.roleFrom.claim.values) : [];
  const domain = email && verified ? email.split('@').at(-1) : undefined;
  const fromDomain = domain !== undefined ? settings.roleFrom.emailDomains[domain] : undefined;
  const role = precedence.find((r) => fromClaim.includes(r)) ?? fromDomain;
  return { username: (email ?? c.sub).slice(0, 320), name: (c.name?.trim() || email || c.sub).slice(0, 120), role };
}

function claimRoles(value: unknown, values: Record<string, StaffRole>): StaffRole[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return list.flatMap((v) => (Object.hasOwn(values, v) ? [values[v]!] : []));
}
