import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface ClusterNode {
  host: string;
  port: number;
}

/** A single Redis or a Redis Cluster: BullMQ and this service use either the same way. */
export type RedisClient = Redis | Cluster;

/**
 * The nodes of a Redis Cluster, from `redis+cluster://host:port,host:port` (or
 * REDIS_CLUSTER_NODES); undefined for a plain Redis URL.
 */
export function clusterNodes(url: string, nodes?: string): ClusterNode[] | undefined {
  const list = nodes ?? (url.startsWith('redis+cluster://') ? url.slice('redis+cluster://'.length).replace(/\/.*$/, '') : undefined);
  if (!list) return undefined;
  return list.split(',').filter(Boolean).map((hostPort) => {
    const [host = '127.0.0.1', port = '6379'] = hostPort.trim().split(':');
    return { host, port: Number(port) };
  });
}

/**
 * Workers wait for Redis forever (BullMQ requires maxRetriesPerRequest: null); the API fails
 * fast instead, because an event is already safe in PostgreSQL and the reconciler enqueues it later.
 */
export function connectRedis(url: string, role: 'worker' | 'producer', nodes?: ClusterNode[]): RedisClient {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const retryStrategy = (times: number) => Math.min(times * 200, 2_000);
  if (nodes) {
    return new Cluster(nodes, {
      redisOptions: options,
      clusterRetryStrategy: retryStrategy,
      enableOfflineQueue: role === 'worker',
      ...(role === 'worker' ? {} : { maxRetriesPerRequest: 1 }),
    });
  }
  return new Redis(url, { ...options, lazyConnect: false, retryStrategy });
}

/** True when something answers PING at the URL (or at one of the cluster's nodes) within the timeout. */
export async function redisAnswers(url: string, timeoutMs = 1_000, nodes?: ClusterNode[]): Promise<boolean> {
  const targets = nodes ?? [undefined];
  for (const node of targets) {
    const client = node
      ? new Redis({ host: node.host, port: node.port, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null })
      : new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return true;
    } catch {
      // try the next node
    } finally {
      client.disconnect();
    }
  }
  return false;
}
