import naiveBayes from 'wink-naive-bayes-text-classifier';
import type { Hit } from './lexicon.ts';
import type { Reading } from './normalise.ts';

// The statistical layer: a naive Bayes classifier (wink-naive-bayes-text-classifier) over the
// reply's stems, stem pairs and the concepts the lexicon found, trained on
// test/fixtures/replies/train.jsonl by bin/train-replies.ts. It catches wordings the rules do not
// know; the rules catch what a corpus of a thousand replies cannot teach.
export type RiskLabel = 'urgent' | 'attention' | 'benign';
export const RISK_LABELS: readonly RiskLabel[] = ['urgent', 'attention', 'benign'];

export function features(reading: Reading, hits: readonly Hit[], masked: ReadonlySet<number>): string[] {
  const stems = reading.tokens.filter((t) => !masked.has(t.index)).map((t) => (reading.lang === 'es' ? t.stemEs : t.stemEn));
  const pairs = stems.slice(1).map((s, i) => `${stems[i]}_${s}`);
  const concepts = [...new Set(hits.map((h) => `#${h.concept}`))];
  return [...stems, ...pairs, ...concepts];
}

export interface RiskClassifier { probabilities(features: readonly string[]): Record<RiskLabel, number> }

export function newTrainer() {
  const nb = naiveBayes();
  nb.defineConfig({ considerOnlyPresence: true, smoothingFactor: 0.5 });
  return {
    learn: (f: readonly string[], label: RiskLabel) => nb.learn(f, label),
    exportJSON: () => {
      nb.consolidate();
      return nb.exportJSON();
    },
  };
}

// Each label's odds against the rest (log base 2), as a probability between 0 and 1.
export function loadClassifier(json: string): RiskClassifier {
  const nb = naiveBayes();
  nb.importJSON(json);
  nb.consolidate();
  return {
    probabilities(f) {
      const result: Record<RiskLabel, number> = { urgent: 0, attention: 0, benign: 0 };
      if (f.length === 0) return result;
      for (const [label, odds] of nb.computeOdds(f)) {
        if (label in result && odds !== 0) result[label as RiskLabel] = 1 / (1 + 2 ** -odds);
      }
      return result;
    },
  };
}
