import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { beforeAll, describe, expect, it } from 'vitest';

import { readAllStagingRows } from '../../src/staging/staging-object.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';
import { stageStreamBatch } from '../../src/stream/stage-batch.js';
import type { ObjectStore } from '../../src/stream/stage-batch.js';
import { caseStreamRecord, casesFor, goodStreamRecord, tableOf } from './corpus.js';

// Each case is staged inside a batch of good records, through the stream-writer's own batch
// function (stageStreamBatch), against s3rver: the case must be quarantined (or staged, for the
// accepted edge cases) and every good record of the batch must be in the staging object.
const BUCKET = 'corpus';
const local = useLocalServices();

beforeAll(async () => {
  await local.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

function s3Store(): ObjectStore {
  return {
    async putObject({ key, body, contentType, contentEncoding }) {
      await local.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentEncoding: contentEncoding,
        }),
      );
    },
  };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await local.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function bytesOf(key: string): Promise<Uint8Array> {
  const out = await local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body!.transformToByteArray();
}

/** The good records around each case, and the rows they must produce (id, op, sequence number). */
const before = [goodStreamRecord('g-1', '100'), goodStreamRecord('g-2', '200')];
const after = [goodStreamRecord('g-3', '800'), goodStreamRecord('g-1', '900', 'REMOVE')];
const goodRows = [
  ['g-1', 'upsert', '100'],
  ['g-2', 'upsert', '200'],
  ['g-3', 'upsert', '800'],
  ['g-1', 'delete', '900'],
];

describe.each(casesFor('stream-record'))('stream record $name', (c) => {
  (c.openBug === undefined ? it : it.fails)(
    `${c.description} -> ${c.expected.outcome}${c.expected.error === undefined ? '' : ` (${c.expected.error})`}`,
    async () => {
      // Arrange
      const table = tableOf(c);
      const bad = caseStreamRecord(c);
      const records = [...before, bad, ...after] as DynamoDBStreamRecord[];
      const prefix = `${c.name}/`;

      // Act
      const result = await stageStreamBatch(
        records,
        { table, stagingPrefix: `${prefix}staging/`, quarantinePrefix: `${prefix}quarantine/` },
        { store: s3Store(), now: () => 1795767660_000 },
      );

      // Assert: the batch is acknowledged in full (nothing retried, nothing blocked).
      expect(result.error).toBeUndefined();
      expect(result.batchItemFailures).toEqual([]);

      const quarantine = await keysUnder(`${prefix}quarantine/`);
      const staged = await keysUnder(`${prefix}staging/`);
      expect(staged).toHaveLength(1);
      const rows = await readAllStagingRows(await bytesOf(staged[0]!), staged[0]);
      // The sequence number is the last 40 digits of `_seq` (after the stream epoch).
      const summary = rows.map((r) => [r.id, r._op, r._seq.slice(-40).replace(/^0+/, '')]);

      if (c.expected.outcome === 'quarantined') {
        expect(result.quarantined.map((q) => q.errorName)).toEqual([c.expected.error]);
        expect(quarantine).toHaveLength(1);
        const body = JSON.parse(Buffer.from(await bytesOf(quarantine[0]!)).toString('utf8')) as {
          reason: string;
          error: Record<string, unknown>;
          record: unknown;
        };
        expect(body.error).toMatchObject({ name: c.expected.error, table: table.name, ...c.expected.fields });
        if (c.expected.messageIncludes !== undefined)
          expect(body.reason).toContain(c.expected.messageIncludes);
        // The quarantine keeps the record as delivered, so it can be inspected and replayed.
        expect(body.record).toEqual(JSON.parse(JSON.stringify(bad)) as unknown);
        expect(summary).toEqual(goodRows);
      } else {
        expect(c.expected.outcome).toBe('staged');
        expect(quarantine).toEqual([]);
        expect(summary).toEqual([...goodRows.slice(0, 2), ['bad-1', 'upsert', '500'], ...goodRows.slice(2)]);
        expect(rows[2]).toMatchObject(c.expected.row ?? {});
      }
    },
  );
});
