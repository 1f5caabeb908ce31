import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// CPU time by process, read from /proc (Linux): the bench's own Node process (service in-process),
// Redis, the PostgreSQL backends serving the bench's connections (found by client port, so other
// users of the same server do not count) and the bench's child processes.
const ticksPerSecond = 100;

export interface CpuTimes {
  node: number;
  redis: number;
  postgres: number;
  children: number;
}

function statOf(pid: number | string): { comm: string; ms: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat; fields[0] here is field 3.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { comm, ms: (ticks * 1000) / ticksPerSecond };
  } catch {
    return undefined;
  }
}

/** Local TCP ports of the sockets the given processes hold open. */
function localPorts(pids: number[]): Set<number> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch { /* closed meanwhile */ }
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[9] && inodes.has(cols[9])) ports.add(parseInt(cols[1]?.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}

function postgresMs(clientPids: number[]): number {
  const ports = localPorts(clientPids);
  let ms = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(entry);
    if (stat?.comm !== 'postgres') continue;
    // A backend's title names its client: "postgres: 15/main: postgres test 127.0.0.1(54322) idle".
    let title = '';
    try { title = readFileSync(`/proc/${entry}/cmdline`, 'utf8'); } catch { continue; }
    const port = /\((\d+)\)/.exec(title)?.[1];
    if (port && ports.has(Number(port))) ms += stat.ms;
  }
  return ms;
}

export interface CpuProbe {
  redisPid?: number;
  childPids: () => number[];
}

export function cpuNow(probe: CpuProbe): CpuTimes {
  const own = process.cpuUsage();
  return {
    node: (own.user + own.system) / 1000,
    redis: probe.redisPid ? (statOf(probe.redisPid)?.ms ?? 0) : 0,
    postgres: postgresMs([process.pid, ...probe.childPids()]),
    children: probe.childPids().reduce((a, pid) => a + (statOf(pid)?.ms ?? 0), 0),
  };
}

/** CPU milliseconds each part spent between two readings, per `per` units of work (e.g. per 1,000 messages). */
export function cpuPer(before: CpuTimes, after: CpuTimes, per: number): CpuTimes {
  const d = (k: keyof CpuTimes) => Math.round(((after[k] - before[k]) / per) * 1000) / 1000;
  return { node: d('node'), redis: d('redis'), postgres: d('postgres'), children: d('children') };
}
