import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { callAdminApi, problemNotice, problemStatus, readAdminApi, savedNotice, type ConsoleProblem } from './clinic-admin-api.ts';
import { clinicNav } from './clinic-nav.ts';
import { actorWords } from './clinic-versions-page.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { clinicTime } from './layout.ts';
import { allowedStaff, can } from './roles.ts';
import type { SignedInStaff } from './staff-session.ts';

const keySchema = z.object({
  id: z.string(), name: z.string(), scope: z.string(), createdBy: z.string().nullish(), createdAt: z.string(),
  lastUsedAt: z.string().nullable(), expiresAt: z.string().nullable(), revokedAt: z.string().nullable(),
});
type ApiKey = z.infer<typeof keySchema>;
const keysAnswer = z.object({ keys: z.array(keySchema) });
const createdAnswer = keySchema.extend({ key: z.string() });

const createForm = z.object({
  name: z.string().trim().max(60).default(''),
  scope: z.enum(['clinic', 'admin']).catch('clinic'),
  expires: z.string().trim().max(20).default(''),
});
const keyParams = z.object({ keyId: z.string().max(100).catch('') });
const savedQuery = z.object({ saved: z.literal('revoked').optional().catch(undefined) });

interface KeysView {
  keys: ApiKey[];
  zone: string;
  now: Date;
  csrfToken?: string;
  problem?: ConsoleProblem;
  revoked?: boolean;
  draft?: { name: string; scope: 'clinic' | 'admin'; expires: string };
}

function keyState(k: ApiKey, zone: string, now: Date): string {
  if (k.revokedAt) return `revoked ${clinicTime(k.revokedAt, zone)}`;
  if (k.expiresAt && new Date(k.expiresAt) <= now) return `expired ${clinicTime(k.expiresAt, zone)}`;
  return 'in use';
}

const scopeWords = { clinic: 'events (sends patient events)', admin: "admin (changes the clinic's configuration)" } as const;

/** The clinic's API keys: never the keys themselves, only when they were made and last used. */
export function keysPage(v: KeysView): SafeHtml {
  const t = v.csrfToken;
  return html`<h1>API keys</h1>
${clinicNav('keys')}
${savedNotice(v.revoked && 'Key revoked: it is refused from now on.')}
${problemNotice(v.problem, 'keys-problem')}
${v.keys.length === 0 ? html`<p>No keys.</p>` : html`<table>
  <thead><tr><th scope="col">Name</th><th scope="col">Scope</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">State</th>${t && html`<th scope="col">Revoke</th>`}</tr></thead>
  <tbody>${v.keys.map((k) => html`<tr>
    <td data-label="Name">${k.name}</td>
    <td data-label="Scope">${k.scope}</td>
    <td data-label="Created">${clinicTime(k.createdAt, v.zone)}${k.createdBy ? ` by ${actorWords(k.createdBy)}` : ''}</td>
    <td data-label="Last used">${k.lastUsedAt ? clinicTime(k.lastUsedAt, v.zone) : 'never'}</td>
    <td data-label="Expires">${k.expiresAt ? clinicTime(k.expiresAt, v.zone) : 'never'}</td>
    <td data-label="State">${keyState(k, v.zone, v.now)}</td>
    ${t && html`<td data-label="Revoke">${!k.revokedAt && html`<a href="/console/clinic/keys/${encodeURIComponent(k.id)}/revoke">Revoke<span class="visually-hidden"> ${k.name}</span></a>`}</td>`}
  </tr>`)}</tbody>
</table>`}
${t && html`<h2>Make a key</h2>
<form method="post" action="/console/clinic/keys">
  <input type="hidden" name="_csrf" value="${t}">
  <label for="key-name">Name (who or what will use it)</label>
  <input id="key-name" name="name" required maxlength="60" value="${v.draft?.name ?? ''}">
  <label for="key-scope">Scope</label>
  <select id="key-scope" name="scope">${(['clinic', 'admin'] as const).map((s) => html`<option value="${s}"${v.draft?.scope === s ? html` selected` : ''}>${scopeWords[s]}</option>`)}</select>
  <label for="key-expires">Stops working on (optional; from the start of that day, ${v.zone} time)</label>
  <input id="key-expires" name="expires" type="date" value="${v.draft?.expires ?? ''}">
  <p><button type="submit">Make key</button></p>
</form>`}`;
}

/** The one time the key is shown. */
function createdPage(key: z.infer<typeof createdAnswer>): SafeHtml {
  return html`<h1>New API key: ${key.name}</h1>
${clinicNav('keys')}
<div class="notice" role="status">
  <p><strong>Copy it now: it will not be shown again.</strong> Only a fingerprint of it is kept, so nobody can look it up later.</p>
</div>
<label for="new-key">The key (send it as <code>Authorization: Bearer &lt;key&gt;</code>)</label>
<input id="new-key" readonly value="${key.key}" autocomplete="off" spellcheck="false">
<p><a href="/console/clinic/keys">Back to the keys</a></p>`;
}

function revokePage(key: ApiKey, csrfToken: string): SafeHtml {
  return html`<h1>Revoke the key ${key.name}?</h1>
${clinicNav('keys')}
<p>Anything still using it is refused (401) from now on. This cannot be undone; make a new key instead.</p>
<form method="post" action="/console/clinic/keys/${encodeURIComponent(key.id)}/revoke">
  <input type="hidden" name="_csrf" value="${csrfToken}">
  <p><button type="submit">Revoke ${key.name}</button> <a href="/console/clinic/keys">Keep it</a></p>
</form>`;
}

/** A date as the API's expiry: the start of that day in the clinic's zone; anything else is passed on for the API to refuse. */
function expiryOf(date: string, zone: string): string | undefined {
  if (!date) return undefined;
  const start = DateTime.fromISO(date, { zone });
  return start.isValid ? (start.startOf('day').toISO() ?? date) : date;
}

export async function clinicKeysPage(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  const load = async (req: FastifyRequest, who: SignedInStaff) => (await readAdminApi(app, req, who, 'keys', keysAnswer)).keys;
  const show = async (req: FastifyRequest, reply: FastifyReply, who: SignedInStaff, status: number, view: Pick<KeysView, 'problem' | 'revoked' | 'draft'>) => {
    const token = ctx.csrfToken(reply, who);
    const main = keysPage({ ...view, keys: await load(req, who), zone: who.clinic.timezone, now: ctx.now(), csrfToken: can(who.staff.role, 'config.change') ? token : undefined });
    return ctx.render(reply, status, { title: 'API keys', section: 'clinic', main, signedIn: { who, csrfToken: token } });
  };

  app.get('/clinic/keys', async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.view');
    if (!who) return reply;
    return show(req, reply, who, 200, { revoked: savedQuery.parse(req.query ?? {}).saved === 'revoked' });
  });

  app.post('/clinic/keys', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const form = createForm.parse(req.body ?? {});
    const expiresAt = expiryOf(form.expires, who.clinic.timezone);
    const answer = await callAdminApi(app, req, who, { method: 'POST', path: 'keys', payload: { name: form.name, scope: form.scope, ...(expiresAt ? { expiresAt } : {}) } });
    if (!answer.ok) return show(req, reply, who, problemStatus(answer), { problem: answer.problem, draft: form });
    // Not a redirect: this answer is the only place the key ever appears, so no browser or proxy may keep it.
    reply.header('cache-control', 'no-store');
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, 201, { title: 'New API key', section: 'clinic', main: createdPage(createdAnswer.parse(answer.body)), signedIn: { who, csrfToken: token } });
  });

  app.get('/clinic/keys/:keyId/revoke', async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const { keyId } = keyParams.parse(req.params);
    const key = (await load(req, who)).find((k) => k.id === keyId && !k.revokedAt);
    if (!key) return show(req, reply, who, 404, { problem: { message: 'No such key in use.', fields: [] } });
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, 200, { title: 'Revoke a key', section: 'clinic', main: revokePage(key, token), signedIn: { who, csrfToken: token } });
  });

  app.post('/clinic/keys/:keyId/revoke', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const { keyId } = keyParams.parse(req.params);
    const answer = await callAdminApi(app, req, who, { method: 'DELETE', path: `keys/${encodeURIComponent(keyId)}` });
    if (!answer.ok) return show(req, reply, who, problemStatus(answer), { problem: answer.problem });
    return reply.redirect('/console/clinic/keys?saved=revoked', 303);
  });
}
