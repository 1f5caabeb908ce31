// npm run eval:replies [file.jsonl ...]: per-class precision and recall, per-family recall, the
// confusion matrix and every miss, on the held-out splits (or the files named).
import { existsSync } from 'node:fs';
import { corpusUrl, LABELS, readCorpus } from './reply-corpus.ts';
import { evaluate } from './reply-evaluation.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const names = process.argv.slice(2).length ? process.argv.slice(2) : ['heldout.jsonl', 'heldout-2.jsonl'].filter((n) => existsSync(corpusUrl(n)));
if (names.length === 0) console.log('no held-out split yet: name a file, e.g. npm run eval:replies train.jsonl');
for (const name of names) {
  const result = evaluate(readCorpus(corpusUrl(name)));
  console.log(`\n== ${name}: ${result.size} replies`);
  console.log(`urgent recall ${pct(result.urgentRecall)}; benign called urgent ${pct(result.benignUrgent)}; attention lines at attention or urgent ${pct(result.attentionOrHigher)}; someone else's emergency named so ${pct(result.otherSubjectRecall)}`);
  console.log('\nclass       precision  recall  n');
  for (const l of LABELS) {
    const c = result.perClass[l];
    if (c.support) console.log(`${l.padEnd(11)} ${pct(c.precision).padStart(9)} ${pct(c.recall).padStart(7)}  ${c.support}`);
  }
  console.log('\nfamily                  label      recall  at-least  n');
  for (const [f, v] of Object.entries(result.perFamily).sort((x, y) => LABELS.indexOf(x[1].label) - LABELS.indexOf(y[1].label))) {
    console.log(`${f.padEnd(23)} ${v.label.padEnd(10)} ${pct(v.recall).padStart(6)}  ${v.label === 'urgent' || v.label === 'attention' ? pct(v.atLeast).padStart(8) : '       -'}  ${v.size}`);
  }
  console.log(`\nconfusion (rows: label, columns: verdict)\n${''.padEnd(10)}${LABELS.map((l) => l.slice(0, 8).padStart(9)).join('')}`);
  for (const l of LABELS) console.log(`${l.padEnd(10)}${LABELS.map((m) => String(result.confusion[l][m]).padStart(9)).join('')}`);
  console.log(`\nmisses (${result.misses.length})`);
  for (const m of result.misses) console.log(`  ${m.line.label} -> ${m.got}  [${m.line.family}, ${m.line.lang}${m.line.plan === 'cessation' ? ', cessation' : ''}${m.line.checkinOpen ? '' : ', no check-in'}] ${JSON.stringify(m.line.text)}${m.evidence.length ? `  (${m.evidence.join('; ')})` : ''}`);
}
