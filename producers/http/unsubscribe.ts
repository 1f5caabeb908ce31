import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';
import type { Clinics } from '../../config/clinics.ts';
import { unsubscribeKey } from '../../config/server-secret.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Queues } from '../../lib/queues.ts';
import { readUnsubscribeToken, type Unsubscribe } from '../../lib/unsubscribe-link.ts';
import type { Db } from '../../store/db.ts';
import { loadPatient, setEmailOptOut } from '../../store/patients.ts';
import { addTimeline } from '../../store/timeline.ts';
import { saveConsentChanges } from '../consent-changes.ts';
import { html, type SafeHtml } from './console/html.ts';
import { documentationOnly, openRoute, required, textResponse } from './route-schemas.ts';

export interface UnsubscribeDeps {
  db: Db;
  clinics: Clinics;
  log: Logger;
  /** Where outbound webhook deliveries are queued (consent.changed). */
  queues?: Queues;
  /** The server secret; links are signed with a key derived from it (`unsubscribeKey`). */
  secret?: Buffer;
}

const csp = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const token = required({ token: { type: 'string',
  description: 'Clinic, patient and channel with their HMAC, as written into the List-Unsubscribe header of a patient email.' } });
const linkPage = (description: string) => textResponse('text/html', description);
const schemas: Record<'page' | 'unsubscribe', FastifySchema> = {
  page: {
    ...openRoute, tags: ['Patient links'], operationId: 'unsubscribePage', summary: 'The page an email\'s unsubscribe link opens', params: token,
    response: { 200: linkPage('A "Stop emails" button; nothing changes yet.'), 403: linkPage('The link was not signed by this service.') },
  },
  unsubscribe: {
    ...openRoute, tags: ['Patient links'], operationId: 'unsubscribe', summary: 'Stop email to the patient the link names (RFC 8058 one-click)', params: token,
    response: { 200: linkPage('Stopped (now or before).'), 403: linkPage('The link was not signed by this service; nothing changed.'), 404: linkPage('No such patient.') },
  },
};

function page(reply: FastifyReply, status: number, title: string, main: SafeHtml) {
  return reply.status(status).type('text/html; charset=utf-8').header('content-security-policy', csp).send(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body><main>${main}</main></body></html>`.value);
}

/**
 * The unsubscribe link every patient email carries (List-Unsubscribe). GET shows a button and
 * changes nothing, since mail scanners and previews fetch links; POST opts out, which is also what a
 * mail client's one-click unsubscribe sends (RFC 8058: `List-Unsubscribe=One-Click`, no cookies).
 */
export async function unsubscribeLinks(app: FastifyInstance, deps: UnsubscribeDeps): Promise<void> {
  // Without a secret no link of ours can be checked: every one is refused.
  const key = deps.secret ? unsubscribeKey(deps.secret) : undefined;
  const log = deps.log.child({ component: 'unsubscribe' });
  documentationOnly(app);
  // One-click posts are url-encoded or multipart; the body carries nothing the token does not.
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data']) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
    // Only whether it was a mail client's one-click post is kept, for the consent history.
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 4 * 1024 }, (_req, body, done) =>
      done(null, { oneClick: String(body).includes('List-Unsubscribe=One-Click') }));
  }

  const refuse = (reply: FastifyReply) =>
    page(reply, 403, 'Link not valid', html`<h1>This link is not valid</h1><p>It may have been copied incompletely. Use the link in the email itself, or call your clinic.</p>`);
  const read = (token: string): { who: Unsubscribe; clinicName: string } | undefined => {
    const who = key && readUnsubscribeToken(key, token);
    const clinic = who ? deps.clinics.get(who.clinicId) : undefined;
    return who && clinic ? { who, clinicName: clinic.name } : undefined;
  };

  app.get<{ Params: { token: string } }>('/unsubscribe/:token', { schema: schemas.page }, async (req, reply) => {
    const link = read(req.params.token);
    if (!link) return refuse(reply);
    return page(reply, 200, 'Stop emails', html`<h1>Stop emails from ${link.clinicName}?</h1>
<p>You will get no more follow-up emails from ${link.clinicName}. Text messages are not affected; reply STOP to one to end those.</p>
<form method="post" action="/unsubscribe/${req.params.token}"><button type="submit">Stop emails</button></form>`);
  });

  // The patient themself, by the signed link: audited as the patient's own change.
  const tokenParams = z.object({ token: z.string() });
  const linkOf = (req: FastifyRequest) => read(tokenParams.safeParse(req.params).data?.token ?? '')?.who;
  const audit = { action: 'email.opt-out', patient: (req: FastifyRequest) => linkOf(req)?.patientId,
    actor: (req: FastifyRequest) => { const who = linkOf(req); return who && { actor: 'patient-link', role: 'patient', clinicId: who.clinicId }; } };
  app.post<{ Params: { token: string } }>('/unsubscribe/:token', { schema: schemas.unsubscribe, config: { audit } }, async (req, reply) => {
    const link = read(req.params.token);
    if (!link) return refuse(reply);
    const { clinicId, patientId } = link.who;
    // The opt-out and its timeline entry are written together; a second click changes nothing.
    const found = await deps.db.transaction(async (tx) => {
      if (!(await loadPatient(tx, clinicId, patientId))) return false;
      if (await setEmailOptOut(tx, clinicId, patientId)) {
        await addTimeline(tx, [{ clinicId, patientId, kind: 'patient.opted-out', detail: { channel: 'email', via: 'unsubscribe link' } }]);
        const oneClick = typeof req.body === 'object' && req.body !== null && 'oneClick' in req.body && req.body.oneClick === true;
        await saveConsentChanges(tx, [{ clinicId, patientId, channel: 'email', status: 'withdrawn', source: 'unsubscribe-link',
          words: oneClick ? 'List-Unsubscribe=One-Click' : 'Stop emails button' }], { queues: deps.queues, log });
        log.info({ clinicId, patientId }, 'patient opted out of email');
      }
      return true;
    });
    if (!found) return page(reply, 404, 'Not found', html`<h1>Nothing to stop</h1><p>${link.clinicName} has no record this link belongs to.</p>`);
    return page(reply, 200, 'Emails stopped', html`<h1>Emails stopped</h1><p>You will get no more follow-up emails from ${link.clinicName}.</p>`);
  });
}
