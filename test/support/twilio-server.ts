import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import twilio from 'twilio';
import { callPlayer, callResource, type CallScript, type DeliverWebhook, type RecordedCall } from './twilio-calls.ts';

export type { CallScript, DeliverWebhook, RecordedCall } from './twilio-calls.ts';

/** A local stand-in for Twilio's REST API: just enough of the Messages and Calls resources for the real SDK. */

export type TwilioFault =
  | { status: number; code?: number; message?: string }
  /** Record the message, then drop the socket without answering (accepted, then hung up). */
  | { hang: true }
  /** Record the message, then answer normally after a delay. */
  | { delayMs: number };

export interface RecordedMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  receivedAt: Date;
}

export interface TwilioServer {
  url: string;
  messages: RecordedMessage[];
  /** Every authenticated API request, in arrival order. */
  requests: Array<{ method: string; path: string }>;
  failNext(...faults: TwilioFault[]): void;
  /** Calls placed, in order (test/support/twilio-calls.ts); SMS faults and `requests` leave them alone. */
  calls: RecordedCall[];
  callRequests: Array<{ method: string; path: string; status?: string }>;
  /** What happens to each new call; without a script a call stays queued and nothing is played. */
  scriptCalls(choose: (call: RecordedCall) => CallScript | undefined): void;
  /** Where calls post their webhooks (default: fetch to the URL itself); tests route them into the service. */
  deliverWebhooks(deliver: DeliverWebhook): void;
  close(): Promise<void>;
}

const messagesPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const callsPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\/(CA[0-9a-f]{32}))?\.json$/;
const pageSizeDefault = 50;

// Twilio dates are RFC 2822 in GMT with a numeric zone: "Mon, 16 Aug 2010 03:45:01 +0000".
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function resource(accountSid: string, m: RecordedMessage, listed: boolean) {
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.receivedAt),
    // A created message is queued with no send date; by the time it is listed it has gone to the carrier.
    date_sent: listed ? rfc2822(m.receivedAt) : null,
    date_updated: rfc2822(m.receivedAt),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: listed ? 'sent' : m.from === null ? 'accepted' : 'queued',
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
    to: m.to,
    uri,
  };
}

/** `DateSent` filters are whole GMT days: "YYYY-MM-DD" or a full timestamp, of which only the date counts. */
function utcDay(value: string | null): string | undefined {
  const day = value?.slice(0, 10);
  return day !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : undefined;
}

export async function startTwilioServer(options: { accountSid: string; authToken: string }): Promise<TwilioServer> {
  const { accountSid, authToken } = options;
  const messages: RecordedMessage[] = [];
  const requests: Array<{ method: string; path: string }> = [];
  const faults: TwilioFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const player = callPlayer(accountSid, authToken);
  const callRequests: Array<{ method: string; path: string; status?: string }> = [];

  async function handleCalls(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, path: string): Promise<void> {
    const form = new URLSearchParams(req.method === 'POST' ? await readBody(req) : '');
    if (req.headers.authorization !== expectedAuth || match[1] !== accountSid) return sendJson(res, 401, errorBody(401, 20003, 'Authenticate'));
    callRequests.push({ method: req.method ?? 'GET', path, ...(form.get('Status') ? { status: form.get('Status')! } : {}) });
    const sid = match[2];
    if (sid === undefined) {
      if (req.method !== 'POST') return sendJson(res, 404, errorBody(404, 20404, 'The requested resource was not found'));
      const created = player.create(form);
      if ('error' in created) return sendJson(res, created.error.status, errorBody(created.error.status, created.error.code, created.error.message));
      return sendJson(res, 201, callResource(accountSid, created));
    }
    const call = player.calls.find((c) => c.sid === sid);
    if (!call) return sendJson(res, 404, errorBody(404, 20404, `The requested resource ${path} was not found`));
    if (req.method === 'POST') player.update(call, form.get('Status'));
    return sendJson(res, 200, callResource(accountSid, call));
  }

  function create(form: URLSearchParams, res: ServerResponse, fault: TwilioFault | undefined): void {
    const to = form.get('To');
    const from = form.get('From');
    const messagingServiceSid = form.get('MessagingServiceSid');
    const body = form.get('Body');
    if (!to) return sendJson(res, 400, errorBody(400, 21604, "A 'To' phone number is required."));
    if (!from && !messagingServiceSid) return sendJson(res, 400, errorBody(400, 21603, "A 'From' phone number is required."));
    if (!body) return sendJson(res, 400, errorBody(400, 21602, 'Message body is required.'));
    const message: RecordedMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from,
      messagingServiceSid,
      body,
      statusCallback: form.get('StatusCallback'),
      receivedAt: new Date(),
    };
    messages.push(message);
    if (fault !== undefined && 'hang' in fault) {
      res.socket?.destroy();
      return;
    }
    const answer = () => sendJson(res, 201, resource(accountSid, message, false));
    if (fault !== undefined && 'delayMs' in fault) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer();
      }, fault.delayMs);
      timers.add(timer);
      return;
    }
    answer();
  }

  function list(query: URLSearchParams, res: ServerResponse): void {
    const to = query.get('To');
    const from = query.get('From');
    const on = utcDay(query.get('DateSent'));
    const onOrAfter = utcDay(query.get('DateSent>'));
    const onOrBefore = utcDay(query.get('DateSent<'));
    const pageSize = Number(query.get('PageSize') ?? pageSizeDefault) || pageSizeDefault;
    const page = Number(query.get('Page') ?? 0) || 0;
    const matching = messages
      .filter((m) => {
        const day = m.receivedAt.toISOString().slice(0, 10);
        return (
          (to === null || m.to === to) &&
          (from === null || m.from === from) &&
          (on === undefined || day === on) &&
          (onOrAfter === undefined || day >= onOrAfter) &&
          (onOrBefore === undefined || day <= onOrBefore)
        );
      })
      .reverse(); // newest first, as Twilio lists them
    const start = page * pageSize;
    const slice = matching.slice(start, start + pageSize);
    const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
    const pageUri = (n: number) => {
      const q = new URLSearchParams(query);
      q.set('PageSize', String(pageSize));
      q.set('Page', String(n));
      return `${base}?${q.toString()}`;
    };
    sendJson(res, 200, {
      end: start + Math.max(slice.length - 1, 0),
      first_page_uri: pageUri(0),
      messages: slice.map((m) => resource(accountSid, m, true)),
      next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: pageUri(page),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const callMatch = callsPath.exec(url.pathname);
    if (callMatch !== null) return handleCalls(req, res, callMatch, url.pathname);
    const match = messagesPath.exec(url.pathname);
    if (match === null || (req.method !== 'POST' && req.method !== 'GET')) {
      return sendJson(res, 404, errorBody(404, 20404, 'The requested resource was not found'));
    }
    const form = new URLSearchParams(req.method === 'POST' ? await readBody(req) : '');
    if (req.headers.authorization !== expectedAuth || match[1] !== accountSid) {
      return sendJson(res, 401, errorBody(401, 20003, 'Authenticate'));
    }
    requests.push({ method: req.method, path: url.pathname });
    const fault = faults.shift();
    if (fault !== undefined && 'status' in fault) {
      const code = fault.code ?? 20000 + fault.status; // Twilio's generic codes: 20429, 20500, ...
      return sendJson(res, fault.status, errorBody(fault.status, code, fault.message ?? `Scripted failure ${code}`));
    }
    if (req.method === 'POST') return create(form, res, fault);
    if (fault !== undefined && 'hang' in fault) {
      res.socket?.destroy();
      return;
    }
    list(url.searchParams, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, 20500, 'Internal Server Error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake Twilio is not listening on TCP');

  return {
    url: `http://127.0.0.1:${address.port}`,
    messages,
    requests,
    failNext: (...next) => void faults.push(...next),
    calls: player.calls,
    callRequests,
    scriptCalls: (choose) => player.script(choose),
    deliverWebhooks: (deliver) => player.deliverWebhooks(deliver),
    close: async () => {
      player.close();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The `X-Twilio-Signature` Twilio would send for a form post of `params` to `url`. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
