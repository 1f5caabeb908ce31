import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { liveApiKeys, touchApiKey } from '../store/api-keys.ts';
import { listClinics, seedClinics, type ConfigCheck } from '../store/clinic-config.ts';
import { configVersion } from '../store/config-state.ts';
import type { Db } from '../store/db.ts';
import { resolveClinics, type ApiKeyEntry, type Clinic, type Clinics } from './clinics.ts';

// The clinics of the database, kept in memory so every caller reads them synchronously, and
// reloaded within a poll interval of any change made by any process (the counter in config_state).

export interface ClinicDirectory extends Clinics {
  /** Reloads now if the configuration moved (a change made in this process calls it at once). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface DirectoryOptions {
  db: Db;
  log: Logger;
  /** How often the counter is read; 1 s unless a test says otherwise. */
  pollMs?: number;
  /** The clinic documents a fresh database starts with (the clinic file); read only when it has none. */
  seed?: () => unknown[];
  now?: () => Date;
}

const documentSchema = z.looseObject({ id: z.string() });
const source = 'clinic configuration';

/** The check every saved document passes: the clinic file's own validation of all clinics together. */
export const checkClinicDocuments: ConfigCheck = (documents) => {
  resolveClinics({ clinics: documents.map((d) => d.document) }, source);
};

/** Documents (a clinic file's `clinics`) as changes to save. */
export function documentChanges(documents: unknown[], actor: string) {
  return documents.map((d) => {
    const document = documentSchema.parse(d);
    return { clinicId: document.id, document, actor, check: checkClinicDocuments };
  });
}

// A key is marked used at most once a minute, so authenticating stays a map lookup.
const touchEveryMs = 60_000;

export async function openClinicDirectory(options: DirectoryOptions): Promise<ClinicDirectory> {
  const { db, log } = options;
  const now = () => options.now?.() ?? new Date();
  const empty = (await listClinics(db)).length === 0;
  if (empty && options.seed && (await seedClinics(db, documentChanges(options.seed(), 'seed'))))
    log.info('clinic configuration seeded from the clinic file');

  let loaded = -1;
  let clinics: Clinics = { get: () => undefined, all: () => [] };
  let keys = new Map<string, ApiKeyEntry>();
  const touched = new Map<string, number>();

  const load = async () => {
    const version = await configVersion(db);
    if (version === loaded) return;
    const [stored, live] = await Promise.all([listClinics(db), liveApiKeys(db)]);
    if (stored.length === 0) throw new ConfigError('No clinic is configured: import a clinic file (aftercare clinics import <file>).');
    clinics = resolveClinics({ clinics: stored.map((c) => c.document) }, source, new Map(stored.map((c) => [c.clinicId, c.version])));
    keys = new Map(live.map((k) => [k.sha256, { id: k.id, clinicId: k.clinicId, name: k.name, scope: k.scope, expiresAt: k.expiresAt }]));
    if (loaded !== -1) log.info({ configVersion: version, clinics: stored.length }, 'clinic configuration reloaded');
    loaded = version;
  };
  await load();

  let failing = false;
  let running: Promise<void> | undefined;
  const refresh = () => {
    running ??= load()
      .then(() => {
        if (failing) log.info('clinic configuration readable again');
        failing = false;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    // The last good configuration stays in force while the database is away or a document fails.
    refresh().catch((err: Error) => {
      if (!failing) log.warn({ err: err.message }, 'clinic configuration not reloaded; keeping the last one');
      failing = true;
    });
  }, options.pollMs ?? 1_000);
  timer.unref();

  return {
    get: (id): Clinic | undefined => clinics.get(id),
    all: () => clinics.all(),
    documents: () => clinics.documents?.() ?? [],
    apiKey(sha256Hex) {
      const entry = keys.get(sha256Hex);
      if (!entry) return undefined;
      const at = now();
      if (at.getTime() - (touched.get(entry.id) ?? 0) >= touchEveryMs) {
        touched.set(entry.id, at.getTime());
        touchApiKey(db, entry.id, at).catch((err: Error) => log.warn({ keyId: entry.id, err: err.message }, 'API key use not recorded'));
      }
      return entry;
    },
    refresh,
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
