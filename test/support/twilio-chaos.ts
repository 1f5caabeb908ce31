import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A fault-injecting proxy in front of the local Twilio server (test/support/twilio-server.ts).
 * Each API request is matched by a rule on its recipient and attempt number, so a scenario can
 * say "the first two sends to this patient get a 500" whatever order the workers send in.
 */

export type ChaosAction =
  /** Pass the request on to Twilio; optionally hold Twilio's answer back (accepted, not yet confirmed). */
  | { forward: true; answerAfterMs?: number }
  /** Answer with a Twilio error without passing the request on (nothing is created). */
  | { status: number; code: number }
  /** Pass the request on (Twilio creates the message), then never answer: the client times out. */
  | { hang: true };

export interface ChaosRequest {
  method: string;
  /** The `To` of a create, or of a list lookup. */
  to: string | null;
  /** The `From` of a create: each worker process may send from its own number. */
  from: string | null;
  /** 1 for the first create to this recipient, 2 for the second, ... (0 for lookups). */
  attempt: number;
}

export interface ChaosRecord extends ChaosRequest {
  at: Date;
  action: 'forward' | 'error' | 'hang';
}

export interface TwilioChaos {
  url: string;
  requests: ChaosRecord[];
  /** Replaces the rule; the default forwards everything at once. */
  setRule(rule: (req: ChaosRequest) => ChaosAction): void;
  close(): Promise<void>;
}

const forward: ChaosAction = { forward: true };

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

export async function startTwilioChaos(targetUrl: string): Promise<TwilioChaos> {
  let rule: (req: ChaosRequest) => ChaosAction = () => forward;
  const requests: ChaosRecord[] = [];
  const attempts = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const form = new URLSearchParams(method === 'POST' ? body.toString('utf8') : '');
    const to = method === 'POST' ? form.get('To') : url.searchParams.get('To');
    const from = form.get('From');
    const attempt = method === 'POST' && to !== null ? (attempts.get(to) ?? 0) + 1 : 0;
    if (method === 'POST' && to !== null) attempts.set(to, attempt);
    const action = rule({ method, to, from, attempt });
    if ('status' in action) {
      requests.push({ method, to, from, attempt, at: new Date(), action: 'error' });
      res.writeHead(action.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: action.code, message: `Scripted failure ${action.code}`, more_info: '', status: action.status }));
      return;
    }
    requests.push({ method, to, from, attempt, at: new Date(), action: 'hang' in action ? 'hang' : 'forward' });
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept', 'user-agent']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(targetUrl + (req.url ?? '/'), { method, headers, body: method === 'POST' ? body : undefined });
    const text = await answer.text();
    const reply = () => {
      held.delete(res);
      if (res.destroyed) return;
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    };
    if ('hang' in action) {
      // Accepted upstream, never confirmed: the socket stays open until the client gives up.
      held.add(res);
      return;
    }
    if (action.answerAfterMs) {
      held.add(res);
      const timer = setTimeout(() => {
        timers.delete(timer);
        reply();
      }, action.answerAfterMs);
      timers.add(timer);
      return;
    }
    reply();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Twilio chaos proxy is not listening on TCP');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    setRule(next) {
      rule = next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
