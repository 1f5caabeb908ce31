import pg from 'pg';
import type { Redis } from 'ioredis';

// Round trips are what a message costs most here (each is a syscall and a wake-up of another
// process on two cores), so the bench counts them: PostgreSQL queries sent by this process
// (pg.Client.prototype.query, wrapped once) and commands Redis executed (INFO commandstats).
let pgQueries = 0;
let wrapped = false;

export function countPgQueries(): void {
  if (wrapped) return;
  wrapped = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function counted(this: unknown, ...args: unknown[]) {
    pgQueries++;
    return original.apply(this, args);
  };
}

export function pgQueriesSoFar(): number {
  return pgQueries;
}

/** Commands Redis has executed since it started, by command (calls), and in total. */
export async function redisCommands(redis: Redis): Promise<{ total: number; byCommand: Record<string, number> }> {
  const info = await redis.info('commandstats');
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const calls = Number(match[2]);
    byCommand[match[1]!] = calls;
    total += calls;
  }
  return { total, byCommand };
}

export interface TripCounter {
  /** Round trips since start(), per unit of work: PostgreSQL queries of this process, Redis commands (all clients). */
  per(units: number): Promise<{ pgQueries: number; redisCommands: number; redisByCommand: Record<string, number> }>;
}

export async function startTrips(redis: Redis): Promise<TripCounter> {
  const pg0 = pgQueries;
  const r0 = await redisCommands(redis);
  return {
    async per(units) {
      const r1 = await redisCommands(redis);
      const byCommand: Record<string, number> = {};
      for (const [k, v] of Object.entries(r1.byCommand)) {
        const d = v - (r0.byCommand[k] ?? 0);
        if (d > 0) byCommand[k] = Math.round((d / units) * 100) / 100;
      }
      return {
        pgQueries: Math.round(((pgQueries - pg0) / units) * 100) / 100,
        redisCommands: Math.round(((r1.total - r0.total) / units) * 100) / 100,
        redisByCommand: byCommand,
      };
    },
  };
}
