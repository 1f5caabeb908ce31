import { html, type SafeHtml } from './html.ts';

/** A clinic whose staff may sign in through its identity provider: its button. */
export interface SsoButton {
  clinicId: string;
  label: string;
}

/** Username and password (a refusal says the same thing whichever of the two was wrong), and each clinic's SSO button. */
export function signInPage(csrfToken: string, options: { username?: string; problem?: string; sso?: SsoButton[] } = {}): SafeHtml {
  return html`<h1>Sign in</h1>
${options.problem && html`<p class="notice error" role="alert" id="sign-in-problem">${options.problem}</p>`}
${(options.sso ?? []).map((b) => html`<p><a class="button" href="/console/sso/${encodeURIComponent(b.clinicId)}">Sign in with ${b.label} SSO</a></p>`)}
<form method="post" action="/console/sign-in">
  <input type="hidden" name="_csrf" value="${csrfToken}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${options.username ?? ''}"${options.problem ? html` aria-describedby="sign-in-problem"` : ''}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <p><button type="submit">Sign in</button></p>
</form>
<p class="note">Staff accounts are set in the clinic file. Your session lasts 12 hours.</p>`;
}

/** A refusal or failure, in words, with a way back. */
export function problemPage(heading: string, message: string): SafeHtml {
  return html`<h1>${heading}</h1>
<p class="notice error" role="alert">${message}</p>
<p><a href="/console">Back to the inbox</a></p>`;
}
