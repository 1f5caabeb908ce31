import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { staffRoleSchema, type StaffRole } from '../../../config/staff-role.ts';
import { hashPassword } from '../../../lib/passwords.ts';
import { callAdminApi, problemNotice, problemStatus, readAdminApi, savedNotice, type ConsoleProblem } from './clinic-admin-api.ts';
import { clinicNav } from './clinic-nav.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { allowedStaff, can, roleWords } from './roles.ts';
import type { SignedInStaff } from './staff-session.ts';

// Entries are sent back whole, hash included, so a role change keeps everything else as it was.
const staffSection = z.array(z.looseObject({ username: z.string(), name: z.string(), role: staffRoleSchema.optional() })).nullable();
type StaffEntry = NonNullable<z.infer<typeof staffSection>>[number];

const addForm = z.object({
  username: z.string().trim().max(60).default(''),
  name: z.string().trim().max(80).default(''),
  role: staffRoleSchema.catch('nurse'),
  password: z.string().max(1024).default(''),
});
const roleForm = z.object({ role: staffRoleSchema });
const savedQuery = z.object({ saved: z.enum(['added', 'role', 'removed']).optional().catch(undefined) });
const minPassword = 8; // as `aftercare hash-password` asks
// Not a rule of the configuration but of the console: the last clinic admin must not lock the clinic out in one click.
const yourself: ConsoleProblem = { message: 'You cannot change your own role or remove yourself here; another clinic admin can.', fields: [] };

const savedWords = { added: 'Staff member added: they can sign in now.', role: 'Role changed.', removed: 'Staff member removed: their sessions have ended.' } as const;
const roles = Object.keys(roleWords) as StaffRole[];

interface StaffView {
  staff: StaffEntry[];
  /** The signed-in admin, whose own row offers no change. */
  me: string;
  csrfToken?: string;
  problem?: ConsoleProblem;
  saved?: keyof typeof savedWords;
  draft?: { username: string; name: string; role: StaffRole };
}

function roleOptions(selected: StaffRole): SafeHtml[] {
  return roles.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${roleWords[r]}</option>`);
}

/** Who signs in with a password, and as what; the admin adds, re-roles and removes them here. */
export function staffPage(v: StaffView): SafeHtml {
  const edit = v.csrfToken;
  return html`<h1>Staff</h1>
${clinicNav('staff')}
${savedNotice(v.saved && savedWords[v.saved])}
${problemNotice(v.problem, 'staff-problem')}
${v.staff.length === 0 ? html`<p>No password accounts.</p>` : html`<table>
  <thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Role</th>${edit && html`<th scope="col">Change</th>`}</tr></thead>
  <tbody>${v.staff.map((s) => html`<tr>
    <td data-label="Username">${s.username}</td><td data-label="Name">${s.name}</td><td data-label="Role">${roleWords[s.role ?? 'nurse']}</td>
    ${edit && (s.username === v.me ? html`<td data-label="Change">(you)</td>` : html`<td data-label="Change">
      <form method="post" action="/console/clinic/staff/${encodeURIComponent(s.username)}/role">
        <input type="hidden" name="_csrf" value="${edit}">
        <label for="role-${s.username}">New role for ${s.name}</label>
        <select id="role-${s.username}" name="role">${roleOptions(s.role ?? 'nurse')}</select>
        <button class="quiet" type="submit">Change role</button>
      </form>
      <form method="post" action="/console/clinic/staff/${encodeURIComponent(s.username)}/remove">
        <input type="hidden" name="_csrf" value="${edit}">
        <button class="quiet" type="submit">Remove ${s.name}</button>
      </form>
    </td>`)}
  </tr>`)}</tbody>
</table>`}
${edit && html`<h2>Add a staff member</h2>
<form method="post" action="/console/clinic/staff">
  <input type="hidden" name="_csrf" value="${edit}">
  <label for="staff-username">Username (lowercase letters, digits, . _ -)</label>
  <input id="staff-username" name="username" required autocomplete="off" value="${v.draft?.username ?? ''}">
  <label for="staff-name">Name</label>
  <input id="staff-name" name="name" required value="${v.draft?.name ?? ''}">
  <label for="staff-role">Role</label>
  <select id="staff-role" name="role">${roleOptions(v.draft?.role ?? 'nurse')}</select>
  <label for="staff-password">Initial password (at least ${minPassword} characters; only its hash is kept)</label>
  <input id="staff-password" name="password" type="password" required minlength="${minPassword}" autocomplete="new-password">
  <p><button type="submit">Add staff member</button></p>
</form>`}`;
}

const usernameParam = z.object({ username: z.string().max(60).catch('') });

export async function clinicStaffPage(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  const loadStaff = async (req: FastifyRequest, who: SignedInStaff) => (await readAdminApi(app, req, who, 'staff', staffSection)) ?? [];
  const show = async (req: FastifyRequest, reply: FastifyReply, who: SignedInStaff, status: number, view: Omit<StaffView, 'staff' | 'csrfToken' | 'me'>) => {
    const token = ctx.csrfToken(reply, who);
    const staff = await loadStaff(req, who);
    const main = staffPage({ ...view, staff, me: who.staff.username, csrfToken: can(who.staff.role, 'config.change') ? token : undefined });
    return ctx.render(reply, status, { title: 'Staff', section: 'clinic', main, signedIn: { who, csrfToken: token } });
  };
  /** Saves the changed list through the admin API: a redirect on success, the page with the problem on failure. */
  const save = async (req: FastifyRequest, reply: FastifyReply, who: SignedInStaff, staff: unknown[], saved: keyof typeof savedWords, draft?: StaffView['draft']) => {
    const answer = await callAdminApi(app, req, who, { method: 'PUT', path: 'staff', payload: staff });
    if (answer.ok) return reply.redirect(`/console/clinic/staff?saved=${saved}`, 303);
    return show(req, reply, who, problemStatus(answer), { problem: answer.problem, draft });
  };

  app.get('/clinic/staff', async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.view');
    if (!who) return reply;
    return show(req, reply, who, 200, { saved: savedQuery.parse(req.query ?? {}).saved });
  });

  app.post('/clinic/staff', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const form = addForm.parse(req.body ?? {});
    const draft = { username: form.username, name: form.name, role: form.role };
    // The admin API sees only the hash, so the password's length is the one thing checked here.
    if (form.password.length < minPassword)
      return show(req, reply, who, 400, { draft, problem: { message: 'The staff member was not added.', fields: [{ path: 'password', message: `a password needs at least ${minPassword} characters` }] } });
    const staff = await loadStaff(req, who);
    const added = { username: form.username, name: form.name, role: form.role, passwordHash: await hashPassword(form.password) };
    return save(req, reply, who, [...staff, added], 'added', draft);
  });

  app.post<{ Params: { username: string } }>('/clinic/staff/:username/role', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const { username } = usernameParam.parse(req.params);
    if (username === who.staff.username) return show(req, reply, who, 400, { problem: yourself });
    const form = roleForm.safeParse(req.body ?? {});
    const staff = await loadStaff(req, who);
    if (!form.success || !staff.some((s) => s.username === username))
      return show(req, reply, who, 400, { problem: { message: `No staff member ${username} to change, or no such role.`, fields: [] } });
    return save(req, reply, who, staff.map((s) => (s.username === username ? { ...s, role: form.data.role } : s)), 'role');
  });

  app.post<{ Params: { username: string } }>('/clinic/staff/:username/remove', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const { username } = usernameParam.parse(req.params);
    if (username === who.staff.username) return show(req, reply, who, 400, { problem: yourself });
    const staff = await loadStaff(req, who);
    if (!staff.some((s) => s.username === username))
      return show(req, reply, who, 400, { problem: { message: `No staff member ${username} to remove.`, fields: [] } });
    return save(req, reply, who, staff.filter((s) => s.username !== username), 'removed');
  });
}
