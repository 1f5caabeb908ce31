import { html, trusted, type SafeHtml } from './html.ts';

export type ClinicPageName = 'overview' | 'staff' | 'contacts' | 'plans' | 'templates' | 'versions' | 'keys';

const pages: Array<[ClinicPageName, string, string]> = [
  ['overview', '/console/clinic', 'Overview and quiet hours'],
  ['staff', '/console/clinic/staff', 'Staff'],
  ['contacts', '/console/clinic/contacts', 'Escalation contacts'],
  ['plans', '/console/clinic/plans', 'Care plans'],
  ['templates', '/console/clinic/templates', 'Message wording'],
  ['versions', '/console/clinic/versions', 'Versions'],
  ['keys', '/console/clinic/keys', 'API keys'],
];

/** The clinic section's own navigation, above each of its pages. */
export function clinicNav(current: ClinicPageName): SafeHtml {
  return html`<nav class="subnav" aria-label="Clinic settings">
  <ul>${pages.map(([name, href, label]) => html`<li><a href="${href}"${name === current ? trusted(' aria-current="page"') : ''}>${label}</a></li>`)}</ul>
</nav>`;
}
