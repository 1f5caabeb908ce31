import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AftercareError } from '../../../lib/errors.ts';
import { consoleCsp } from './console-assets.ts';
import type { ConsoleContext, ConsoleDeps } from './context.ts';
import { layout } from './layout.ts';
import { refusalHeading } from './roles.ts';
import { problemPage, signInPage } from './sign-in-page.ts';
import { consoleSecrets, readSession, sessionCookie, sessionHours, sessionValue, staffSignIn, type SignedInStaff } from './staff-session.ts';
import { auditPages } from './audit-page.ts';
import { onCallPage } from './on-call-page.ts';
import { staffPages } from './staff-pages.ts';
import { clinicPages } from './clinic-page.ts';
import { ssoRoutes } from './sso.ts';

declare module 'fastify' {
  interface FastifyRequest {
    consoleStaff?: SignedInStaff;
  }
}

const csrfCookie = 'aftercare_csrf';
const formType = 'application/x-www-form-urlencoded';
const signInAttempts = 20; // a minute, per address and per username
const signInForm = z.object({ username: z.string().trim().toLowerCase().max(60), password: z.string().max(1024) });

/** CSRF tokens are bound to who is signed in, so a token from the sign-in page cannot act for a nurse. */
export const csrfUser = (who: SignedInStaff | undefined) => (who ? `staff:${who.clinic.id}/${who.staff.username}` : 'signed-out');

/** The staff console under /console: sign-in, escalation inbox, patient timelines and plan preview. */
export async function staffConsole(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  await app.register((scope) => consoleScope(scope, deps), { prefix: '/console' });
}

async function consoleScope(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  // Without a secret (a server built on its own) the keys last as long as the process.
  const secrets = consoleSecrets(deps.secret ?? randomBytes(32));
  // Browsers drop Secure cookies sent over plain http, so the flag follows the public address.
  const secure = deps.twilio?.publicBaseUrl.startsWith('https://') ?? false;
  const cookieOptions = { path: '/console', httpOnly: true, sameSite: 'strict', secure, signed: true } as const;
  const now = () => deps.now?.() ?? new Date();
  const signIn = await staffSignIn(deps.clinics);
  const log = deps.log.child({ component: 'console' });
  // Asked each time: clinics (and their SSO settings) change while the service runs.
  const ssoButtons = () => deps.clinics.all().flatMap((c) => (c.oidc ? [{ clinicId: c.id, label: c.oidc.label ?? c.name }] : []));

  await app.register(cookie, { secret: secrets.cookie, hook: 'onRequest' });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie', cookieKey: csrfCookie, cookieOpts: cookieOptions,
    getUserInfo: (req) => csrfUser(req.consoleStaff), csrfOpts: { hmacKey: secrets.csrf, userInfo: true },
  });
  // Browsers post forms url-encoded; read them here without another dependency.
  if (app.hasContentTypeParser(formType)) app.removeContentTypeParser(formType);
  app.addContentTypeParser(formType, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });
  app.decorateRequest('consoleStaff', undefined);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('content-security-policy', consoleCsp);
    const signed = req.cookies[sessionCookie];
    const unsigned = signed ? req.unsignCookie(signed) : undefined;
    if (unsigned?.valid && unsigned.value) req.consoleStaff = readSession(deps.clinics, unsigned.value, now());
  });

  const ctx: ConsoleContext = {
    now,
    render: (reply, status, page) => reply.status(status).type('text/html; charset=utf-8').send(layout(page)),
    csrfToken: (reply, who) => reply.generateCsrf({ userInfo: csrfUser(who) }),
    staffOf: (req, reply) => {
      if (!req.consoleStaff) void reply.redirect('/console/sign-in', 303);
      return req.consoleStaff;
    },
    hasCsrfSecret: (req) => {
      const raw = req.cookies[csrfCookie];
      return raw !== undefined && req.unsignCookie(raw).valid;
    },
  };

  // Error pages keep the signed-in header, so the way back to the inbox and sign-out stay one tab away.
  const signedInHeader = (req: FastifyRequest, reply: FastifyReply) => {
    const who = req.consoleStaff;
    return who && ctx.hasCsrfSecret(req) ? { signedIn: { who, csrfToken: ctx.csrfToken(reply, who) } } : {};
  };

  // Pages, not JSON: a refused form or a missing page is explained in words with a way back.
  app.setErrorHandler((err, req, reply) => {
    const status = err instanceof AftercareError ? err.status : ((err as { statusCode?: number }).statusCode ?? 500);
    const refusal = refusalHeading(err);
    const [heading, message] =
      refusal ? [refusal, (err as Error).message]
      : status === 403 ? ['Form expired', 'This form has expired or did not come from this console. Go back, reload the page and try again.']
      : status === 404 ? ['Not found', 'There is nothing here, or it belongs to another clinic.']
      : status === 429 ? ['Too many attempts', 'Too many attempts from this address. Wait a minute and try again.']
      : status === 413 ? ['Too large', 'That was too much text to send at once.']
      : status < 500 ? ['Could not read that', 'The form could not be read. Go back and try again.']
      : ['Something went wrong', 'Something went wrong; nothing was changed. Try again in a moment.'];
    if (status >= 500) req.log.error({ err: (err as Error).message }, 'console request failed');
    if (refusal) req.log.info({ clinicId: req.consoleStaff?.clinic.id, role: req.consoleStaff?.staff.role, url: req.routeOptions.url, refusal }, 'console request refused');
    return ctx.render(reply, status, { title: heading, section: 'error', main: problemPage(heading, message), ...signedInHeader(req, reply) });
  });
  app.setNotFoundHandler((req, reply) =>
    ctx.render(reply, 404, { title: 'Not found', section: 'error', main: problemPage('Not found', 'There is no such page in the console.'), ...signedInHeader(req, reply) }));

  app.get('/sign-in', async (req, reply) => {
    if (req.consoleStaff) return reply.redirect('/console', 303);
    return ctx.render(reply, 200, { title: 'Sign in', section: 'sign-in', main: signInPage(ctx.csrfToken(reply, undefined), { sso: ssoButtons() }) });
  });

  // A slow, uniform answer and tight limits per client address and per username keep password guessing expensive.
  // req.ip is the socket's address unless a trusted proxy forwarded the request; no header a client sends resets either count.
  const usernameCount = app.createRateLimit({ max: signInAttempts, timeWindow: 60_000,
    keyGenerator: (req) => `sign-in-user-${signInForm.safeParse(req.body).data?.username ?? ''}` });
  const perUsername = async (req: FastifyRequest) => {
    const count = await usernameCount(req);
    if (!count.isAllowed && count.isExceeded) throw new AftercareError('rate-limited', 'Too many sign-in attempts for this username.');
  };
  app.post('/sign-in', {
    preHandler: [app.csrfProtection, perUsername],
    config: { rateLimit: { max: signInAttempts, timeWindow: 60_000, keyGenerator: (req) => `sign-in-ip-${req.ip}` } },
  }, async (req, reply) => {
    const form = signInForm.safeParse(req.body);
    const who = form.success ? await signIn(form.data.username, form.data.password) : undefined;
    if (!who) {
      log.info('console sign-in refused');
      const main = signInPage(ctx.csrfToken(reply, undefined), { username: form.data?.username, problem: 'Wrong username or password.', sso: ssoButtons() });
      return ctx.render(reply, 401, { title: 'Sign in', section: 'sign-in', main });
    }
    log.info({ clinicId: who.clinic.id }, 'staff signed in to the console');
    // A fresh CSRF secret for the new session; the next page issues it.
    reply.clearCookie(csrfCookie, { path: '/console' });
    reply.setCookie(sessionCookie, sessionValue(who, now()), { ...cookieOptions, maxAge: sessionHours * 3600 });
    return reply.redirect('/console', 303);
  });

  app.post('/sign-out', { preHandler: app.csrfProtection }, async (_req, reply) => {
    reply.clearCookie(sessionCookie, { path: '/console' });
    reply.clearCookie(csrfCookie, { path: '/console' });
    return reply.redirect('/console/sign-in', 303);
  });

  await staffPages(app, deps, ctx);
  await auditPages(app, deps, ctx);
  await onCallPage(app, deps, ctx);
  await clinicPages(app, ctx);
  await ssoRoutes(app, deps, ctx, { cookieOptions, publicBaseUrl: deps.twilio?.publicBaseUrl ?? '' });
}
