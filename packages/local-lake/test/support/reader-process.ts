/**
 * A reader in its own process: queries the lake continuously for `durationMs` and prints one JSON
 * line {reads, failures, errors, violations}. A violation is a state no commit ever produced:
 * a key visible twice (half of an update).
 * Usage: node --import tsx reader-process.ts <root> <durationMs>
 */
import { Lake } from '../../src/lake.js';

const [root, duration] = process.argv.slice(2);
const lake = await Lake.open({ root: root! });
await lake.query('SELECT 1');
process.stdout.write('ready\n');
const until = Date.now() + Number(duration);
let reads = 0;
let failures = 0;
let violations = 0;
const errors: string[] = [];
while (Date.now() < until) {
  try {
    const [row] = await lake.query(
      'SELECT count(*) AS n, count(DISTINCT id) AS k, max(_seq) AS s FROM books',
    );
    if (row!.n !== row!.k) violations++;
    reads++;
  } catch (error) {
    failures++;
    if (errors.length < 5) errors.push(String(error));
  }
}
lake.close();
process.stdout.write(`${JSON.stringify({ reads, failures, violations, errors })}\n`);
