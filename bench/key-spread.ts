import { Redis } from 'ioredis';

export interface KeySpread {
  /** Busiest over least loaded master; null when a master holds nothing (the spread is then infinite). */
  spread: number | null;
  busiestShare: number;
  leastShare: number;
}

/** How evenly bytes sit on the masters. */
export function keySpread(perMaster: number[]): KeySpread {
  const total = perMaster.reduce((a, b) => a + b, 0);
  const max = Math.max(...perMaster);
  const min = Math.min(...perMaster);
  const share = (n: number) => (total > 0 ? Math.round((n / total) * 1000) / 1000 : 0);
  return { spread: min > 0 ? Math.round((max / min) * 100) / 100 : null, busiestShare: share(max), leastShare: share(min) };
}

export interface MasterKeys {
  port: number;
  keys: number;
  /** MEMORY USAGE summed over the master's keys. */
  bytes: number;
  /** Of which the steps queues' keys (those QUEUE_PARTITIONS spreads). */
  stepKeys: number;
  stepBytes: number;
}

/** Every key on each master of a cluster (the case's own, so all of it is the load's). */
export async function keysOnMasters(ports: number[]): Promise<MasterKeys[]> {
  const out: MasterKeys[] = [];
  for (const port of ports) {
    const node = new Redis({ host: '127.0.0.1', port });
    try {
      const m: MasterKeys = { port, keys: 0, bytes: 0, stepKeys: 0, stepBytes: 0 };
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'COUNT', 1000);
        cursor = next;
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
        const sizes = (await pipeline.exec()) ?? [];
        keys.forEach((key, i) => {
          const bytes = Number(sizes[i]?.[1]) || 0;
          const step = key.includes('}:steps:');
          m.keys++; m.bytes += bytes;
          if (step) m.stepKeys++, m.stepBytes += bytes;
        });
      } while (cursor !== '0');
      out.push(m);
    } finally {
      node.disconnect();
    }
  }
  return out;
}

/** Empties every master between two loads. */
export async function flushMasters(ports: number[]): Promise<void> {
  for (const port of ports) {
    const node = new Redis({ host: '127.0.0.1', port });
    try {
      await node.flushall();
    } finally {
      node.disconnect();
    }
  }
}
