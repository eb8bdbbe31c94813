import { gzipSync } from 'node:zlib';
import { stageStreamBatch } from '@ddb-athena-sync/core/stream/stage-batch';
import { books } from '@ddb-athena-sync/schemas/tables';
import { booksStreamBatches } from './src/bench/books-stream-records.ts';
const batches = booksStreamBatches({ records: 20000, batchSizes: [100, 250, 500, 1000] });
const deps = { store: { putObject: () => Promise.resolve() }, now: () => 1795767600_000 };
const t0 = performance.now();
for (let k = 0; k < 6; k++) for (const b of batches) { const e = JSON.parse(b.eventJson); await stageStreamBatch(e.Records, { table: books }, deps); }
console.log('real', performance.now() - t0);
void gzipSync;
