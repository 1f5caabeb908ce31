import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { AftercareError } from '../lib/errors.ts';
import type { FieldCipher } from '../lib/field-cipher.ts';

/** What store functions need: parameterised queries, inside or outside a transaction. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Encrypts what people wrote before it is stored (store/field-text.ts); unset: stored as it is. */
  readonly fields?: FieldCipher;
}

export interface Db extends Sql {
  kind: 'postgres' | 'pglite';
  schema: string;
  /** Several statements at once, no parameters (migrations). */
  exec(text: string): Promise<void>;
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A PostgreSQL server, or an embedded PGlite under `dataDir`; `schema` to live in (tests give each test its own). */
export type DbOptions = (
  | { url: string; schema: string; poolSize?: number }
  | { url?: undefined; dataDir: string; schema: string }
) & { fields?: FieldCipher };

// Connection-level failures mean "the database is unreachable", which the API turns into 503.
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08003', '08006']);
function translate(err: unknown): never {
  const code = (err as { code?: string }).code;
  const message = String((err as Error).message ?? '');
  if ((code && unreachableCodes.has(code)) || /Connection terminated|not queryable|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(message))
    throw new AftercareError('database-unavailable', 'The database is unreachable; nothing was stored.');
  throw err;
}

export async function openDb(options: DbOptions): Promise<Db> {
  const { schema } = options;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const db = options.url !== undefined ? openPostgres(options.url, schema, options.poolSize) : await openPglite(options.dataDir, schema);
  const { fields } = options;
  if (!fields) return db;
  // The cipher travels with every handle, a transaction's too, so a store function finds it on its `sql`.
  return { ...db, fields, transaction: (work) => db.transaction((tx) => work({ query: tx.query, fields })) };
}

function openPostgres(url: string, schema: string, max: number | undefined): Db {
  const pool = new pg.Pool({
    connectionString: url,
    // pg's own default (10) when unset.
    ...(max === undefined ? {} : { max }),
    connectionTimeoutMillis: 3_000,
    options: `-c search_path=${schema}`,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const run: Sql['query'] = async (text, params) => {
    try {
      return (await pool.query(text, params)).rows;
    } catch (err) {
      return translate(err);
    }
  };
  return {
    kind: 'postgres',
    schema,
    query: run,
    async exec(text) {
      await run(text);
    },
    async transaction(work) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        return translate(err);
      }
      // A server restart between two statements arrives as an 'error' event: without a listener
      // it would crash the process; the failed query reports it instead.
      const onError = () => {};
      client.on('error', onError);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work({ query: async (text, params) => (await client.query(text, params)).rows });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackFailed: Error) => {
          broken = rollbackFailed;
        });
        return translate(err);
      } finally {
        client.off('error', onError);
        // A client whose connection broke is discarded, not returned to the pool.
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string, schema: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir === 'memory://' ? dataDir : `${dataDir}/pglite`);
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path = ${schema}`);
  return {
    kind: 'pglite',
    schema,
    query: async (text, params) => (await db.query(text, params)).rows as never,
    async exec(text) {
      await db.exec(text);
    },
    transaction: (work) => db.transaction((tx) => work({ query: async (text, params) => (await tx.query(text, params)).rows as never })),
    async close() {
      await db.close();
    },
  };
}
