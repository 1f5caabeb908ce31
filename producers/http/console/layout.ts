import { DateTime } from 'luxon';
import { consoleScript, consoleStyle } from './console-assets.ts';
import { html, trusted, type SafeHtml } from './html.ts';
import { can, roleWords } from './roles.ts';
import type { SignedInStaff } from './staff-session.ts';

export type Section = 'inbox' | 'preview' | 'patient' | 'audit' | 'on-call' | 'clinic' | 'sign-in' | 'error';

export interface PageParts {
  title: string;
  section: Section;
  main: SafeHtml;
  /** Present once signed in: the header names the person and offers sign-out (a CSRF-protected form). */
  signedIn?: { who: SignedInStaff; csrfToken: string };
  /** A same-site page to go on to at once (after SSO, so the browser sends the new Strict cookie). */
  refreshTo?: string;
}

function navLink(href: string, label: string, current: boolean): SafeHtml {
  return html`<a href="${href}"${current ? trusted(' aria-current="page"') : ''}>${label}</a>`;
}

/** The whole document around a page's main content. */
export function layout(p: PageParts): string {
  const s = p.signedIn;
  const header = s
    ? html`<header>
  <a class="brand" href="/console">Aftercare</a>
  <nav aria-label="Console">
    ${navLink('/console', 'Inbox', p.section === 'inbox')}
    ${can(s.who.staff.role, 'plan.preview') && navLink('/console/preview', 'Preview a plan', p.section === 'preview')}
    ${navLink('/console/on-call', 'On call', p.section === 'on-call')}
    ${can(s.who.staff.role, 'audit.view') && navLink('/console/audit', 'Access audit', p.section === 'audit')}
    ${can(s.who.staff.role, 'config.view') && navLink('/console/clinic', 'Clinic settings', p.section === 'clinic')}
  </nav>
  <form method="post" action="/console/sign-out">
    <input type="hidden" name="_csrf" value="${s.csrfToken}">
    <span class="note">${s.who.staff.name} (${roleWords[s.who.staff.role]}), ${s.who.clinic.name}</span>
    <button class="quiet" type="submit">Sign out</button>
  </form>
</header>`
    : html`<header><span class="brand">Aftercare</span><span class="note">Staff console</span></header>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · Aftercare</title>
${p.refreshTo && html`<meta http-equiv="refresh" content="0;url=${p.refreshTo}">`}
<style>${trusted(consoleStyle)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${header}
<main id="main" tabindex="-1">
${p.main}
</main>
<script>${trusted(consoleScript)}</script>
</body>
</html>`.value;
}

/** "3 min ago", "2 h 5 min ago": how long a patient has been waiting, at a glance. */
export function age(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** A time as staff read it, in the clinic's own zone. */
export function clinicTime(at: Date | string, zone: string): string {
  const dt = typeof at === 'string' ? DateTime.fromISO(at) : DateTime.fromJSDate(at);
  return dt.setZone(zone).toFormat('ccc d LLL yyyy, HH:mm');
}

/** A time already resolved to the patient's zone (as the plan preview gives it), shown with that zone. */
export function patientLocalTime(iso: string): string {
  const dt = DateTime.fromISO(iso, { setZone: true });
  return dt.isValid ? dt.toFormat('ccc d LLL yyyy, HH:mm ZZZZ') : iso;
}
