import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { TrinoSQL } from 'dt-sql-parser';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, it } from 'vitest';

import { listStagedObjects } from '../../src/merge/merge-plan.js';
import { athenaDialect } from '../../src/sql/dialect.js';
import { renderMerge } from '../../src/sql/render-merge.js';
import { quarantineKey, streamObjectKey, tableStagingPrefix } from '../../src/staging/staging-key.js';
import { encodeStagingObject } from '../../src/staging/staging-object.js';
import { casesFor, corpusTables } from './corpus.js';

interface KeyInput {
  readonly operation:
    'stream-object-key' | 'table-staging-prefix' | 'quarantine-key' | 'staging-listing' | 'merge-file';
  readonly shardId?: string;
  readonly table?: string;
  readonly prefix?: string;
  readonly sequenceNumber?: string;
  readonly key?: string;
}

const table = corpusTables.typed;
const trino = new TrinoSQL();
const local = useLocalServices();
let buckets = 0;

/** A fresh bucket holding two well-formed staged objects and `extra`. */
async function bucketWith(extra: string): Promise<{ bucket: string; good: string[] }> {
  const bucket = `keys-${++buckets}`;
  await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = encodeStagingObject([
    {
      id: 'x',
      _op: 'upsert',
      _seq: '1'.padStart(40, '0'),
      _event_time: '2026-11-27 08:20:00.000000',
      _source: 'stream',
    },
  ]);
  const good = [
    'staging/typed/2026/11/27/08/a-1-2.json.gz',
    'staging/typed/backfill/run1/000000-000000.json.gz',
  ];
  for (const key of [...good, extra])
    await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { bucket, good };
}

function attempt(f: () => unknown): { value?: unknown; error?: unknown } {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}

// Keys are built only from checked parts, and a listing of the staging prefix picks exactly the
// staged objects: an odd key is rejected where it is built, ignored where it is listed, or (a valid
// staged object with odd characters) merged with its name escaped as one literal.
describe.each(casesFor('object-key'))('object key $name', (c) => {
  const input = c.input as KeyInput;
  it(`${c.description} -> ${c.expected.outcome}`, async () => {
    switch (input.operation) {
      case 'stream-object-key':
      case 'table-staging-prefix':
      case 'quarantine-key': {
        // Act
        const built = attempt(() => {
          if (input.operation === 'table-staging-prefix')
            return tableStagingPrefix(input.table!, input.prefix);
          const common = {
            table: 'typed',
            shardId: input.shardId ?? 'shard-1',
            firstEventTime: new Date('2026-11-27T08:20:00Z'),
            eventTime: new Date('2026-11-27T08:20:00Z'),
          };
          if (input.operation === 'quarantine-key')
            return quarantineKey({ ...common, sequenceNumber: input.sequenceNumber! });
          return streamObjectKey({ ...common, firstSequenceNumber: '1', lastSequenceNumber: '2' });
        });
        // Assert: the well-formed neighbour is unaffected.
        expect(
          streamObjectKey({
            table: 'typed',
            shardId: 'shard-1',
            firstSequenceNumber: '1',
            lastSequenceNumber: '2',
            firstEventTime: new Date('2026-11-27T08:20:00Z'),
          }),
        ).toBe(
          `staging/typed/2026/11/27/08/shard-1-${'1'.padStart(40, '0')}-${'2'.padStart(40, '0')}.json.gz`,
        );
        if (c.expected.outcome === 'rejected') {
          expect((built.error as Error | undefined)?.name).toBe(c.expected.error);
          expect(built.error).toMatchObject(c.expected.fields ?? {});
          if (c.expected.messageIncludes !== undefined)
            expect((built.error as Error).message).toContain(c.expected.messageIncludes);
        } else {
          expect(c.expected.outcome).toBe('sanitised');
          expect(built).toEqual({ value: c.expected.key });
        }
        return;
      }
      case 'staging-listing': {
        // Arrange
        const { bucket, good } = await bucketWith(input.key!);
        // Act
        const listed = await listStagedObjects(local.s3, bucket, table, undefined);
        // Assert
        expect(c.expected.outcome).toBe('ignored');
        expect(listed.map((o) => o.key).sort()).toEqual([...good].sort());
        return;
      }
      case 'merge-file': {
        // Arrange
        const { bucket, good } = await bucketWith(input.key!);
        // Act
        const listed = await listStagedObjects(local.s3, bucket, table, undefined);
        const files = listed.map((o) => `s3://${bucket}/${o.key}`);
        const sql = renderMerge(
          {
            table,
            target: { database: 'lake', name: 'typed' },
            stagingTable: { database: 'lake', name: 'typed_staging' },
            files,
          },
          athenaDialect,
        );
        const benign = renderMerge(
          {
            table,
            target: { database: 'lake', name: 'typed' },
            stagingTable: { database: 'lake', name: 'typed_staging' },
            files: files.map((_, i) => `s3://${bucket}/f${i}`),
          },
          athenaDialect,
        );
        // Assert: listed with the good ones, one MERGE statement that parses, of the benign one's shape.
        expect(c.expected.outcome).toBe('escaped');
        expect(listed.map((o) => o.key).sort()).toEqual([...good, input.key!].sort());
        expect(trino.validate(sql)).toEqual([]);
        expect(trino.splitSQLByStatement(sql)).toHaveLength(1);
        expect(sql.split('\n').length).toBe(benign.split('\n').length);
        expect(sql).toContain(athenaDialect.literal(`s3://${bucket}/${input.key!}`));
        return;
      }
    }
  });
});
