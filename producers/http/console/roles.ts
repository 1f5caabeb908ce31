import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { staffRoleSchema, type StaffRole } from '../../../config/staff-role.ts';
import { AftercareError } from '../../../lib/errors.ts';
import type { SignedInStaff } from './staff-session.ts';

/** What a staff member may do in the console, by role. Every page and form asks `can` (or `requireRole`). */
export { staffRoleSchema };
export type { StaffRole };

export type ConsoleAction =
  | 'inbox.view'
  | 'patient.view'
  | 'escalation.acknowledge'
  | 'plan.preview'
  | 'config.view'
  | 'config.change'
  | 'audit.view';

// An auditor reads and changes nothing; a clinic admin is a nurse who also runs the clinic's configuration.
const allowed: Record<StaffRole, ReadonlySet<ConsoleAction>> = {
  nurse: new Set(['inbox.view', 'patient.view', 'escalation.acknowledge', 'plan.preview']),
  admin: new Set(['inbox.view', 'patient.view', 'escalation.acknowledge', 'plan.preview', 'config.view', 'config.change', 'audit.view']),
  auditor: new Set(['inbox.view', 'patient.view', 'audit.view']),
};

export const roleWords: Record<StaffRole, string> = { nurse: 'nurse', admin: 'clinic admin', auditor: 'auditor' };

const actionWords: Record<ConsoleAction, string> = {
  'inbox.view': 'open the inbox',
  'patient.view': 'open patient pages',
  'escalation.acknowledge': 'acknowledge escalations',
  'plan.preview': 'preview plans',
  'config.view': "open the clinic's configuration",
  'config.change': "change the clinic's configuration",
  'audit.view': 'read the audit log',
};

export function can(role: StaffRole, action: ConsoleAction): boolean {
  return allowed[role].has(action);
}

/** A 403 the console's error page shows under `heading` with its own message (not as an expired form). */
export const consoleRefusal = (heading: string, message: string) => new AftercareError('forbidden', message, { refusal: heading });

/** The heading of a refusal made by `consoleRefusal`, if it is one. */
export function refusalHeading(err: unknown): string | undefined {
  if (!(err instanceof AftercareError) || err.code !== 'forbidden') return undefined;
  return z.object({ refusal: z.string() }).safeParse(err.details).data?.refusal;
}

/** Throws a 403 naming what the role may not do. */
export function requireRole(who: SignedInStaff, action: ConsoleAction): void {
  if (can(who.staff.role, action)) return;
  throw consoleRefusal('Not allowed', `Signed in as ${roleWords[who.staff.role]}, you cannot ${actionWords[action]}. Ask a clinic admin if you need to.`);
}

/** The signed-in staff member if their role may do `action` (a 403 page if not); undefined after sending the browser to sign in. */
export function allowedStaff(ctx: { staffOf: (req: FastifyRequest, reply: FastifyReply) => SignedInStaff | undefined }, req: FastifyRequest, reply: FastifyReply, action: ConsoleAction): SignedInStaff | undefined {
  const who = ctx.staffOf(req, reply);
  if (who) requireRole(who, action);
  return who;
}

/**
 * For the admin API (`authorizeAdmin(request, clinicId)`): the clinic admin whose console session
 * the request carries for that clinic, else undefined. `readStaff` is the console's session reader
 * (`consoleSessionReader`), which checks the cookie's signature and expiry.
 */
export function clinicAdminOf(readStaff: (req: FastifyRequest) => SignedInStaff | undefined, req: FastifyRequest, clinicId: string): SignedInStaff | undefined {
  const who = readStaff(req);
  return who && who.clinic.id === clinicId && can(who.staff.role, 'config.change') ? who : undefined;
}
