import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { booksInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, test } from 'vitest';

import { planCompaction } from '../../src/merge/compact-staged.js';
import type { CompactionLimits } from '../../src/merge/compact-staged.js';
import { readJournal } from '../../src/merge/journal.js';
import { mergeTable } from '../../src/merge/merge-table.js';
import type { MergeStep } from '../../src/merge/merge-table.js';
import { stagedObjectSource, streamObjectKey } from '../../src/staging/staging-key.js';
import { encodeStagingObject, stagingMetadata } from '../../src/staging/staging-object.js';
import type { StagingRow } from '../../src/stream/change-row.js';
import { DuckDbTestEngine } from './duckdb-test-engine.js';
import { freshStore } from '../support/local-aws.js';

// Compaction of an append table's staged objects under the merger's journal (compact-staged.ts), on
// s3rver and DynamoDB Local, appended by the DuckDB dialect's own SQL on a real DuckDB: the
// compacted objects are concatenated gzip members, which read_json must read whole.

const books = parseDeclaration({ ...booksInput, mode: 'append' });
const LIMITS: CompactionLimits = { minObjects: 4, maxInputBytes: 1200, maxInputs: 1000 };

const aws = useLocalServices({ dynamodb: true });

class Crash extends Error {}

async function world() {
  const { bucket, controlTable, s3, keys } = await freshStore(aws, 'compact');
  const dynamodb = aws.dynamodb;
  const engine = await DuckDbTestEngine.create(s3);
  await engine.ensureTable(books);
  // Every staged object an append read, with its rows (S3 metadata): the rows of the distinct
  // objects appended must be exactly the rows staged, none twice (inputs and their output both
  // appended) and none missing.
  const appended = new Map<string, number>();
  const append = engine.merge.bind(engine);
  engine.merge = async (batch, signal) => {
    for (const o of batch.objects) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.key }));
      appended.set(o.key, Number(head.Metadata?.rows));
    }
    return append(batch, signal);
  };
  const appendedRows = (): number => [...appended.values()].reduce((a, b) => a + b, 0);
  const oracle = new Set<string>();
  let seq = 0;
  /** Stages one small stream object of inserts (a key may repeat: a re-delivered record). */
  const stage = async (ids: readonly string[]): Promise<string> => {
    const rows: StagingRow[] = ids.map((id) => {
      oracle.add(id);
      const s = ++seq;
      return {
        id,
        name: `v-${id}`,
        author: null,
        summary: null,
        published_at: null,
        _op: 'upsert',
        _seq: String(s).padStart(40, '0'),
        _event_time: '2024-05-01 11:59:00.000000',
        _source: 'stream',
      };
    });
    const key = streamObjectKey({
      table: 'books',
      shardId: `shardId-${seq}`,
      firstSequenceNumber: rows[0]!._seq,
      lastSequenceNumber: rows.at(-1)!._seq,
      firstEventTime: new Date('2024-05-01T11:59:00Z'),
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: encodeStagingObject(rows),
        Metadata: stagingMetadata(rows),
      }),
    );
    return key;
  };
  let run = 0;
  const merge = (crash?: { step: MergeStep; nth: number }) => {
    let seen = 0;
    return mergeTable(
      { s3, dynamodb, engine, clock: { now: () => new Date() } },
      {
        table: books,
        bucket,
        controlTable,
        owner: `run-${++run}`,
        deadline: new Date(Date.now() + 600_000),
        minBatchBudgetMs: 0,
        compaction: LIMITS,
        onStep: (step) => {
          if (crash !== undefined && step === crash.step && ++seen === crash.nth) throw new Crash(step);
        },
      },
    );
  };
  const staged = async (): Promise<string[]> =>
    (await keys('staging/')).filter((k) => stagedObjectSource(k, 'books') !== undefined).sort();
  return {
    bucket,
    engine,
    oracle,
    appendedRows,
    stage,
    merge,
    staged,
    journal: () => readJournal(aws.dynamodb, controlTable, 'books'),
  };
}

async function stageMany(w: Awaited<ReturnType<typeof world>>): Promise<string[]> {
  const keys: string[] = [];
  // 12 small objects, keys repeated across objects (duplicates a compaction folds together).
  for (let i = 0; i < 12; i++) keys.push(await w.stage([`k${i % 7}`, `k${(i * 3) % 11}`]));
  return keys;
}

describe('compaction of staged objects (append tables)', () => {
  test('folds many small objects into few, appended by one statement, every key once', async () => {
    // Arrange
    const w = await world();
    await stageMany(w);

    // Act
    const report = await w.merge();

    // Assert
    const compactions = report.compactions ?? [];
    expect(compactions.length).toBeGreaterThan(1);
    expect(compactions.reduce((n, c) => n + c.inputs, 0)).toBe(12);
    expect(compactions.reduce((n, c) => n + c.rows, 0)).toBe(24);
    expect(report.batches).toHaveLength(1);
    expect(report.batches[0]!.files).toBe(compactions.length);
    expect(w.appendedRows()).toBe(24);
    const rows = await w.engine.rows('books');
    expect(rows.map((r) => r.id)).toEqual([...w.oracle].sort());
    expect(await w.staged()).toEqual([]);
    expect(await w.journal()).toBeUndefined();
  });

  test.each([
    'compaction-journaled',
    'compaction-written',
    'compaction-committed',
    'compaction-cleaned',
    'journaled-merging',
    'merged',
    'journaled-committed',
  ] as const)(
    'a crash at %s leaves either the inputs or the output staged, never both or neither, and the next run converges',
    async (step) => {
      // Arrange
      const w = await world();
      const inputs = await stageMany(w);

      // Act: the run dies at the step (the second compaction's, where there is one).
      const nth = step.startsWith('compaction-') ? 2 : 1;
      await expect(w.merge({ step, nth })).rejects.toThrow(Crash);
      const afterCrash = await w.staged();
      const journal = await w.journal();
      const report = await w.merge();

      // Assert: at the crash, each input is staged, or its compaction's output is (with a committed
      // journal entry naming it as an input still to delete), never neither...
      const outputs = afterCrash.filter((k) => k.includes('/compacted/'));
      const leftInputs = inputs.filter((k) => afterCrash.includes(k));
      if (journal?.state === 'merging' && journal.batchId.startsWith('compact-'))
        // ...a compaction in flight still has all its inputs (its output, if PUT, is not listed for
        // an append before the replay finished it).
        expect(journal.keys.every((k) => afterCrash.includes(k))).toBe(true);
      expect(report.status).toBe('drained');
      // ...no staged row was appended from both an input and its output, and none was left out...
      expect(w.appendedRows()).toBe(24);
      expect(leftInputs.length + outputs.length).toBeGreaterThan(0);
      // ...and the next run ends with every key once, nothing staged, an empty journal.
      const rows = await w.engine.rows('books');
      expect(rows.map((r) => r.id)).toEqual([...w.oracle].sort());
      expect(await w.staged()).toEqual([]);
      expect(await w.journal()).toBeUndefined();
    },
  );

  test('an input that is not staging NDJSON goes to quarantine with its reason; the rest is appended', async () => {
    // Arrange
    const w = await world();
    await stageMany(w);
    const s3 = aws.newS3Client();
    const bad = streamObjectKey({
      table: 'books',
      shardId: 'shardId-bad',
      firstSequenceNumber: '1',
      lastSequenceNumber: '1',
      firstEventTime: new Date('2024-05-01T11:59:00Z'),
    });
    await s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: bad, Body: 'not gzip' }));

    // Act
    const report = await w.merge();

    // Assert
    expect((report.compactions ?? []).flatMap((c) => c.quarantined)).toEqual([
      `quarantine/books/unreadable/${bad.slice('staging/books/'.length)}`,
    ]);
    expect((await w.engine.rows('books')).map((r) => r.id)).toEqual([...w.oracle].sort());
    expect(await w.staged()).toEqual([]);
  });

  test('plans groups of small stream objects only, under the byte cap, none below the minimum', () => {
    const o = (key: string, size: number, source: 'stream' | 'backfill' = 'stream') => ({
      key,
      size,
      lastModified: new Date(0),
      source,
    });
    const listing = [
      o('s/1', 500),
      o('s/2', 500),
      o('s/3', 500),
      o('s/b', 500, 'backfill'),
      o('s/compacted/x', 10),
      o('s/4', 500),
    ];
    expect(planCompaction(listing, LIMITS).map((g) => g.map((x) => x.key))).toEqual([
      ['s/1', 's/2'],
      ['s/3', 's/4'],
    ]);
    expect(planCompaction(listing, { ...LIMITS, minObjects: 5 })).toEqual([]);
  });
});
