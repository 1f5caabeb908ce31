import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { callAdminApi, problemNotice, problemStatus, readAdminApi, savedNotice, type ConsoleProblem } from './clinic-admin-api.ts';
import { clinicNav } from './clinic-nav.ts';
import { diffSummary, dryRunAnswer, dryRunPreview, type ConfigDiff, type DryRunAnswer } from './config-preview.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { allowedStaff, can } from './roles.ts';
import type { SignedInStaff } from './staff-session.ts';

// Care plans and template wording are edited as their JSON, the shape the clinic file holds:
// previewed through the admin API's dry run, then saved as a new version.

const sections = {
  plans: { title: 'Care plans', intro: 'Overrides of the session and cessation plans: each step, when it sends and how.' },
  templates: { title: 'Message wording', intro: "The clinic's own wording of a template, per language; what it leaves out stays the shipped text." },
} as const;
type Section = keyof typeof sections;

const editorForm = z.object({ document: z.string().max(60_000).default(''), action: z.enum(['preview', 'save']).catch('preview'),
  version: z.coerce.number().int().min(1).optional().catch(undefined) });
const savedQuery = z.object({ saved: z.coerce.number().int().min(1).optional().catch(undefined) });
const savedVersion = z.object({ version: z.number(), diff: z.array(z.object({ path: z.string(), op: z.enum(['added', 'removed', 'changed']) })) });

interface EditorView {
  section: Section;
  text: string;
  /** The configuration version the text was read from; saving it over a newer one is refused. */
  version?: number;
  csrfToken?: string;
  problem?: ConsoleProblem;
  preview?: DryRunAnswer;
  saved?: { version: number; diff: ConfigDiff };
}

/** The section's JSON in a textarea, with Preview and Save; a refused text stays as typed. */
export function editorPage(v: EditorView): SafeHtml {
  const { title, intro } = sections[v.section];
  return html`<h1>${title}</h1>
${clinicNav(v.section)}
<p>${intro}</p>
${v.saved && html`${savedNotice(`Saved as configuration version ${v.saved.version}.`)}<h2>What changed</h2>${diffSummary(v.saved.diff)}`}
${problemNotice(v.problem, 'editor-problem')}
${v.csrfToken ? html`<form method="post" action="/console/clinic/${v.section}">
  <input type="hidden" name="_csrf" value="${v.csrfToken}">
  ${v.version !== undefined && html`<input type="hidden" name="version" value="${String(v.version)}">`}
  <label for="editor">${title} (JSON)</label>
  <textarea id="editor" name="document" spellcheck="false" required${v.problem ? html` aria-describedby="editor-problem"` : ''}>${v.text}</textarea>
  <p><button type="submit" name="action" value="preview">Preview</button> <button class="quiet" type="submit" name="action" value="save">Save</button></p>
</form>` : html`<pre>${v.text}</pre>`}
${v.preview && dryRunPreview(v.preview)}`;
}

export async function clinicPlansPage(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  const render = (reply: FastifyReply, who: SignedInStaff, status: number, view: Omit<EditorView, 'csrfToken'>) => {
    const token = ctx.csrfToken(reply, who);
    const main = editorPage({ ...view, csrfToken: can(who.staff.role, 'config.change') ? token : undefined });
    return ctx.render(reply, status, { title: sections[view.section].title, section: 'clinic', main, signedIn: { who, csrfToken: token } });
  };

  for (const section of Object.keys(sections) as Section[]) {
    app.get(`/clinic/${section}`, async (req, reply) => {
      const who = allowedStaff(ctx, req, reply, 'config.view');
      if (!who) return reply;
      const current = await callAdminApi(app, req, who, { method: 'GET', path: section });
      if (!current.ok) throw new Error(`admin API read of ${section} answered ${current.status}`);
      const savedAs = savedQuery.parse(req.query ?? {}).saved;
      const saved = savedAs === undefined ? undefined : await readAdminApi(app, req, who, `versions/${savedAs}`, savedVersion);
      return render(reply, who, 200, { section, text: JSON.stringify(current.body ?? {}, null, 2), version: current.version, saved });
    });

    app.post(`/clinic/${section}`, { preHandler: app.csrfProtection }, async (req: FastifyRequest, reply) => {
      const who = allowedStaff(ctx, req, reply, 'config.change');
      if (!who) return reply;
      const form = editorForm.parse(req.body ?? {});
      let parsed: unknown;
      try {
        parsed = JSON.parse(form.document);
      } catch (err) {
        const problem = { message: 'This is not valid JSON; nothing was changed.', fields: [{ path: section, message: (err as Error).message }] };
        return render(reply, who, 400, { section, text: form.document, version: form.version, problem });
      }
      const dryRun = form.action === 'preview';
      const answer = await callAdminApi(app, req, who, { method: 'PUT', path: `${section}${dryRun ? '?dryRun=true' : ''}`, payload: parsed,
        ...(dryRun ? {} : { ifMatch: form.version }) });
      if (!answer.ok && answer.status === 412) {
        const problem = { message: 'Someone saved a newer version while you were editing; nothing was changed. Your text is below: open this page again to see theirs, then make your change there.', fields: [] };
        return render(reply, who, 409, { section, text: form.document, version: form.version, problem });
      }
      if (!answer.ok) return render(reply, who, problemStatus(answer), { section, text: form.document, version: form.version, problem: answer.problem });
      if (dryRun) return render(reply, who, 200, { section, text: form.document, version: form.version, preview: dryRunAnswer.parse(answer.body) });
      const { version } = savedVersion.pick({ version: true }).parse(answer.body);
      return reply.redirect(`/console/clinic/${section}?saved=${version}`, 303);
    });
  }
}
