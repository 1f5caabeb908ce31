import { describe, expect, it } from 'vitest';
import { AftercareError } from '../../lib/errors.ts';
import { groupCommit } from '../../lib/group-commit.ts';

/** A write that records each batch it was given and answers when released. */
function recordingWrite() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const write = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((release) => gates.push(release));
    return items.map((n) => (n < 0 ? new Error(`negative ${n}`) : n * 10));
  };
  const releaseAll = () => {
    while (gates.length) gates.shift()!();
  };
  return { batches, write, releaseAll };
}

describe('groupCommit', () => {
  it('writes a lone call at once and groups the calls that arrive while it is in flight', async () => {
    const w = recordingWrite();
    const call = groupCommit(w.write, { maxBatch: 100, concurrency: 1 });
    const first = call(1);
    const rest = [2, 3, 4, 5].map((n) => call(n));
    expect(w.batches).toEqual([[1]]);
    w.releaseAll();
    expect(await first).toBe(10);
    // The four that waited went together, in arrival order.
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1], [2, 3, 4, 5]]);
    w.releaseAll();
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 50]);
  });

  it('never puts more than maxBatch items in one write', async () => {
    const w = recordingWrite();
    const call = groupCommit(w.write, { maxBatch: 3, concurrency: 1 });
    const all = Array.from({ length: 8 }, (_, i) => call(i));
    for (let i = 0; i < 4; i++) {
      w.releaseAll();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(all)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(w.batches.map((b) => b.length)).toEqual([1, 3, 3, 1]);
  });

  it('answers an item with its own error and the others with their results', async () => {
    const call = groupCommit(async (items: number[]) => items.map((n) => (n < 0 ? new Error(`negative ${n}`) : n)), { maxBatch: 10 });
    const answers = await Promise.all([1, -2, 3].map((n) => call(n).then((v) => v, (err: Error) => err.message)));
    expect(answers).toEqual([1, 'negative -2', 3]);
  });

  it('writes a failed batch again one item at a time, so one bad item fails alone', async () => {
    const batches: number[][] = [];
    const call = groupCommit(async (items: number[]) => {
      batches.push(items);
      if (items.includes(13)) throw new Error('invalid byte sequence');
      return items;
    }, { maxBatch: 10, concurrency: 1 });
    const answers = await Promise.all([1, 2, 13, 4].map((n) => call(n).then((v) => v, (err: Error) => err.message)));
    expect(answers).toEqual([1, 2, 'invalid byte sequence', 4]);
    expect(batches).toContainEqual([2, 13, 4]);
    expect(batches).toContainEqual([13]);
  });

  it('fails the whole batch at once when the service is unreachable, without retrying each item', async () => {
    let writes = 0;
    const call = groupCommit(async (items: number[]) => {
      writes++;
      if (items.length) throw new AftercareError('database-unavailable', 'The database is unreachable; nothing was stored.');
      return items;
    }, { maxBatch: 10, concurrency: 1 });
    const answers = await Promise.all([1, 2, 3].map((n) => call(n).then(() => 'ok', (err: AftercareError) => err.code)));
    expect(answers).toEqual(['database-unavailable', 'database-unavailable', 'database-unavailable']);
    // One for the first call, one for the two that waited: none one by one.
    expect(writes).toBe(2);
  });
});
