#!/usr/bin/env -S npx tsx
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { loadClinics } from '../config/clinics.ts';
import { loadEnv, type Env } from '../config/env.ts';
import { ConfigError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { hashPassword } from '../lib/passwords.ts';
import { openService, type Role } from '../service/index.ts';
import { exportClinics, importClinics } from '../service/clinic-transfer.ts';
import { runDemo } from '../service/demo.ts';
import { checkTemplates } from '../templates/check.ts';

const usage = `Usage: aftercare <command>

  start                     API and all workers in one process (npm start)
  api                       the HTTP API only (needs DATABASE_URL)
  worker                    workers only; run more for more throughput (needs DATABASE_URL)
  send-event <file.json>    POST an event to the running API (AFTERCARE_API_KEY, AFTERCARE_URL);
                            --now: as if the session ended this minute (a fresh event id too)
  templates check           render every template in every language and check SMS length
  demo                      a time-compressed session: messages arrive within a minute
  hash-password             read a password on standard input, print its scrypt hash (clinic staff, operator)
  clinics import <file>     save each clinic of a clinic file as its next configuration version
  clinics export [--clinic id]  print the configuration in the database as a clinic file`;

async function serve(env: Env, role: Role): Promise<void> {
  const service = await openService({ env, role });
  if (service.server) {
    const address = await service.listen();
    service.log.info({ address }, 'listening');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.log.info({ signal }, 'stopping: finishing jobs in flight');
    await service.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function sendEvent(env: Env, args: string[]): Promise<void> {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new ConfigError('Usage: aftercare send-event <file.json> [--now]');
  if (!env.AFTERCARE_API_KEY) throw new ConfigError('Set AFTERCARE_API_KEY to the clinic API key (the example clinic-a uses dev-key-clinic-a).');
  let body = readFileSync(file, 'utf8');
  // --now: as if the session ended (or the last use was) this minute, to watch a plan run today.
  if (args.includes('--now')) body = anchorAtNow(body);
  const url = `${env.AFTERCARE_URL ?? `http://${env.HOST}:${env.PORT}`}/v1/events`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${env.AFTERCARE_API_KEY}` },
    body,
  }).catch(() => {
    throw new ConfigError(`Nothing answers at ${url}: start the service first (npm start).`);
  });
  const text = await response.text();
  process.stdout.write(`${response.status} ${text}\n`);
  if (response.status !== 202) process.exitCode = 1;
}

const anchorable = z.looseObject({ id: z.string(), session: z.looseObject({}).optional(), cessation: z.looseObject({}).optional() });

function anchorAtNow(text: string): string {
  const event = anchorable.parse(JSON.parse(text));
  const now = new Date().toISOString();
  if (event.session) event.session.endedAt = now;
  if (event.cessation) event.cessation.lastUseAt = now;
  return JSON.stringify({ ...event, id: `${event.id}-${Date.now()}` });
}

function templatesCheck(env: Env): void {
  const clinics = loadClinics(env.CLINICS_FILE);
  const result = checkTemplates(
    clinics.all().map((c) => ({
      clinicId: c.id,
      namesTreatment: c.smsNamesTreatment,
      templates: [...c.plans.session, ...c.plans.cessation].map((s) => s.template),
    })),
  );
  process.stdout.write(`${result.lines.join('\n')}\n${result.ok ? 'All templates pass.' : 'Some templates fail.'}\n`);
  if (!result.ok) process.exitCode = 1;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const env = loadEnv();
  switch (command) {
    case 'start':
      return serve(env, 'all');
    case 'api':
      return serve(env, 'api');
    case 'worker':
      return serve(env, 'worker');
    case 'send-event':
      return sendEvent(env, rest);
    case 'templates':
      if (rest[0] === 'check') return templatesCheck(env);
      break;
    case 'hash-password': {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
      const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      if (password.length < 8) throw new ConfigError('A password needs at least 8 characters.');
      process.stdout.write(`${await hashPassword(password)}\n`);
      return;
    }
    case 'clinics':
      if (rest[0] === 'import' && rest[1]) {
        process.stdout.write(`${(await importClinics(env, rest[1])).join('\n')}\n`);
        return;
      }
      if (rest[0] === 'export') {
        const at = rest.indexOf('--clinic');
        process.stdout.write(`${JSON.stringify(await exportClinics(env, at >= 0 ? rest[at + 1] : undefined), null, 2)}\n`);
        return;
      }
      break;
    case 'demo':
      return runDemo(env, createLogger({ level: 'warn' }));
  }
  process.stderr.write(`${usage}\n`);
  process.exitCode = command ? 2 : 0;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Configuration problems are the user's to fix: one clear message, no stack.
  if (err instanceof ConfigError) process.stderr.write(`aftercare: ${err.message}\n`);
  else process.stderr.write(`aftercare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
