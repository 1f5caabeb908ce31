import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { voicePaths } from '../../channels/twilio-voice.ts';
import type { Clinic } from '../../config/clinics.ts';
import { clinicOnCall } from '../../config/on-call.ts';
import { callLimit } from '../../lib/call-rate.ts';
import { observeAcknowledgement } from '../../lib/metrics.ts';
import { enqueueEndCalls } from '../../lib/queues.ts';
import { acknowledge, loadEscalation, type EscalationRecord } from '../../store/escalations.ts';
import { loadCallNotice, recordCallStatus, type CallNotice } from '../../store/notices.ts';
import { loadPatient } from '../../store/patients.ts';
import { addTimeline } from '../../store/timeline.ts';
import { callWording, reasonKeyOf, type CallWording } from '../../templates/voice.ts';
import type { ServerDeps } from './deps.ts';
import { documentationOnly, errors, openRoute, required, textResponse } from './route-schemas.ts';

// A staff call's webhooks: the TwiML it speaks when answered, the digit pressed, and the call's
// status. Every one is signed by Twilio (X-Twilio-Signature), checked as the SMS webhooks are.

export type TwilioVoiceDeps = Pick<ServerDeps, 'db' | 'redis' | 'queues' | 'clinics' | 'log' | 'metrics'> & {
  /** Unset: every call webhook is refused, since none can be verified. */
  authToken: string | undefined;
  publicBaseUrl: string;
};

const callSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/);
const callForm = z.looseObject({
  CallSid: callSid, CallStatus: z.string().max(40).optional(), AnsweredBy: z.string().max(40).optional(),
  Digits: z.string().max(20).optional(), To: z.string().max(40).optional(), CallDuration: z.string().regex(/^\d{1,7}$/).optional(),
});
const formFields = z.record(z.string(), z.string());
const finalStatuses = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
/** Statuses worth a timeline line; queued and initiated say nothing staff need. */
const shownStatuses = new Set(['ringing', 'in-progress', ...finalStatuses]);

const callBody = { type: 'object', properties: { CallSid: { type: 'string' }, CallStatus: { type: 'string' }, AnsweredBy: { type: 'string' }, Digits: { type: 'string' } }, required: ['CallSid'] };
const signed = {
  ...openRoute, tags: ['Twilio webhooks'], consumes: ['application/x-www-form-urlencoded'],
  params: required({ noticeId: { type: 'string', description: 'The staff notice the call belongs to.' } }),
  headers: required({ 'x-twilio-signature': { type: 'string', description: 'HMAC-SHA1 of the public URL and form fields with the Twilio auth token; a missing or wrong one is a 403.' } }),
  body: callBody,
};
const twimlAnswer = textResponse('text/xml', 'TwiML: what the call says and the `<Gather>` for a digit.');
const schemas: Record<'twiml' | 'gather' | 'status', FastifySchema> = {
  twiml: { ...signed, operationId: 'twilioVoiceTwiml', summary: 'What a staff call says when answered', response: { 200: twimlAnswer, ...errors(400, 403) } },
  gather: { ...signed, operationId: 'twilioVoiceGather', summary: 'The digit pressed on a staff call (1 acknowledges, 2 repeats)', response: { 200: twimlAnswer, ...errors(400, 403) } },
  status: { ...signed, operationId: 'twilioVoiceStatus', summary: 'Status of a staff call', response: { 204: { description: 'Recorded, or ignored.', type: 'null' }, ...errors(400, 403) } },
};

interface CallContext {
  notice: CallNotice;
  escalation: EscalationRecord;
  clinic: Clinic;
  person: string;
  words: CallWording;
}

const xml = (reply: FastifyReply, twiml: { toString(): string }) => reply.status(200).header('content-type', 'text/xml').send(twiml.toString());

export const twilioVoice: FastifyPluginAsync<TwilioVoiceDeps> = async (app, deps) => {
  const log = deps.log.child({ component: 'twilio-voice' });
  const base = deps.publicBaseUrl.replace(/\/+$/, '');
  const calls = callLimit(deps.redis, deps.queues.prefix);
  documentationOnly(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });

  /** The form when Twilio signed it, else undefined (and a 403 or 400 has been sent). */
  const verified = (req: FastifyRequest, reply: FastifyReply): z.infer<typeof callForm> | undefined => {
    const signature = req.headers['x-twilio-signature'];
    const params = formFields.safeParse(req.body ?? {});
    const forbidden = (message: string) => void reply.status(403).send({ error: { code: 'forbidden', message } });
    if (deps.authToken === undefined) return forbidden('Twilio webhooks are not configured (no auth token).');
    if (typeof signature !== 'string' || signature === '') return forbidden('Missing X-Twilio-Signature.');
    // The URL Twilio signed is the public one: behind a proxy, the Host header names the proxy's upstream.
    if (!params.success || !twilio.validateRequest(deps.authToken, signature, base + req.url, params.data))
      return forbidden('The X-Twilio-Signature does not match this request.');
    const form = callForm.safeParse(params.data);
    if (!form.success) return void reply.status(400).send({ error: { code: 'invalid-input', message: 'Not a Twilio call webhook.' } });
    return form.data;
  };

  const contextOf = async (noticeId: string, sid: string): Promise<CallContext | undefined> => {
    const notice = await loadCallNotice(deps.db, noticeId);
    // The sid is recorded once the create returns; Twilio may ask for the TwiML before that.
    if (!notice || (notice.providerId !== null && notice.providerId !== sid)) return undefined;
    const escalation = await loadEscalation(deps.db, notice.escalationId);
    const clinic = escalation && deps.clinics.get(escalation.clinicId);
    if (!escalation || !clinic) return undefined;
    const person = notice.person ?? (notice.contact === -1 ? clinic.escalation.lastResort?.name : clinic.escalation.contacts[notice.contact]?.name) ?? '';
    const locale = clinicOnCall(clinic).people.get(person)?.locale ?? clinic.locale;
    return { notice, escalation, clinic, person, words: callWording[locale] };
  };

  const note = (ctx: CallContext, detail: Record<string, unknown>) => addTimeline(deps.db, [{
    clinicId: ctx.clinic.id, patientId: ctx.escalation.patientId, stepId: ctx.escalation.stepId, kind: 'escalation.call',
    detail: { escalationId: ctx.escalation.id, round: ctx.notice.round, contact: ctx.person, channel: 'voice', ...detail },
  }]);

  const goodbye = (reply: FastifyReply, words: CallWording | undefined, text: string | undefined) => {
    const vr = new twilio.twiml.VoiceResponse();
    if (words && text) vr.say({ language: words.language as 'en-US' }, text);
    vr.hangup();
    return xml(reply, vr);
  };

  app.post<{ Params: { noticeId: string } }>('/webhooks/twilio/voice/:noticeId', { schema: schemas.twiml }, async (req, reply) => {
    const form = verified(req, reply);
    if (!form) return reply;
    const ctx = await contextOf(req.params.noticeId, form.CallSid);
    if (!ctx) return goodbye(reply, undefined, undefined);
    // A machine or fax is no acknowledgement: hang up, and the policy goes on at its next round.
    if (form.AnsweredBy && (form.AnsweredBy.startsWith('machine') || form.AnsweredBy === 'fax')) {
      await note(ctx, { status: 'answered-by-machine', answeredBy: form.AnsweredBy });
      return goodbye(reply, undefined, undefined);
    }
    if (ctx.escalation.status !== 'open') return goodbye(reply, ctx.words, ctx.words.alreadyHandled);
    const patient = await loadPatient(deps.db, ctx.clinic.id, ctx.escalation.patientId);
    const initial = /^\p{L}/u.exec(patient?.firstName ?? '')?.[0]?.toUpperCase();
    const vars = { clinicName: ctx.clinic.name, kind: ctx.escalation.kind, ...reasonKeyOf(ctx.escalation.reason), patientId: ctx.escalation.patientId, initial, code: ctx.escalation.code };
    const vr = new twilio.twiml.VoiceResponse();
    const language = ctx.words.language as 'en-US';
    // actionOnEmptyResult: silence reaches the gather action too, and is recorded there as not acknowledged.
    const gather = vr.gather({ numDigits: 1, timeout: 8, action: base + voicePaths.gather(ctx.notice.id), method: 'POST', actionOnEmptyResult: true });
    gather.say({ language }, ctx.words.alert(vars));
    gather.say({ language }, ctx.words.prompt);
    return xml(reply, vr);
  });

  app.post<{ Params: { noticeId: string } }>('/webhooks/twilio/voice/:noticeId/gather', { schema: schemas.gather }, async (req, reply) => {
    const form = verified(req, reply);
    if (!form) return reply;
    const ctx = await contextOf(req.params.noticeId, form.CallSid);
    if (!ctx) return goodbye(reply, undefined, undefined);
    const digits = form.Digits ?? '';
    if (ctx.escalation.status !== 'open') return goodbye(reply, ctx.words, ctx.words.alreadyHandled);
    if (digits === '2') {
      const vr = new twilio.twiml.VoiceResponse();
      vr.redirect({ method: 'POST' }, base + voicePaths.twiml(ctx.notice.id));
      return xml(reply, vr);
    }
    if (digits === '1') {
      const acked = await acknowledge(deps.db, { clinicId: ctx.clinic.id, id: ctx.escalation.id }, ctx.person);
      if (!acked) return goodbye(reply, ctx.words, ctx.words.alreadyHandled);
      observeAcknowledgement(deps.metrics, acked, 'voice');
      await addTimeline(deps.db, [{ clinicId: acked.clinicId, patientId: acked.patientId, kind: 'escalation.acknowledged',
        detail: { escalationId: acked.id, code: acked.code, by: ctx.person, via: 'voice' } }]);
      log.info({ clinicId: acked.clinicId, escalationId: acked.id }, 'escalation acknowledged by phone');
      await enqueueEndCalls(deps.queues, acked.id).catch((err: Error) => log.warn({ escalationId: acked.id, err: err.message }, 'could not queue hanging up the other calls'));
      return goodbye(reply, ctx.words, ctx.words.acknowledged(acked.code));
    }
    await note(ctx, { status: 'not-acknowledged', pressed: digits === '' ? 'nothing' : 'another key' });
    return goodbye(reply, ctx.words, ctx.words.notAcknowledged);
  });

  app.post<{ Params: { noticeId: string } }>('/webhooks/twilio/voice/:noticeId/status', { schema: schemas.status }, async (req, reply) => {
    const form = verified(req, reply);
    if (!form) return reply;
    const status = form.CallStatus ?? '';
    const ctx = await contextOf(req.params.noticeId, form.CallSid);
    if (!ctx) {
      log.warn({ noticeId: req.params.noticeId, status }, 'status of an unknown call');
      return reply.status(204).send();
    }
    if (finalStatuses.has(status) && form.To) await calls.release(form.To, form.CallSid);
    if ((await recordCallStatus(deps.db, ctx.notice.id, status)) && shownStatuses.has(status)) {
      await note(ctx, { status, ...(form.AnsweredBy ? { answeredBy: form.AnsweredBy } : {}), ...(form.CallDuration ? { seconds: Number(form.CallDuration) } : {}) });
    }
    log.info({ clinicId: ctx.clinic.id, escalationId: ctx.escalation.id, noticeId: ctx.notice.id, status }, 'call status');
    return reply.status(204).send();
  });
};
