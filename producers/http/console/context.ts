import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerDeps } from '../deps.ts';
import type { layout } from './layout.ts';
import type { SignedInStaff } from './staff-session.ts';

/** What the console reads of the server's deps. */
export type ConsoleDeps = Pick<ServerDeps, 'db' | 'clinics' | 'log' | 'metrics' | 'now' | 'secret' | 'twilio' | 'queues'>;

/** What the signed-in pages are handed by the console's scope (index.ts): its session, CSRF and page helpers. */
export interface ConsoleContext {
  now: () => Date;
  render: (reply: FastifyReply, status: number, page: Parameters<typeof layout>[0]) => FastifyReply;
  csrfToken: (reply: FastifyReply, who: SignedInStaff | undefined) => string;
  /** The signed-in staff member, or undefined after sending the browser to the sign-in page. */
  staffOf: (req: FastifyRequest, reply: FastifyReply) => SignedInStaff | undefined;
  hasCsrfSecret: (req: FastifyRequest) => boolean;
}
