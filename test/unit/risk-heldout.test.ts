import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusUrl, readCorpus } from '../support/reply-corpus.ts';
import { evaluate } from '../support/reply-evaluation.ts';

// The gate on replies nobody here wrote (test/fixtures/replies/heldout*.jsonl, never trained on):
// no urgent reply may be missed, at most 5 % of routine replies may page someone as urgent, and a
// serious symptom must reach a human (attention or urgent) in at least 95 % of cases, overall and in
// every attention family measured on 10 replies or more.
const RISK_FAMILIES = {
  urgent: ['passive-ideation', 'active-ideation', 'method', 'intent-plan', 'preparatory', 'suicide-act', 'self-harm', 'breathing',
    'consciousness', 'chest-heart', 'stroke', 'dangerous-mixing'],
  attention: ['fainting-falls', 'perceptual-persisting', 'urinary', 'vomiting', 'severe-headache', 'blood-pressure', 'panic-anxiety',
    'no-sleep', 'relapse-craving', 'low-score'],
};
const splits = ['heldout.jsonl', 'heldout-2.jsonl'].filter((name) => existsSync(corpusUrl(name)));

describe('the reply corpus', () => {
  it('trains on at least 1,000 replies covering every family of RISK.md in both languages', () => {
    const train = readCorpus(corpusUrl('train.jsonl'));
    expect(train.length).toBeGreaterThanOrEqual(1000);
    for (const family of [...RISK_FAMILIES.urgent, ...RISK_FAMILIES.attention]) {
      for (const lang of ['en', 'es']) expect(train.filter((l) => l.family === family && l.lang === lang).length, `${family} ${lang}`).toBeGreaterThan(0);
    }
  });

  it('keeps the held-out replies out of training', () => {
    const train = new Set(readCorpus(corpusUrl('train.jsonl')).map((l) => l.text.trim().toLowerCase()));
    for (const name of splits) expect(readCorpus(corpusUrl(name)).filter((l) => train.has(l.text.trim().toLowerCase())).map((l) => l.text)).toEqual([]);
  });

  it('has a held-out split to measure', () => {
    expect(splits).toContain('heldout.jsonl');
  });
});

describe.each(splits)('held-out replies %s', (name) => {
  const result = evaluate(readCorpus(corpusUrl(name)));

  it('misses no urgent reply', () => {
    expect(result.misses.filter((m) => m.line.label === 'urgent').map((m) => `${m.line.family}: ${m.line.text} -> ${m.got}`)).toEqual([]);
    expect(result.urgentRecall).toBe(1);
  });

  it('pages at most 5 % of routine replies as urgent', () => {
    expect(result.benignUrgent).toBeLessThanOrEqual(0.05);
  });

  it('brings at least 95 % of serious symptoms to a human, and reports recall for every family it holds', () => {
    expect(result.attentionOrHigher).toBeGreaterThanOrEqual(0.95);
    for (const family of [...RISK_FAMILIES.urgent, ...RISK_FAMILIES.attention]) {
      const measured = result.perFamily[family];
      expect(measured, family).toBeDefined();
      expect(measured?.recall).toBeGreaterThanOrEqual(0);
      if (RISK_FAMILIES.attention.includes(family) && (measured?.size ?? 0) >= 10) expect(measured?.atLeast, family).toBeGreaterThanOrEqual(0.9);
    }
  });
});
