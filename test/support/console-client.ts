import type { Response } from 'light-my-request';
import type { TestPipeline } from './pipeline.ts';

// The console's forms through inject(): cookies and CSRF tokens as a browser would hold them.

export const cookiePair = (setCookie: string | string[] | undefined, name: string) =>
  [setCookie ?? []].flat().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith(`${name}=`));
export const csrfField = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
const formType = { 'content-type': 'application/x-www-form-urlencoded' };

export interface ConsoleBrowser {
  get(url: string): Promise<Response>;
  /** Opens `from`, takes its CSRF token and cookie, and posts the form fields to `url`. */
  post(url: string, fields: Record<string, string>, from?: string): Promise<Response>;
}

/** A browser session signed in with username and password (or holding the session cookie given). */
export async function consoleBrowser(p: TestPipeline, who: { username: string; password: string } | { session: string }): Promise<ConsoleBrowser> {
  const server = p.server!;
  let session = 'session' in who ? who.session : '';
  if ('username' in who) {
    const page = await server.inject({ method: 'GET', url: '/console/sign-in' });
    const csrf = cookiePair(page.headers['set-cookie'], 'aftercare_csrf') ?? '';
    const res = await server.inject({ method: 'POST', url: '/console/sign-in', headers: { ...formType, cookie: csrf },
      payload: new URLSearchParams({ _csrf: csrfField(page.body), username: who.username, password: who.password }).toString() });
    if (res.statusCode !== 303) throw new Error(`sign-in answered ${res.statusCode}`);
    session = cookiePair(res.headers['set-cookie'], 'aftercare_staff') ?? '';
  }
  let csrfCookie = '';
  const cookie = () => [session, csrfCookie].filter(Boolean).join('; ');
  const get = async (url: string) => {
    const res = await server.inject({ method: 'GET', url, headers: { cookie: cookie() } });
    csrfCookie = cookiePair(res.headers['set-cookie'], 'aftercare_csrf') ?? csrfCookie;
    return res;
  };
  return {
    get,
    async post(url, fields, from = '/console') {
      const page = await get(from);
      return server.inject({ method: 'POST', url, headers: { ...formType, cookie: cookie() },
        payload: new URLSearchParams({ _csrf: csrfField(page.body), ...fields }).toString() });
    },
  };
}
