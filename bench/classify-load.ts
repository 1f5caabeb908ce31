// Run in a fresh process by bench/cases/classify.ts: how long the reply classifier (rules and the
// trained model) takes to load at start, including the TypeScript transform tsx does at run time.
const started = performance.now();
const { classifyReply } = await import('../core/classify-reply.ts');
const loaded = performance.now();
classifyReply('warm-up reply', { checkinOpen: true });
process.stdout.write(JSON.stringify({ loadMs: loaded - started }));
