import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readAllStagingRows } from '@ddb-athena-sync/core/staging/staging-object';
import { freePort } from '@ddb-athena-sync/local-services/free-port';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { books, booksInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, it } from 'vitest';

import { createHandler } from '../src/handler.js';
import { s3ObjectStore } from '../src/deps.js';
import { configFor, fixtureEvent, getBytes, listKeys, metricsProbe, testDeps } from './helpers.js';

const local = useLocalServices();
let bucketCount = 0;

async function freshBucket(): Promise<string> {
  const bucket = `lake-${++bucketCount}`;
  await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

describe('stream-writer handler against s3rver', () => {
  it('stages every good record of a captured batch in one object and quarantines the poison one', async () => {
    // Arrange: the captured books batch; record 5 (b-003) has a string where epoch-nanos needs N.
    const bucket = await freshBucket();
    const probe = metricsProbe();
    const handle = createHandler(testDeps(configFor(books, bucket), s3ObjectStore(local.s3, bucket), probe));

    // Act
    const response = await handle(fixtureEvent('books'));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const staged = await listKeys(local.s3, bucket, 'staging/');
    expect(staged).toHaveLength(1);
    expect(staged[0]).toMatch(/^staging\/books\/2026\/11\/27\/\d\d\/[0-9a-f]{16}-0{39}1-0{39}6\.json\.gz$/);
    const rows = await readAllStagingRows(await getBytes(local.s3, bucket, staged[0]!));
    expect(rows.map((r) => [r.id, r._op, r._seq.slice(-1)])).toEqual([
      ['b-001', 'upsert', '1'],
      ['b-002', 'upsert', '2'],
      ['b-001', 'upsert', '3'],
      ['b-001', 'delete', '4'],
      ['b-002', 'delete', '6'],
    ]);
    expect(rows[0]).toMatchObject({
      name: 'Dune',
      published_at: '1965-07-27 00:00:00.000000',
      _source: 'stream',
    });

    const quarantined = await listKeys(local.s3, bucket, 'quarantine/');
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatch(/^quarantine\/books\/2026\/11\/27\/[0-9a-f]{16}-0{39}5\.json$/);
    const q = JSON.parse(Buffer.from(await getBytes(local.s3, bucket, quarantined[0]!)).toString('utf8'));
    expect(q.error).toMatchObject({
      name: 'ValueMappingError',
      attribute: 'date',
      actualType: 'S',
      sequenceNumber: '000000000000000000005',
    });
    expect(q.reason).toContain('epoch-nanos needs an N value');
    expect(q.record.dynamodb.Keys).toEqual({ id: { S: 'b-003' } });

    expect(probe.published).toEqual([
      {
        RecordsStaged: 5,
        BytesStaged: expect.any(Number),
        QuarantinedRecords: 1,
        SkippedRecords: 0,
        DroppedRecords: 0,
        OldestRecordAgeMs: 60_000,
      },
    ]);
    expect(probe.published[0]!.BytesStaged).toBeGreaterThan(100);
  });

  it('stages only the INSERTs of an append-mode table and counts the dropped MODIFY and REMOVEs', async () => {
    // Arrange: the captured books batch (INSERT, INSERT, MODIFY, REMOVE, INSERT (poison), REMOVE),
    // declared in append mode with the default drop policy.
    const bucket = await freshBucket();
    const probe = metricsProbe();
    const appendBooks = parseDeclaration({ ...booksInput, mode: 'append' });
    const handle = createHandler(
      testDeps(configFor(appendBooks, bucket), s3ObjectStore(local.s3, bucket), probe),
    );

    // Act
    const response = await handle(fixtureEvent('books'));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const staged = await listKeys(local.s3, bucket, 'staging/');
    const rows = await readAllStagingRows(await getBytes(local.s3, bucket, staged[0]!));
    expect(rows.map((r) => [r.id, r._op, r._seq.slice(-1)])).toEqual([
      ['b-001', 'upsert', '1'],
      ['b-002', 'upsert', '2'],
    ]);
    expect(probe.published[0]).toMatchObject({ RecordsStaged: 2, QuarantinedRecords: 1, DroppedRecords: 3 });
  });

  it('writes a retried batch to the same object: one object, no duplicate rows', async () => {
    // Arrange
    const bucket = await freshBucket();
    const handle = createHandler(
      testDeps(configFor(books, bucket), s3ObjectStore(local.s3, bucket), metricsProbe()),
    );
    const event = fixtureEvent('books');

    // Act: Lambda delivers the same batch twice (at-least-once delivery).
    await handle(event);
    const first = await listKeys(local.s3, bucket, '');
    const again = await handle(event);

    // Assert
    expect(again.batchItemFailures).toEqual([]);
    expect(await listKeys(local.s3, bucket, '')).toEqual(first);
    const staged = first.filter((k) => k.startsWith('staging/'));
    expect(staged).toHaveLength(1);
    expect(await readAllStagingRows(await getBytes(local.s3, bucket, staged[0]!))).toHaveLength(5);
  });

  it('fails the whole batch when S3 is unreachable: nothing acknowledged', async () => {
    // Arrange: a client aimed at a port nobody listens on.
    const closed = new S3Client({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const probe = metricsProbe();
    const handle = createHandler(testDeps(configFor(books, 'lake'), s3ObjectStore(closed, 'lake'), probe));

    // Act
    const response = await handle(fixtureEvent('books'));

    // Assert: Lambda resumes at the batch's first record.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '000000000000000000001' }]);
    expect(probe.published[0]).toMatchObject({ RecordsStaged: 0, QuarantinedRecords: 0 });
    closed.destroy();
  });

  it('fails the whole batch when the bucket refuses the write, and stages nothing', async () => {
    // Arrange: s3rver answers NoSuchBucket.
    const handle = createHandler(
      testDeps(configFor(books, 'no-such-bucket'), s3ObjectStore(local.s3, 'no-such-bucket'), metricsProbe()),
    );

    // Act
    const response = await handle(fixtureEvent('books'));

    // Assert
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '000000000000000000001' }]);
  });

  it('stages a REMOVE by TTL as a delete when the policy is apply', async () => {
    // Arrange
    const bucket = await freshBucket();
    const probe = metricsProbe();
    const handle = createHandler(testDeps(configFor(books, bucket), s3ObjectStore(local.s3, bucket), probe));

    // Act
    const response = await handle(fixtureEvent('books-ttl-remove'));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const staged = await listKeys(local.s3, bucket, 'staging/');
    expect(staged).toHaveLength(1);
    const rows = await readAllStagingRows(await getBytes(local.s3, bucket, staged[0]!));
    expect(rows).toEqual([
      expect.objectContaining({
        id: 'b-002',
        _op: 'delete',
        name: null,
        // The stream epoch (the ARN's label), then the sequence number padded to 40 digits.
        _seq: `20261127082047530${'6'.padStart(40, '0')}`,
      }),
    ]);
    expect(probe.published[0]).toMatchObject({ RecordsStaged: 1, SkippedRecords: 0 });
    // Rows and oldest event time ride along as S3 metadata, for the merger's metrics.
    const head = await local.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: staged[0]! }));
    expect(head.Metadata).toEqual({ rows: '1', 'oldest-event-time': rows[0]!._event_time });
  });

  it('skips a REMOVE by TTL when the policy is ignore: nothing staged, the record counted', async () => {
    // Arrange
    const bucket = await freshBucket();
    const probe = metricsProbe();
    const keepHistory = { ...books, ttlDeletes: 'ignore' as const };
    const handle = createHandler(
      testDeps(configFor(keepHistory, bucket), s3ObjectStore(local.s3, bucket), probe),
    );

    // Act
    const response = await handle(fixtureEvent('books-ttl-remove'));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(await listKeys(local.s3, bucket, '')).toEqual([]);
    expect(probe.published[0]).toMatchObject({ RecordsStaged: 0, SkippedRecords: 1, QuarantinedRecords: 0 });
  });
});
