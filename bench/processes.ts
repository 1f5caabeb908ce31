import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './harness.ts';
import { sleep } from './pool.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  process: ChildProcess;
  /** Everything the child wrote, for the error message when it dies early. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A TypeScript entry point under tsx in its own Node process, with exactly `env` (nothing inherited,
 * so a bench never picks up the caller's DATABASE_URL by accident) and the context's node flags.
 */
export function spawnTsx(ctx: BenchContext, script: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [...ctx.childFlags, '--import', 'tsx', script, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid) ctx.children.add(pid);
  child.once('exit', () => { if (pid) ctx.children.delete(pid); });
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    process: child,
    output: () => text,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(15_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Waits until check() holds; fails at once with the child's output if the child exits first. */
export async function waitForChild(child: Child, label: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null) throw new Error(`${label}: process exited with ${child.process.exitCode}:\n${child.output()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${label}: not ready after ${timeoutMs} ms:\n${child.output()}`);
    await sleep(100);
  }
}
