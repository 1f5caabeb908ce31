import { LABELS, type CorpusLine, type Label } from './reply-corpus.ts';
import { classifyLine, labelOf } from './reply-verdict.ts';

// How the classifier does on a labelled split: the figures README quotes and the held-out test gates.
export interface Miss { line: CorpusLine; got: Label; evidence: string[] }
export interface Evaluation {
  size: number;
  confusion: Record<Label, Record<Label, number>>;
  perClass: Record<Label, { precision: number; recall: number; support: number }>;
  perFamily: Record<string, { label: Label; size: number; recall: number; atLeast: number }>;
  urgentRecall: number;
  benignUrgent: number;
  attentionOrHigher: number;
  otherSubjectRecall: number;
  misses: Miss[];
}

const rank: Record<Label, number> = { urgent: 3, attention: 2, review: 0, recorded: 0, 'opt-out': 0, 'opt-in': 0, help: 0 };
const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

export function evaluate(lines: readonly CorpusLine[]): Evaluation {
  const confusion = Object.fromEntries(LABELS.map((l) => [l, Object.fromEntries(LABELS.map((m) => [m, 0]))])) as Evaluation['confusion'];
  const families = new Map<string, { label: Label; size: number; right: number; atLeast: number }>();
  const misses: Miss[] = [];
  let otherRight = 0;
  let otherSize = 0;
  for (const line of lines) {
    const reply = classifyLine(line);
    const got = labelOf(reply);
    confusion[line.label][got] += 1;
    const family = families.get(line.family) ?? { label: line.label, size: 0, right: 0, atLeast: 0 };
    family.size += 1;
    if (got === line.label) family.right += 1;
    if (rank[line.label] > 0 && rank[got] >= rank[line.label]) family.atLeast += 1;
    families.set(line.family, family);
    if (line.subject === 'other' && line.label === 'urgent') {
      otherSize += 1;
      if (reply.kind === 'crisis' && reply.subject === 'other') otherRight += 1;
    }
    if (got !== line.label) misses.push({ line, got, evidence: 'evidence' in reply ? reply.evidence : [] });
  }
  const perClass = Object.fromEntries(LABELS.map((l) => {
    const support = LABELS.reduce((n, m) => n + confusion[l][m], 0);
    const predicted = LABELS.reduce((n, m) => n + confusion[m][l], 0);
    return [l, { precision: ratio(confusion[l][l], predicted), recall: ratio(confusion[l][l], support), support }];
  })) as Evaluation['perClass'];
  const benign = lines.filter((l) => l.label === 'review' || l.label === 'recorded').length;
  const benignUrgent = confusion.review.urgent + confusion.recorded.urgent;
  const attention = lines.filter((l) => l.label === 'attention').length;
  return {
    size: lines.length, confusion, perClass, misses,
    perFamily: Object.fromEntries([...families].map(([f, v]) => [f, { label: v.label, size: v.size, recall: v.right / v.size, atLeast: v.atLeast / v.size }])),
    urgentRecall: perClass.urgent.recall,
    benignUrgent: ratio(benignUrgent, benign),
    attentionOrHigher: ratio(confusion.attention.attention + confusion.attention.urgent, attention),
    otherSubjectRecall: ratio(otherRight, otherSize),
  };
}
