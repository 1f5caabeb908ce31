import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyPassword } from '../../lib/passwords.ts';
import type { ServerDeps } from './deps.ts';

export const adminQueuesPath = '/admin/queues';
const realm = 'Basic realm="Aftercare queues", charset="UTF-8"';
// The dashboard fetches a dozen files and polls every few seconds; one scrypt per request would tie up the thread pool.
const rememberForMs = 5 * 60_000;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The user name and password of an `Authorization: Basic` header, if it is one. */
function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A browser sends Basic credentials on every request, so a state-changing one must come from this site (CSRF). */
function fromThisSite(req: FastifyRequest): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (!URL.canParse(origin)) return false;
  // Hosts only, in the origin's scheme: behind a TLS proxy this process may see plain http.
  const from = new URL(origin);
  return URL.canParse(`${from.protocol}//${req.host}`) && new URL(`${from.protocol}//${req.host}`).host === from.host;
}

/**
 * The BullMQ dashboard for the operator, behind HTTP Basic auth (OPERATOR_USERNAME and
 * OPERATOR_PASSWORD_HASH). Without them it is not mounted at all: `/admin/queues` is a 404.
 */
export async function adminQueues(app: FastifyInstance, deps: Pick<ServerDeps, 'operator' | 'queues'>): Promise<void> {
  const operator = deps.operator;
  if (!operator) return;
  const expectedUser = digest(operator.username);
  const remembered = new Map<string, number>();

  const refuse = (reply: FastifyReply, status: 401 | 403, message: string) =>
    reply.status(status).header('www-authenticate', realm).send({ error: { code: status === 401 ? 'unauthenticated' : 'forbidden', message } });

  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization ?? '';
    const key = digest(header).toString('hex');
    const until = remembered.get(key);
    if (until === undefined || until < Date.now()) {
      req.auditAction = 'queues.sign-in';
      const given = basicCredentials(header);
      if (!given) return refuse(reply, 401, 'Sign in with the operator user name and password.');
      // Both checks always run, so the time taken does not tell whether the user name was right.
      const userOk = timingSafeEqual(digest(given.username), expectedUser);
      const passwordOk = await verifyPassword(given.password, operator.passwordHash);
      if (!userOk || !passwordOk) return refuse(reply, 401, 'Wrong operator user name or password.');
      req.auditActor = { actor: 'operator', role: 'operator', clinicId: null };
      if (remembered.size > 100) remembered.clear();
      remembered.set(key, Date.now() + rememberForMs);
    }
    if (!fromThisSite(req)) return refuse(reply, 403, 'Changes to the queues must come from the dashboard itself.');
  });

  const board = new FastifyAdapter();
  board.setBasePath(adminQueuesPath);
  const { events, steps, escalations, maintenance } = deps.queues;
  createBullBoard({
    queues: [events, steps, escalations, maintenance].map((queue) => new BullMQAdapter(queue)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Aftercare queues' } },
  });
  await app.register(board.registerPlugin(), { prefix: adminQueuesPath });
}
