// Run as a child process by test/faults/postgres-restart.test.ts: opens a transaction on the
// PostgreSQL at argv[2], says `in-transaction`, waits for a line on stdin (the test restarts the
// server meanwhile), then tries to go on. Prints how the transaction ended; a crash shows as the
// process dying instead.
import { openDb } from '../../store/db.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: transaction-across-restart.ts <postgres url>');
const db = await openDb({ url, schema: 'public', poolSize: 1 });
let release = () => {};
const gate = new Promise<void>((resolve) => {
  release = resolve;
});
process.stdin.once('data', () => release());
const outcome = await db
  .transaction(async (tx) => {
    await tx.query('SELECT 1');
    process.stdout.write('in-transaction\n');
    await gate;
    await tx.query('SELECT 1');
  })
  .then(
    () => 'committed',
    (err: unknown) => `rejected ${err instanceof Error && 'code' in err ? String(err.code) : String(err)}`,
  );
process.stdout.write(`${outcome}\n`);
await db.close().catch(() => {});
process.exit(0);
