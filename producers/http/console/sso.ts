import type { FastifyInstance } from 'fastify';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { Clinic } from '../../../config/clinics.ts';
import { oidcClientSecret, type OidcSettings } from '../../../config/oidc.ts';
import { idSchema } from '../../../core/events.ts';
import type { ConsoleContext, ConsoleDeps } from './context.ts';
import { html } from './html.ts';
import { consoleRefusal, roleWords } from './roles.ts';
import { problemPage } from './sign-in-page.ts';
import { ssoUser } from './sso-roles.ts';
import { sessionCookie, sessionHours, ssoSessionValue } from './staff-session.ts';

const flowCookie = 'aftercare_sso';
const flowMinutes = 10;
// What the browser holds between leaving for the identity provider and coming back: PKCE verifier, state, nonce.
const flowSchema = z.strictObject({ c: idSchema, v: z.string().min(43).max(128), s: z.string().min(1).max(128), n: z.string().min(1).max(128) });
const params = z.object({ clinicId: idSchema });

export interface SsoOptions {
  /** The console's cookie settings (path, HttpOnly, Secure, signed). */
  cookieOptions: { path: string; httpOnly: true; sameSite: 'strict'; secure: boolean; signed: true };
  publicBaseUrl: string;
}

// A loopback identity provider (a developer's, a test's) may speak plain http; any other must be https.
const loopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/**
 * Sign-in through the clinic's OpenID Connect provider: authorization code with PKCE, state and
 * nonce; the provider's metadata is discovered once per clinic and kept.
 */
export async function ssoRoutes(app: FastifyInstance, deps: ConsoleDeps, ctx: ConsoleContext, options: SsoOptions): Promise<void> {
  const log = deps.log.child({ component: 'console-sso' });
  const discovered = new Map<string, Promise<oidc.Configuration>>();
  const configurationOf = (clinic: Clinic, settings: OidcSettings): Promise<oidc.Configuration> => {
    // Keyed by what discovery depends on: a clinic whose SSO settings change discovers again.
    const cacheKey = JSON.stringify([clinic.id, settings.issuer, settings.clientId, settings.clientSecret, settings.clientSecretFile]);
    let found = discovered.get(cacheKey);
    if (!found) {
      const issuer = new URL(settings.issuer);
      const secret = oidcClientSecret(settings);
      found = oidc.discovery(issuer, settings.clientId, undefined, secret ? oidc.ClientSecretBasic(secret) : oidc.None(),
        { execute: loopback(issuer) && issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [], timeout: 10 });
      // A provider that was down is asked again next time.
      found.catch(() => discovered.delete(cacheKey));
      discovered.set(cacheKey, found);
    }
    return found;
  };
  const redirectUri = (clinic: Clinic) => `${options.publicBaseUrl}/console/sso/${encodeURIComponent(clinic.id)}/callback`;
  const flowCookieOptions = { ...options.cookieOptions, path: '/console/sso', sameSite: 'lax' as const, maxAge: flowMinutes * 60 };
  const ssoClinic = (clinicId: string) => {
    const clinic = deps.clinics.get(clinicId);
    if (!clinic?.oidc) throw consoleRefusal('Sign-in refused', 'This clinic does not sign in through single sign-on.');
    return { clinic, settings: clinic.oidc };
  };
  const unavailable = (reply: Parameters<ConsoleContext['render']>[0], clinic: Clinic, err: unknown) => {
    log.warn({ clinicId: clinic.id, err: (err as Error).message }, 'identity provider did not answer');
    return ctx.render(reply, 502, { title: 'Sign-in unavailable', section: 'sign-in',
      main: problemPage('Sign-in unavailable', `${clinic.name}'s sign-in service did not answer. Try again in a minute, or sign in with a password.`) });
  };

  // Leaving (lax): the provider's redirect back is a cross-site navigation, which a Strict cookie would not survive.
  app.get<{ Params: { clinicId: string } }>('/sso/:clinicId', async (req, reply) => {
    const { clinic, settings } = ssoClinic(params.parse(req.params).clinicId);
    let config: oidc.Configuration;
    try {
      config = await configurationOf(clinic, settings);
    } catch (err) {
      return unavailable(reply, clinic, err);
    }
    const flow = { c: clinic.id, v: oidc.randomPKCECodeVerifier(), s: oidc.randomState(), n: oidc.randomNonce() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri(clinic), scope: settings.scope, state: flow.s, nonce: flow.n,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.v), code_challenge_method: 'S256',
    });
    reply.setCookie(flowCookie, Buffer.from(JSON.stringify(flow)).toString('base64url'), flowCookieOptions);
    return reply.redirect(url.href, 303);
  });

  app.get<{ Params: { clinicId: string } }>('/sso/:clinicId/callback', async (req, reply) => {
    const { clinic, settings } = ssoClinic(params.parse(req.params).clinicId);
    const raw = req.cookies[flowCookie];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    const flow = unsigned?.valid && unsigned.value ? readFlow(unsigned.value) : undefined;
    reply.clearCookie(flowCookie, { path: '/console/sso' });
    if (!flow || flow.c !== clinic.id)
      throw consoleRefusal('Sign-in refused', 'This sign-in was not started here or took too long. Go back to the sign-in page and try again.');
    let config: oidc.Configuration;
    try {
      config = await configurationOf(clinic, settings);
    } catch (err) {
      return unavailable(reply, clinic, err);
    }
    const query = new URL(req.url, 'http://callback').search;
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(`${redirectUri(clinic)}${query}`),
        { pkceCodeVerifier: flow.v, expectedState: flow.s, expectedNonce: flow.n, idTokenExpected: true });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      // Providers keep email, name and groups in the ID token or behind userinfo; read both, the ID token's subject binding them.
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...idClaims };
    } catch (err) {
      // A wrong state, a replayed code, a bad signature or nonce: the provider's answer is not believed.
      log.info({ clinicId: clinic.id, code: (err as { code?: string }).code }, 'SSO sign-in refused: the answer did not check out');
      throw consoleRefusal('Sign-in refused', `${clinic.name}'s sign-in service gave an answer that did not check out (it may have been started in another tab). Go back to the sign-in page and try again.`);
    }
    const user = ssoUser(settings, claims);
    if (!user.role) {
      log.info({ clinicId: clinic.id }, 'SSO sign-in refused: no role for these claims');
      throw consoleRefusal('Sign-in refused', `Your account is not given a role at ${clinic.name}. Ask a clinic admin to add your email domain or group.`);
    }
    log.info({ clinicId: clinic.id, role: user.role }, 'staff signed in to the console by SSO');
    reply.clearCookie('aftercare_csrf', { path: '/console' });
    reply.setCookie(sessionCookie, ssoSessionValue(clinic, { username: user.username, name: user.name, role: user.role }, ctx.now()),
      { ...options.cookieOptions, maxAge: sessionHours * 3600 });
    // A page, not a redirect: after a cross-site redirect chain browsers hold back SameSite=Strict cookies; from this page they send them.
    return ctx.render(reply, 200, { title: 'Signed in', section: 'sign-in', refreshTo: '/console',
      main: html`<h1>Signed in</h1><p>Signed in as ${user.name} (${roleWords[user.role]}). <a href="/console">Continue to the inbox</a></p>` });
  });
}

function readFlow(value: string) {
  try {
    return flowSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))).data;
  } catch {
    return undefined;
  }
}
