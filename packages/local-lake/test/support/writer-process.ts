/**
 * A writer in its own process: merges batches of new keys as fast as it can and prints
 * `committed <batch>` after each merge returns. The test kills it with SIGKILL at a random moment.
 * Usage: node --import tsx writer-process.ts <root>
 */
import { Lake } from '../../src/lake.js';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

const [root] = process.argv.slice(2);
const lake = await Lake.open({ root: root! });
for (let batch = 0; ; batch++) {
  const rows: StagingRow[] = Array.from({ length: 5 }, (_, i) => ({
    id: `w${batch}-${i}`,
    name: 'killed writer',
    author: null,
    summary: null,
    published_at: null,
    _op: 'upsert',
    _seq: String(1_000_000 + batch).padStart(40, '0'),
    _event_time: '2024-01-01 00:00:00.000000',
    _source: 'stream',
  }));
  await lake.merge('books', rows);
  process.stdout.write(`committed ${batch}\n`);
}
