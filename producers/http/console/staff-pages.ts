import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idSchema } from '../../../core/events.ts';
import { emitWebhook } from '../../../lib/emit-webhook.ts';
import { AftercareError } from '../../../lib/errors.ts';
import { observeAcknowledgement } from '../../../lib/metrics.ts';
import { enqueueEndCalls } from '../../../lib/queues.ts';
import { acknowledge, loadEscalation } from '../../../store/escalations.ts';
import { loadPatient } from '../../../store/patients.ts';
import { addTimeline, patientTimeline } from '../../../store/timeline.ts';
import { previewPlan } from '../../preview-plan.ts';
import { patientParam } from '../access-audit.ts';
import { consoleCsp } from './console-assets.ts';
import { consentRoutes, loadConsentSection } from './consent-section.ts';
import { html } from './html.ts';
import { inboxEvents } from './inbox-events.ts';
import { inboxList, loadInbox } from './inbox.ts';
import type { ConsoleContext, ConsoleDeps } from './context.ts';
import { patientPage } from './patient-page.ts';
import { previewPage, sampleEvent, type PreviewOutcome } from './preview-page.ts';
import { can, requireRole } from './roles.ts';

const inboxQuery = z.object({ acknowledged: idSchema.optional().catch(undefined) });
const previewForm = z.object({ event: z.string().max(32 * 1024) });
const notFound = () => new AftercareError('not-found', 'No such record at this clinic.');

/** The signed-in pages: inbox (with its live feed), acknowledgement, patient timeline, plan preview. */
export async function staffPages(app: FastifyInstance, deps: ConsoleDeps, ctx: ConsoleContext): Promise<void> {
  const events = inboxEvents({ db: deps.db, log: deps.log.child({ component: 'console' }), now: ctx.now });
  // Open event streams would keep the server from closing; end them first.
  app.addHook('preClose', async () => events.close());

  app.get('/', { config: { audit: { action: 'inbox.read' } } }, async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'inbox.view');
    const token = ctx.csrfToken(reply, who);
    const { acknowledged } = inboxQuery.parse(req.query ?? {});
    const done = acknowledged ? await loadEscalation(deps.db, acknowledged) : undefined;
    const note = done?.clinicId === who.clinic.id && done.status === 'acknowledged'
      ? html`<p class="notice" role="status">Acknowledged by ${done.acknowledgedBy ?? 'staff'} (code ${done.code}). <a href="/console/patients/${encodeURIComponent(done.patientId)}">Open patient ${done.patientId}</a></p>`
      : undefined;
    const items = await loadInbox(deps.db, who.clinic.id);
    const main = html`<h1>Open escalations</h1>
${note}
<p id="inbox-status" class="note">Urgent first, then oldest first.</p>
<div id="inbox-live" class="visually-hidden" aria-live="polite"></div>
<section id="inbox" aria-label="Open escalations">${inboxList(items, who.clinic, can(who.staff.role, 'escalation.acknowledge') ? token : undefined, ctx.now())}</section>`;
    return ctx.render(reply, 200, { title: 'Inbox', section: 'inbox', main, signedIn: { who, csrfToken: token } });
  });

  // Server-sent events: the inbox list, re-rendered whenever it changes.
  app.get('/events', async (req, reply) => {
    const who = req.consoleStaff;
    // Without a CSRF secret the streamed forms could not be submitted: make the page reload instead.
    if (!who || !ctx.hasCsrfSecret(req)) return reply.status(401).type('text/plain; charset=utf-8').send('Sign in again.');
    requireRole(who, 'inbox.view');
    const token = ctx.csrfToken(reply, who);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive',
      'x-accel-buffering': 'no', 'content-security-policy': consoleCsp, 'x-content-type-options': 'nosniff',
    });
    events.follow(reply.raw, who, token);
    return reply;
  });

  app.post<{ Params: { id: string } }>('/escalations/:id/ack', { preHandler: app.csrfProtection, config: { audit: { action: 'escalation.acknowledge', patient: async (req) => {
    const e = await loadEscalation(deps.db, patientParam('id')(req) ?? '');
    return e && e.clinicId === req.consoleStaff?.clinic.id ? e.patientId : undefined;
  } } } }, async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'escalation.acknowledge');
    const id = idSchema.safeParse(req.params.id);
    if (!id.success) throw notFound();
    const by = who.staff.name;
    // Closing it and saying so on the timeline happen together: nothing about an escalation is silent.
    const acked = await deps.db.transaction(async (tx) => {
      const closed = await acknowledge(tx, { clinicId: who.clinic.id, id: id.data }, by);
      if (closed) await addTimeline(tx, [{ clinicId: who.clinic.id, patientId: closed.patientId, kind: 'escalation.acknowledged',
        detail: { escalationId: closed.id, code: closed.code, by, via: 'console' } }]);
      if (closed) await emitWebhook({ db: tx, queues: deps.queues, log: deps.log }, { clinicId: who.clinic.id, type: 'escalation.acknowledged', data: { patientId: closed.patientId, escalationId: closed.id, kind: closed.kind, via: 'console' } });
      return closed;
    });
    if (acked) {
      observeAcknowledgement(deps.metrics, acked, 'console');
      await enqueueEndCalls(deps.queues, acked.id).catch((err: Error) => req.log.warn({ escalationId: acked.id, err: err.message }, 'could not queue hanging up its calls'));
      req.log.info({ clinicId: who.clinic.id, escalationId: acked.id }, 'escalation acknowledged in the console');
    } else if ((await loadEscalation(deps.db, id.data))?.clinicId !== who.clinic.id) {
      throw notFound(); // another clinic's escalation looks like a missing one
    }
    // Already acknowledged by someone else lands on the same page, which says by whom.
    return reply.redirect(`/console?acknowledged=${encodeURIComponent(id.data)}`, 303);
  });

  app.get<{ Params: { id: string } }>('/patients/:id', { config: { audit: { action: 'patient.read', patient: patientParam('id') } } }, async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'patient.view');
    const id = idSchema.safeParse(req.params.id);
    const patient = id.success ? await loadPatient(deps.db, who.clinic.id, id.data) : undefined;
    if (!patient) throw notFound();
    const timeline = await patientTimeline(deps.db, who.clinic.id, patient.id, 1000);
    const token = ctx.csrfToken(reply, who);
    const consent = await loadConsentSection(deps, who.clinic.id, patient.id, who.clinic.timezone, token);
    return ctx.render(reply, 200, { title: `Patient ${patient.id}`, section: 'patient', main: patientPage(patient, timeline, who.clinic, consent),
      signedIn: { who, csrfToken: token } });
  });

  consentRoutes(app, deps, ctx);

  app.get('/preview', async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'plan.preview');
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, 200, { title: 'Preview a plan', section: 'preview', main: previewPage(sampleEvent(who.clinic, ctx.now()), {}, token),
      signedIn: { who, csrfToken: token } });
  });

  app.post('/preview', { preHandler: app.csrfProtection, config: { audit: { action: 'plan.preview' } } }, async (req, reply) => {
    const who = ctx.staffOf(req, reply);
    if (!who) return reply;
    requireRole(who, 'plan.preview');
    const form = previewForm.safeParse(req.body);
    const input = form.success ? form.data.event : '';
    const outcome = previewOutcome(deps, input, who.clinic.id, ctx.now());
    const token = ctx.csrfToken(reply, who);
    return ctx.render(reply, outcome.problem ? 400 : 200, { title: 'Preview a plan', section: 'preview', main: previewPage(input, outcome, token),
      signedIn: { who, csrfToken: token } });
  });
}

/** The schedule, or the reason there is none, in the same words the API would use. */
function previewOutcome(deps: ConsoleDeps, input: string, clinicId: string, now: Date): PreviewOutcome {
  let event: unknown;
  try {
    event = JSON.parse(input);
  } catch (err) {
    return { problem: { message: `That is not valid JSON: ${(err as Error).message}`, fields: [] } };
  }
  try {
    return { preview: previewPlan(deps.clinics, event, clinicId, now) };
  } catch (err) {
    if (!(err instanceof AftercareError) || err.status !== 400 && err.status !== 403) throw err;
    if (err.code === 'forbidden') return { problem: { message: `That event names another clinic; the console previews ${clinicId}'s plans only.`, fields: [{ path: 'clinicId', message: `expected "${clinicId}"` }] } };
    const details = z.object({ fields: z.array(z.object({ path: z.string(), message: z.string() })) }).safeParse(err.details);
    return { problem: { message: err.message, fields: details.success ? details.data.fields : [] } };
  }
}
