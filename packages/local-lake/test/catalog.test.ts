import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';

import { FileCatalog } from '../src/catalog.js';
import { TableExistsError, TableNotFoundError } from '../src/errors.js';
import { Lake } from '../src/lake.js';
import { withTempDir } from './support/temp-dir.js';

async function catalogWithTable(root: string): Promise<FileCatalog> {
  const lake = await Lake.open({ root });
  await lake.createTable(books);
  lake.close();
  return new FileCatalog(root);
}

describe('FileCatalog', () => {
  it('lets exactly one of two commits on the same version win', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const catalog = await catalogWithTable(root);
      const base = await catalog.load('default', 'books');
      // Act
      const results = await Promise.all([
        catalog.commit(base, { ...base.metadata, properties: { writer: 'a' } }),
        catalog.commit(base, { ...base.metadata, properties: { writer: 'b' } }),
      ]);
      // Assert
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      const latest = await catalog.load('default', 'books');
      expect(latest.version).toBe(2);
      expect(latest.metadata.properties.writer).toBe(
        results.find((r) => r !== undefined)!.metadata.properties.writer,
      );
      const leftovers = (await readdir(join(root, 'default', 'books', 'metadata'))).filter((f) =>
        f.startsWith('.tmp'),
      );
      expect(leftovers).toEqual([]);
    });
  });

  it('finds the latest version when the hint lags behind (writer died after the link) or is missing', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const catalog = await catalogWithTable(root);
      const v1 = await catalog.load('default', 'books');
      const v2 = (await catalog.commit(v1, { ...v1.metadata, properties: { step: '2' } }))!;
      await catalog.commit(v2, { ...v2.metadata, properties: { step: '3' } });
      const hint = join(root, 'default', 'books', 'metadata', 'version-hint.text');
      // Act + Assert: a stale hint.
      await writeFile(hint, '1');
      expect((await catalog.load('default', 'books')).version).toBe(3);
      // Act + Assert: no hint at all.
      await rm(hint);
      expect((await catalog.load('default', 'books')).metadata.properties.step).toBe('3');
    });
  });

  it('refuses to create a table twice and reports a missing one', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const catalog = await catalogWithTable(root);
      const v1 = await catalog.load('default', 'books');
      // Act + Assert
      await expect(catalog.createTable('default', 'books', v1.metadata)).rejects.toBeInstanceOf(
        TableExistsError,
      );
      await expect(catalog.load('default', 'nope')).rejects.toBeInstanceOf(TableNotFoundError);
      expect(await catalog.listNamespaces()).toEqual(['default']);
      expect(await catalog.listTables('default')).toEqual(['books']);
    });
  });

  it('keeps 63-bit snapshot ids exact through a commit and a reload', async () => {
    await withTempDir(async (root) => {
      // Arrange
      const catalog = await catalogWithTable(root);
      const v1 = await catalog.load('default', 'books');
      const id = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a double
      // Act
      await catalog.commit(v1, {
        ...v1.metadata,
        'current-snapshot-id': id,
        snapshots: [
          {
            'snapshot-id': id,
            'sequence-number': 1n,
            'timestamp-ms': 1,
            'manifest-list': 'file:///x.avro',
            summary: { operation: 'append' },
          },
        ],
        refs: { main: { 'snapshot-id': id, type: 'branch' } },
      });
      // Assert
      const v2 = await catalog.load('default', 'books');
      expect(v2.metadata['current-snapshot-id']).toBe(id);
      expect(v2.metadata.snapshots[0]!['snapshot-id']).toBe(id);
      expect(v2.metadata.refs.main!['snapshot-id']).toBe(id);
    });
  });
});
