import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.ts';

// Real `aftercare` processes for the fault suite: started, killed, frozen and restarted by the test,
// with every line they print kept, so a test can check no log line names a person.

const projectDir = fileURLToPath(new URL('../..', import.meta.url));

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AftercareProcess {
  name: string;
  command: string;
  child: ChildProcess;
  /** Every line printed on stdout and stderr, in order. */
  lines: string[];
  exit: Promise<ExitStatus>;
  running(): boolean;
  /** Sends the signal and waits for the process to exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
}

export interface ProcessGroup {
  /** Every process started, dead or alive: their lines stay readable. */
  all: AftercareProcess[];
  start(name: string, command: 'worker' | 'api' | 'start', env: Record<string, string>): AftercareProcess;
  /** Every line any process of the group printed. */
  lines(): string[];
  /** The last lines of each process, for a failure message. */
  tail(count?: number): string;
  /** Kills what is still running (SIGTERM, then SIGKILL). */
  stopAll(): Promise<void>;
}

function launch(name: string, command: string, env: Record<string, string>): AftercareProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/aftercare.ts', command], {
    cwd: projectDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
    });
    stream?.on('end', () => {
      if (rest) lines.push(rest);
      rest = '';
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exit = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const proc: AftercareProcess = {
    name,
    command,
    child,
    lines,
    exit,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (!proc.running()) return exit;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const status = await exit;
      clearTimeout(timer);
      return status;
    },
  };
  return proc;
}

export function processGroup(): ProcessGroup {
  const all: AftercareProcess[] = [];
  return {
    all,
    start(name, command, env) {
      const proc = launch(name, command, env);
      all.push(proc);
      return proc;
    },
    lines: () => all.flatMap((p) => p.lines),
    tail(count = 15) {
      return all.map((p) => `--- ${p.name} (${p.running() ? 'running' : `exited ${p.child.exitCode ?? p.child.signalCode}`})\n${p.lines.slice(-count).join('\n')}`).join('\n');
    },
    async stopAll() {
      await Promise.all(all.map((p) => {
        // A frozen process ignores SIGTERM until continued.
        if (p.running()) p.child.kill('SIGCONT');
        return p.stop('SIGTERM', 5_000);
      }));
    },
  };
}

/** Fails as soon as the process exits, with its last lines. */
function exitFailure(proc: AftercareProcess, what: string): Promise<never> {
  return proc.exit.then((status) => {
    throw new Error(`${proc.name} exited (${status.code ?? status.signal}) before ${what}:\n${proc.lines.slice(-10).join('\n')}`);
  });
}

/** Waits for a worker process to log that its workers run; fails early if it exits. */
export async function workerReady(proc: AftercareProcess, timeoutMs = 30_000): Promise<void> {
  await Promise.race([
    waitFor(`${proc.name} to start its workers`, () => proc.lines.some((l) => l.includes('"workers started"')), timeoutMs),
    exitFailure(proc, 'starting its workers'),
  ]);
}

/** Waits for an API process to listen and returns its base URL. */
export async function apiReady(proc: AftercareProcess, timeoutMs = 30_000): Promise<string> {
  const address = () => {
    for (const line of proc.lines) {
      const match = /"address":"(http:\/\/[^"]+)"/.exec(line);
      if (match?.[1]) return match[1];
    }
    return undefined;
  };
  return Promise.race([waitFor(`${proc.name} to listen`, address, timeoutMs), exitFailure(proc, 'listening')]);
}
