import { AftercareError } from './errors.ts';

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

/**
 * Group commit: calls that arrive while earlier ones are being written wait, then go together in
 * one batch, so a burst costs one transaction per batch while a lone call waits for nobody.
 * `write` answers each item with its result or an Error of its own. When a whole batch fails for
 * a reason other than an unreachable service, its items are written again one by one, so one bad
 * item fails alone.
 */
export function groupCommit<I, O>(
  write: (items: I[]) => Promise<Array<O | Error>>,
  options: { maxBatch: number; concurrency?: number },
): (item: I) => Promise<O> {
  const queue: Array<Waiting<I, O>> = [];
  const concurrency = options.concurrency ?? 2;
  let running = 0;

  const settle = (batch: Array<Waiting<I, O>>, results: Array<O | Error>) => {
    batch.forEach((w, i) => {
      const result = results[i];
      if (result instanceof Error) w.reject(result);
      else if (i < results.length) w.resolve(result as O);
      else w.reject(new Error('a batch write returned fewer results than items'));
    });
  };
  const run = async (batch: Array<Waiting<I, O>>) => {
    try {
      settle(batch, await write(batch.map((w) => w.item)));
    } catch (err) {
      if (batch.length === 1 || err instanceof AftercareError) {
        for (const w of batch) w.reject(err);
        return;
      }
      for (const w of batch) await run([w]);
    }
  };
  const pump = () => {
    while (running < concurrency && queue.length) {
      const batch = queue.splice(0, options.maxBatch);
      running++;
      void run(batch).finally(() => {
        running--;
        pump();
      });
    }
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      pump();
    });
}
