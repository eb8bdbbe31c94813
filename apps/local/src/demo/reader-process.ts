// A reader of the local lake in its own process (its own DuckDB), like an Athena user querying
// while merges and Firehose deliveries commit. It runs queries back to back against the current
// snapshot, and prints one JSON line per second: {"total": n, "failed": n, "errors": [...]}.
// Usage: node --import tsx reader-process.ts <lake-dir> [pause-ms] [athena-endpoint athena-database]
// With an Athena endpoint (`--engine trino`), queries of merge tables go through the Athena stand-in.
import { isStagedMode } from '@ddb-athena-sync/schemas/declaration';
import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { tables } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { AthenaReader, routedReader } from './athena-reader.js';

const EXAMPLE_QUERIES: Record<string, readonly string[]> = {
  books: [
    'SELECT count(*) AS n FROM books',
    'SELECT id, name, author, published_at FROM books ORDER BY id LIMIT 20',
  ],
  orders: [
    'SELECT count(*) AS n, sum(total) AS revenue FROM orders',
    'SELECT currency, count(*) AS n FROM orders GROUP BY currency',
    'SELECT o.customer_id, count(*) AS n FROM orders AS o GROUP BY o.customer_id ORDER BY n DESC LIMIT 5',
  ],
};

// The stack's tables (set by ReaderPool when the demo runs on declared tables other than the
// examples): books and orders get their queries, any other table a generic count.
const declared =
  process.env.DDB_ATHENA_SYNC_DEMO_TABLES === undefined
    ? [...tables.values()].map((t) => ({ name: t.name, staged: isStagedMode(t.mode) }))
    : (JSON.parse(process.env.DDB_ATHENA_SYNC_DEMO_TABLES) as { name: string; staged: boolean }[]);
const QUERIES = declared.flatMap(
  (t) => EXAMPLE_QUERIES[t.name] ?? [`SELECT count(*) AS n FROM ${assertIdentifier(t.name, 'table')}`],
);

const root = process.argv[2];
if (root === undefined) {
  process.stderr.write('usage: reader-process.ts <lake-dir>\n');
  process.exit(2);
}
const pauseMs = Number(process.argv[3] ?? 500);
const lake = await Lake.open({ root });
const athenaEndpoint = process.argv[4];
const reader =
  athenaEndpoint === undefined
    ? lake
    : routedReader(
        lake,
        new AthenaReader(athenaEndpoint, process.argv[5] ?? 'default'),
        new Set(declared.filter((t) => t.staged).map((t) => t.name)),
      );
let total = 0;
let failed = 0;
let errors: string[] = [];
let stopping = false;
const report = (): void => {
  process.stdout.write(`${JSON.stringify({ total, failed, errors })}\n`);
  errors = [];
};
const timer = setInterval(report, 1000);
report();
const stop = (): void => {
  stopping = true;
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
for (let i = 0; !stopping; i++) {
  total++;
  try {
    await reader.query(QUERIES[i % QUERIES.length]!);
  } catch (error) {
    failed++;
    if (errors.length < 5)
      errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  }
  if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
}
clearInterval(timer);
report();
lake.close();
