import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { icebergRead } from 'icebird';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { Lake } from '../src/lake.js';
import { PROPERTY_RUNS, stepsArbitrary, toBatches } from './support/changes.js';
import { installFileFetch } from './support/file-fetch.js';
import { withTempDir } from './support/temp-dir.js';
import { validateTable } from './support/validate-table.js';
import type { DuckDBConnection } from '@duckdb/node-api';

/** Rows in one comparable shape: timestamps to ms ISO (icebird returns Date), sorted by key. */
function normalize(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const ts = (v: unknown): unknown => {
    if (v instanceof Date) return v.toISOString();
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(v))
      return new Date(`${v.slice(0, 23)}Z`.replace(' ', 'T')).toISOString();
    return v;
  };
  return rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, ts(v)])))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

describe('tables written by randomised merge sequences', () => {
  let restoreFetch: () => void;
  let checker: DuckDBInstance;
  let checkerConnection: DuckDBConnection;

  beforeAll(async () => {
    restoreFetch = installFileFetch();
    checker = await DuckDBInstance.create(':memory:');
    checkerConnection = await checker.connect();
  });
  afterAll(() => {
    restoreFetch();
    checkerConnection.closeSync();
    checker.closeSync();
  });

  it('icebird reads every snapshot with exactly our rows, and every file passes the structural checks', async () => {
    await fc.assert(
      fc.asyncProperty(stepsArbitrary(true), async (steps) => {
        await withTempDir(async (root) => {
          // Arrange
          const lake = await Lake.open({ root });
          try {
            await lake.createTable(books);
            // Act
            for (const b of toBatches(steps)) {
              if (b.kind === 'optimize') await lake.optimize('books');
              else await lake.merge('books', b.rows);
            }
            // Assert: every snapshot, read by icebird from the metadata with current-snapshot-id rewound.
            const loaded = await lake.load('books');
            const tableDir = join(root, 'default', 'books');
            const metadata = JSON.parse(await readFile(loaded.metadataFile, 'utf8')) as Record<
              string,
              unknown
            > & { snapshots: { 'snapshot-id': number }[] };
            for (const [i, s] of loaded.metadata.snapshots.entries()) {
              const ours = await lake.query('SELECT * FROM books', {
                books: { snapshotId: s['snapshot-id'] },
              });
              const files = await lake.files('books', { snapshotId: s['snapshot-id'] });
              const rewound = { ...metadata, 'current-snapshot-id': metadata.snapshots[i]!['snapshot-id'] };
              if (files.data.length === 0) {
                // icebird refuses a snapshot without data files; ours must be empty then.
                expect(ours).toEqual([]);
                continue;
              }
              const theirs = await icebergRead({
                tableUrl: `file://${tableDir}`,
                metadata: rewound as never,
              });
              expect(normalize(theirs)).toEqual(normalize(ours));
            }
            expect(await validateTable(tableDir, checkerConnection)).toEqual([]);
          } finally {
            lake.close();
          }
        });
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
