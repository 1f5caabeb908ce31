import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FieldError } from '../../parse.ts';
import { html, type SafeHtml } from './html.ts';
import type { SignedInStaff } from './staff-session.ts';

// The configuration pages change nothing themselves: each form calls the admin API as the signed-in
// admin, so one place validates, versions and records who changed what.

export interface ConsoleProblem {
  message: string;
  fields: FieldError[];
}

export type AdminAnswer = { ok: true; status: number; body: unknown; version?: number } | { ok: false; status: number; problem: ConsoleProblem };

const errorAnswer = z.object({
  error: z.object({ message: z.string(), fields: z.array(z.object({ path: z.string(), message: z.string() })).optional() }),
});

/** `path` is inside the admin's own clinic: `staff`, `keys/key-1`, `plans?dryRun=true`. */
export async function callAdminApi(app: FastifyInstance, req: FastifyRequest, who: SignedInStaff,
  call: { method: 'GET' | 'PUT' | 'POST' | 'DELETE'; path: string; payload?: unknown; ifMatch?: number }): Promise<AdminAnswer> {
  const res = await app.inject({
    method: call.method,
    url: `/v1/admin/clinics/${encodeURIComponent(who.clinic.id)}/${call.path}`,
    // The admin's own address, so the rate limit and the access audit see them, not the server itself.
    remoteAddress: req.ip,
    // The console's header is what lets a session cookie change anything (admin-auth.ts).
    headers: { cookie: req.headers.cookie ?? '', 'x-aftercare-console': '1', ...(call.payload === undefined ? {} : { 'content-type': 'application/json' }),
      // The version the page was made from: a change saved by someone else meanwhile is refused, not overwritten.
      ...(call.ifMatch === undefined ? {} : { 'if-match': `"v${call.ifMatch}"` }) },
    // Serialized here, so any JSON the admin typed (even `null` or a number) reaches the API as typed.
    ...(call.payload === undefined ? {} : { payload: JSON.stringify(call.payload) }),
  });
  let body: unknown = null;
  try {
    body = res.json();
  } catch {
    body = null;
  }
  const etag = /^"v(\d+)"$/.exec(String(res.headers.etag ?? ''));
  if (res.statusCode < 400) return { ok: true, status: res.statusCode, body, ...(etag ? { version: Number(etag[1]) } : {}) };
  const error = errorAnswer.safeParse(body).data?.error;
  const message = error?.message ?? (res.statusCode >= 500 ? 'Something went wrong; nothing was changed. Try again in a moment.' : 'The change was refused.');
  return { ok: false, status: res.statusCode, problem: { message, fields: error?.fields ?? [] } };
}

/** Reads an answer the page needs to show anything at all; a failure becomes the console's error page. */
export async function readAdminApi<S extends z.ZodType>(app: FastifyInstance, req: FastifyRequest, who: SignedInStaff, path: string, schema: S): Promise<z.infer<S>> {
  const answer = await callAdminApi(app, req, who, { method: 'GET', path });
  if (!answer.ok) throw new Error(`admin API read of ${path.split('/')[0]} answered ${answer.status}`);
  return schema.parse(answer.body);
}

/** A refused form is the same page again with the problem (400), or 503 when the service failed. */
export const problemStatus = (answer: { status: number }) => (answer.status >= 500 ? 503 : 400);

/** The problem above a form, each field by the path the admin API gave it. */
export function problemNotice(problem: ConsoleProblem | undefined, id: string): SafeHtml | false {
  if (!problem) return false;
  return html`<div class="notice error" role="alert" id="${id}">
  <p><strong>${problem.message}</strong></p>
  ${problem.fields.length > 0 && html`<ul>${problem.fields.map((f) => html`<li><code>${f.path || '(document)'}</code>: ${f.message}</li>`)}</ul>`}
</div>`;
}

/** A short confirmation after a redirect. */
export function savedNotice(text: string | false | undefined): SafeHtml | false {
  return Boolean(text) && html`<p class="notice" role="status">${text || ''}</p>`;
}
