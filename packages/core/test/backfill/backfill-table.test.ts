import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { booksInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, test } from 'vitest';

import { abortBackfill, backfillTable } from '../../src/backfill/backfill-table.js';
import { beginBackfill, readBackfillGuard, readBackfillRun } from '../../src/merge/backfill-guard.js';
import type { BackfillGuard } from '../../src/merge/backfill-guard.js';
import { BackfillAbortedError } from '../../src/merge/merge-errors.js';
import { readAllStagingRows } from '../../src/staging/staging-object.js';
import { createHashKeyTable } from '../../test-support/control-table.js';
import { freshStore } from '../support/local-aws.js';

// On real local services: DynamoDB Local (the Scan and the control table) and s3rver (staging).
const aws = useLocalServices({ dynamodb: true });

async function world(items: number) {
  const { n, bucket, controlTable, s3, keys } = await freshStore(aws, 'bf');
  const dynamodb = aws.dynamodb;
  const name = `bf_books_${n}`;
  const table = parseDeclaration({
    ...booksInput,
    name,
    dynamodb: { ...booksInput.dynamodb, tableName: name },
  });
  await createHashKeyTable(dynamodb, name, 'id');
  for (let start = 0; start < items; start += 25) {
    const batch = Array.from({ length: Math.min(25, items - start) }, (_, j): WriteRequest => ({
      PutRequest: {
        Item:
          start + j === 7
            ? { id: { S: `b-${start + j}` }, date: { S: 'not a number' } } // does not fit the declaration
            : {
                id: { S: `b-${start + j}` },
                name: { S: `book ${start + j}` },
                date: { N: '1700000000000000000' },
              },
      },
    }));
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [name]: batch } }));
  }
  /** What every backfillTable and abortBackfill call of this world is given. */
  const target = { dynamodb, s3, bucket, table, controlTable };
  return { ...target, target, list: keys };
}

describe('backfillTable', () => {
  test('stages every item at _seq 0, quarantines the one that does not fit, and clears its guard', async () => {
    const w = await world(120);

    const result = await backfillTable({
      ...w.target,
      segments: 3,
      rowsPerObject: 25,
    });

    expect(result).toMatchObject({ scanned: 120, quarantined: 1 });
    const staged = await w.list(`staging/${w.table.name}/backfill/${result.runId}/`);
    expect(staged.sort()).toEqual([...result.keys].sort());
    const rows = (
      await Promise.all(
        staged.map(async (key) =>
          readAllStagingRows(
            (await w.s3.send(new GetObjectCommand({ Bucket: w.bucket, Key: key })))
              .Body as AsyncIterable<Uint8Array>,
          ),
        ),
      )
    ).flat();
    expect(rows).toHaveLength(119);
    expect(new Set(rows.map((r) => r._seq))).toEqual(new Set(['0'.repeat(40)]));
    expect(rows.every((r) => r._source === 'backfill' && r._op === 'upsert')).toBe(true);
    const [quarantined] = await w.list(`quarantine/${w.table.name}/`);
    const body = JSON.parse(
      await (
        await w.s3.send(new GetObjectCommand({ Bucket: w.bucket, Key: quarantined! }))
      ).Body!.transformToString(),
    ) as { reason: string; error: { name: string; attribute: string }; runId: string };
    expect(body).toMatchObject({
      runId: result.runId,
      error: { name: 'ValueMappingError', attribute: 'date' },
    });
    expect(await readBackfillRun(aws.dynamodb, w.controlTable, w.table.name)).toBeUndefined();
  });

  test('a Scan that fails leaves none of its objects staged and clears its guard', async () => {
    const w = await world(60);
    let puts = 0;
    w.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && ++puts === 2) throw new Error('S3 is down');
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPut' },
    );

    const error = await backfillTable({
      ...w.target,
      segments: 1,
      rowsPerObject: 10,
    }).catch((e: unknown) => e);

    expect((error as Error).message).toBe('S3 is down');
    expect(await w.list(`staging/${w.table.name}/`)).toEqual([]);
    expect(await readBackfillRun(aws.dynamodb, w.controlTable, w.table.name)).toBeUndefined();
  });

  test('a failing segment stops the others before the cleanup: no object lands after it', async () => {
    // Arrange: three segments; segment 0's second PUT fails at once, every other PUT is slow, so
    // the other segments are mid-PUT when the failure happens.
    const w = await world(120);
    let puts = 0;
    let failed = false;
    w.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PutObjectCommand') return next(args);
        const key = (args.input as { Key: string }).Key;
        if (key.includes('/backfill/') && key.includes('/000000-000001') && !failed) {
          failed = true;
          throw new Error('S3 is down');
        }
        ++puts;
        await new Promise((r) => setTimeout(r, 150));
        return next(args);
      },
      { step: 'initialize', name: 'slowPutsOneFailure' },
    );

    // Act
    const error = await backfillTable({
      ...w.target,
      segments: 3,
      rowsPerObject: 5,
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 1000));

    // Assert: whatever was in flight finished before the cleanup; nothing is staged afterwards.
    expect((error as Error).message).toBe('S3 is down');
    expect(puts).toBeGreaterThan(0);
    expect(await w.list(`staging/${w.table.name}/`)).toEqual([]);
    expect(await readBackfillRun(aws.dynamodb, w.controlTable, w.table.name)).toBeUndefined();
  });

  test('an aborted backfill (Ctrl-C) stops its segments, deletes what it staged and clears its guard', async () => {
    // Arrange: abort once the first object is staged.
    const w = await world(60);
    const abort = new AbortController();
    w.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'PutObjectCommand') abort.abort(new Error('SIGINT'));
        return out;
      },
      { step: 'initialize', name: 'abortAfterFirstPut' },
    );

    // Act
    const error = await backfillTable({
      ...w.target,
      segments: 2,
      rowsPerObject: 5,
      signal: abort.signal,
    }).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(BackfillAbortedError);
    expect(await w.list(`staging/${w.table.name}/`)).toEqual([]);
    expect(await readBackfillRun(aws.dynamodb, w.controlTable, w.table.name)).toBeUndefined();
  });

  test('the guard is heart-beaten while the Scan runs, so it never expires under a live backfill', async () => {
    // Arrange: a guard that lasts 400 ms unless renewed, and PUTs that take 100 ms each.
    const w = await world(60);
    w.s3.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((r) => setTimeout(r, 100));
        return next(args);
      },
      { step: 'initialize', name: 'slowPuts' },
    );
    const seen: (BackfillGuard | undefined)[] = [];
    const probe = setInterval(() => {
      void readBackfillGuard(aws.dynamodb, w.controlTable, w.table.name).then((g) => seen.push(g));
    }, 50);

    // Act
    const result = await backfillTable({
      ...w.target,
      segments: 1,
      rowsPerObject: 5,
      guardTtlMs: 400,
    }).finally(() => clearInterval(probe));

    // Assert: the run lasted longer than one TTL, and the guard read during it was never expired.
    const during = seen.filter((g): g is BackfillGuard => g !== undefined);
    expect(during.length).toBeGreaterThan(10);
    expect(during.at(-1)!.expiresAt.getTime() - during[0]!.expiresAt.getTime()).toBeGreaterThan(400);
    expect(result.objects).toBe(12);
  });

  test("abortBackfill (backfill --abort) deletes a dead run's objects and clears its guard", async () => {
    // Arrange: a run that died mid-Scan (Ctrl-C missed, a crash): guard set, objects staged.
    const w = await world(30);
    await w.s3.send(
      new PutObjectCommand({
        Bucket: w.bucket,
        Key: `staging/${w.table.name}/backfill/dead-run/000000-000000.json.gz`,
        Body: 'x',
      }),
    );
    await beginBackfill(aws.dynamodb, {
      controlTable: w.controlTable,
      table: w.table.name,
      runId: 'dead-run',
      now: () => new Date(),
    });

    // Act
    const aborted = await abortBackfill({
      ...w.target,
    });

    // Assert
    expect(aborted).toMatchObject({ runId: 'dead-run', deleted: 1 });
    expect(await w.list(`staging/${w.table.name}/`)).toEqual([]);
    expect(await readBackfillRun(aws.dynamodb, w.controlTable, w.table.name)).toBeUndefined();
  });
});
