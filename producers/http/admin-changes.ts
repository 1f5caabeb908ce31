import { clinicProblems, type Clinics, type ConfigProblem } from '../../config/clinics.ts';
import { AftercareError } from '../../lib/errors.ts';
import type { DiffEntry } from '../../lib/json-diff.ts';
import { jsonDiff } from '../../lib/json-diff.ts';
import { candidateDocuments, listClinics, saveClinicVersion, type ConfigCheck } from '../../store/clinic-config.ts';
import type { Db } from '../../store/db.ts';
import { previewConfig, type ConfigPreview } from './admin-preview.ts';

// One path for every change the admin API makes: the clinic file's validation of all clinics
// together, a new version with its diff, and the reload; or, dry, the preview and nothing else.

export interface ChangeDeps {
  db: Db;
  clinics: Clinics;
  now?: () => Date;
}

/** A problem of the clinic file, with its path made relative to the clinic's own document (`clinics.2.staff.0` → `staff.0`). */
export function documentFields(problems: ConfigProblem[], index: number): Array<{ path: string; message: string }> {
  const prefix = `clinics.${index}`;
  return problems.map(({ path, message }) => ({
    path: path === prefix ? '' : path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path,
    message,
  }));
}

export function invalidConfig(fields: Array<{ path: string; message: string }>): AftercareError {
  return new AftercareError('invalid-config', 'The clinic configuration is invalid (as the clinic file would be); nothing was changed.', { fields });
}

// Checked with the changed clinic last, so a clash with another clinic (a staff username, an SMS
// number) is the changed clinic's problem, as the file names the later of two clinics.
const checkFor = (clinicId: string): ConfigCheck => (documents) => {
  const ordered = [...documents.filter((d) => d.clinicId !== clinicId), ...documents.filter((d) => d.clinicId === clinicId)];
  const problems = clinicProblems({ clinics: ordered.map((d) => d.document) });
  if (problems.length) throw invalidConfig(documentFields(problems, ordered.length - 1));
};

const isDocument = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export type ChangeResult =
  | { dryRun: false; clinicId: string; version: number; diff: DiffEntry[] }
  | { dryRun: true; clinicId: string; version: number; diff: DiffEntry[]; preview: ConfigPreview };

/** Validates a clinic's whole new document and saves it as its next version, or (dry) previews it. */
export async function changeClinic(deps: ChangeDeps, change: { clinicId: string; document: unknown; actor: string; dryRun: boolean; create?: boolean; expectedVersion?: number }): Promise<ChangeResult> {
  const { clinicId, document } = change;
  if (!isDocument(document)) throw invalidConfig(documentFields(clinicProblems({ clinics: [document] }), 0));
  if (document.id !== undefined && document.id !== clinicId) throw invalidConfig([{ path: 'id', message: `expected "${clinicId}", the clinic being changed` }]);
  const check = checkFor(clinicId);
  if (change.create) {
    // A clinic that exists is refused as the file refuses an id listed twice.
    const all = await listClinics(deps.db);
    if (all.some((c) => c.clinicId === clinicId)) {
      const problems = clinicProblems({ clinics: [...all.map((c) => c.document), document] });
      throw invalidConfig(documentFields(problems, all.length));
    }
  }
  if (change.dryRun) {
    const all = await listClinics(deps.db);
    const documents = candidateDocuments(all, clinicId, document);
    check(documents);
    const before = all.find((c) => c.clinicId === clinicId);
    return {
      dryRun: true, clinicId, version: (before?.version ?? 0) + 1, diff: jsonDiff(before?.document, document),
      preview: previewConfig(documents.map((d) => d.document), clinicId, deps.now?.() ?? new Date()),
    };
  }
  const saved = await saveClinicVersion(deps.db, { clinicId, document, actor: change.actor, check, expectedVersion: change.expectedVersion });
  // The change is in force in this process at once; the others see the counter move within a poll.
  await deps.clinics.refresh?.();
  return { dryRun: false, clinicId, ...saved };
}

/** RFC 7386 JSON merge patch: objects merge, `null` removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isDocument(patch)) return patch;
  const result: Record<string, unknown> = isDocument(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
