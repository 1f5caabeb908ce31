import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { callAdminApi, problemNotice, problemStatus, readAdminApi, savedNotice, type ConsoleProblem } from './clinic-admin-api.ts';
import { clinicNav } from './clinic-nav.ts';
import type { ConsoleContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { allowedStaff, can } from './roles.ts';
import type { SignedInStaff } from './staff-session.ts';

// The escalation ladder: an unacknowledged escalation goes to the first contact, then the next, in this order.
const contactsSection = z.array(z.looseObject({ name: z.string(), phone: z.string().optional(), email: z.string().optional() })).nullable();
type Contact = NonNullable<z.infer<typeof contactsSection>>[number];

const optional = z.string().trim().max(320).transform((s) => s || undefined).optional();
const addForm = z.object({ name: z.string().trim().max(120).default(''), phone: optional, email: optional });
// The name rides along with the position, so a list changed meanwhile is not edited at the wrong rung.
const rungForm = z.object({ name: z.string().max(120).default('') });
const rungParams = z.object({ index: z.coerce.number().int().min(0).max(1000).catch(-1) });
const moves = ['up', 'down', 'remove'] as const;
const savedQuery = z.object({ saved: z.enum(['added', 'moved', 'removed']).optional().catch(undefined) });
const savedWords = { added: 'Contact added at the end of the ladder.', moved: 'Ladder order changed.', removed: 'Contact removed.' } as const;

interface ContactsView {
  contacts: Contact[];
  csrfToken?: string;
  problem?: ConsoleProblem;
  saved?: keyof typeof savedWords;
  draft?: { name: string; phone?: string; email?: string };
}

function rungButton(token: string, index: number, contact: Contact, move: 'up' | 'down' | 'remove', label: string): SafeHtml {
  return html`<form method="post" action="/console/clinic/contacts/${index}/${move}">
  <input type="hidden" name="_csrf" value="${token}">
  <input type="hidden" name="name" value="${contact.name}">
  <button class="quiet" type="submit">${label}<span class="visually-hidden"> ${contact.name}</span></button>
</form>`;
}

/** Who is told when a patient needs a person, in ladder order. */
export function contactsPage(v: ContactsView): SafeHtml {
  const token = v.csrfToken;
  const last = v.contacts.length - 1;
  return html`<h1>Escalation contacts</h1>
${clinicNav('contacts')}
<p>An escalation nobody acknowledges goes to the next contact down the ladder.</p>
${savedNotice(v.saved && savedWords[v.saved])}
${problemNotice(v.problem, 'contacts-problem')}
<table>
  <thead><tr><th scope="col">Order</th><th scope="col">Name</th><th scope="col">Phone</th><th scope="col">Email</th>${token && html`<th scope="col">Change</th>`}</tr></thead>
  <tbody>${v.contacts.map((c, i) => html`<tr>
    <td data-label="Order">${i + 1}</td><td data-label="Name">${c.name}</td><td data-label="Phone">${c.phone ?? ''}</td><td data-label="Email">${c.email ?? ''}</td>
    ${token && html`<td data-label="Change">
      ${i > 0 && rungButton(token, i, c, 'up', 'Move up')}
      ${i < last && rungButton(token, i, c, 'down', 'Move down')}
      ${rungButton(token, i, c, 'remove', 'Remove')}
    </td>`}
  </tr>`)}</tbody>
</table>
${token && html`<h2>Add a contact</h2>
<form method="post" action="/console/clinic/contacts">
  <input type="hidden" name="_csrf" value="${token}">
  <label for="contact-name">Name</label>
  <input id="contact-name" name="name" required value="${v.draft?.name ?? ''}">
  <label for="contact-phone">Phone (E.164, +1555…)</label>
  <input id="contact-phone" name="phone" type="tel" value="${v.draft?.phone ?? ''}">
  <label for="contact-email">Email</label>
  <input id="contact-email" name="email" type="email" value="${v.draft?.email ?? ''}">
  <p class="note">A contact needs a phone or an email.</p>
  <p><button type="submit">Add contact</button></p>
</form>`}`;
}

/** The ladder after moving or removing the contact at `index`. */
function changedLadder(contacts: Contact[], index: number, move: 'up' | 'down' | 'remove'): Contact[] {
  if (move === 'remove') return contacts.filter((_c, i) => i !== index);
  const other = move === 'up' ? index - 1 : index + 1;
  const moved = [...contacts];
  const [a, b] = [moved[index], moved[other]];
  if (!a || !b) return contacts;
  [moved[index], moved[other]] = [b, a];
  return moved;
}

export async function clinicContactsPage(app: FastifyInstance, ctx: ConsoleContext): Promise<void> {
  const load = async (req: FastifyRequest, who: SignedInStaff) => (await readAdminApi(app, req, who, 'contacts', contactsSection)) ?? [];
  const show = async (req: FastifyRequest, reply: FastifyReply, who: SignedInStaff, status: number, view: Omit<ContactsView, 'contacts' | 'csrfToken'>) => {
    const token = ctx.csrfToken(reply, who);
    const main = contactsPage({ ...view, contacts: await load(req, who), csrfToken: can(who.staff.role, 'config.change') ? token : undefined });
    return ctx.render(reply, status, { title: 'Escalation contacts', section: 'clinic', main, signedIn: { who, csrfToken: token } });
  };
  const save = async (req: FastifyRequest, reply: FastifyReply, who: SignedInStaff, contacts: unknown[], saved: keyof typeof savedWords, draft?: ContactsView['draft']) => {
    const answer = await callAdminApi(app, req, who, { method: 'PUT', path: 'contacts', payload: contacts });
    if (answer.ok) return reply.redirect(`/console/clinic/contacts?saved=${saved}`, 303);
    return show(req, reply, who, problemStatus(answer), { problem: answer.problem, draft });
  };

  app.get('/clinic/contacts', async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.view');
    if (!who) return reply;
    return show(req, reply, who, 200, { saved: savedQuery.parse(req.query ?? {}).saved });
  });

  app.post('/clinic/contacts', { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const form = addForm.parse(req.body ?? {});
    const contact = { name: form.name, ...(form.phone ? { phone: form.phone } : {}), ...(form.email ? { email: form.email } : {}) };
    return save(req, reply, who, [...(await load(req, who)), contact], 'added', contact);
  });

  for (const move of moves) app.post(`/clinic/contacts/:index/${move}`, { preHandler: app.csrfProtection }, async (req, reply) => {
    const who = allowedStaff(ctx, req, reply, 'config.change');
    if (!who) return reply;
    const { index } = rungParams.parse(req.params);
    const { name } = rungForm.parse(req.body ?? {});
    const contacts = await load(req, who);
    if (contacts[index]?.name !== name)
      return show(req, reply, who, 400, { problem: { message: 'The ladder changed since this page was opened; nothing was changed. Check it and try again.', fields: [] } });
    return save(req, reply, who, changedLadder(contacts, index, move), move === 'remove' ? 'removed' : 'moved');
  });
}
