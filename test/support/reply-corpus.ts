import { readFileSync } from 'node:fs';
import { z } from 'zod';

// One labelled reply of test/fixtures/replies/*.jsonl.
export const CorpusLine = z.object({
  text: z.string(),
  label: z.enum(['urgent', 'attention', 'review', 'recorded', 'opt-out', 'opt-in', 'help']),
  family: z.string().min(1),
  lang: z.enum(['en', 'es']),
  checkinOpen: z.boolean().default(true),
  plan: z.enum(['session', 'cessation']).default('session'),
  subject: z.enum(['self', 'other']).default('self'),
});
export type CorpusLine = z.infer<typeof CorpusLine>;
export type Label = CorpusLine['label'];
export const LABELS: readonly Label[] = ['urgent', 'attention', 'review', 'recorded', 'opt-out', 'opt-in', 'help'];

export function readCorpus(url: URL): CorpusLine[] {
  return readFileSync(url, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    const parsed = CorpusLine.safeParse(JSON.parse(l));
    if (!parsed.success) throw new Error(`${url.pathname}:${i + 1}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  });
}

export const corpusUrl = (name: string): URL => new URL(`../fixtures/replies/${name}`, import.meta.url);

