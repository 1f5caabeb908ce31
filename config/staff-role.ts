import { z } from 'zod';

/** What a staff member may do in the console (producers/http/console/roles.ts says what each may). */
export const staffRoleSchema = z.enum(['nurse', 'admin', 'auditor']);
export type StaffRole = z.infer<typeof staffRoleSchema>;
