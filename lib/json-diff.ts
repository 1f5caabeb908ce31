/** One path a change touched; values are left out, so a diff never carries a secret, a phone or an email. */
export interface DiffEntry {
  path: string;
  op: 'added' | 'removed' | 'changed';
}

function leaves(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    // An empty object or array is a value of its own, so adding `[]` is seen.
    if (entries.length === 0 && path) out.set(path, JSON.stringify(value));
    for (const [key, v] of entries) leaves(v, path ? `${path}.${key}` : key, out);
  } else if (value !== undefined) out.set(path, JSON.stringify(value));
  return out;
}

/** The leaf paths (`staff.0.name`, `quietHours.start`) that differ between two JSON documents, sorted. */
export function jsonDiff(before: unknown, after: unknown): DiffEntry[] {
  const a = leaves(before, '', new Map());
  const b = leaves(after, '', new Map());
  const diff: DiffEntry[] = [];
  for (const [path, value] of b) {
    if (!a.has(path)) diff.push({ path, op: 'added' });
    else if (a.get(path) !== value) diff.push({ path, op: 'changed' });
  }
  for (const path of a.keys()) if (!b.has(path)) diff.push({ path, op: 'removed' });
  return diff.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
