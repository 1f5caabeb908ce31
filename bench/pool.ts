/** Runs fn(0..count-1) with at most `inflight` calls outstanding, like a producer with a bounded window. */
export async function runPool(count: number, inflight: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, lane));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until check() is true; throws with the label and the last progress note on timeout. */
export async function waitUntil(label: string, check: () => Promise<boolean | string>, timeoutMs: number, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: boolean | string = false;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}${typeof last === 'string' ? ` (${last})` : ''}`);
    await sleep(intervalMs);
  }
}
