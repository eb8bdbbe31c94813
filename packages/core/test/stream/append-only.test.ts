import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { readAllStagingRows } from '../../src/staging/staging-object.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';
import { stageStreamBatch } from '../../src/stream/stage-batch.js';
import type { ObjectStore } from '../../src/stream/stage-batch.js';

function appendOrders(append?: TableDeclarationInput['append']) {
  const { firehose: _firehose, ...rest } = ordersInput;
  return parseDeclaration({ ...rest, mode: 'append', ...(append === undefined ? {} : { append }) });
}

const ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-12-01T00:00:00.000';

/** A stream record of `orders` in the shape Lambda delivers (Lambda developer guide, with-ddb). */
function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  seq: number,
  id: string,
  ttl = false,
): DynamoDBStreamRecord {
  const image = {
    id: { S: id },
    customer_id: { S: 'c1' },
    created_at: { S: '2026-12-01T10:00:00Z' },
    total: { N: '12.50' },
    currency: { S: 'EUR' },
    status: { S: eventName === 'MODIFY' ? 'shipped' : 'new' },
  };
  return {
    eventID: `e${seq}`,
    eventName,
    eventSource: 'aws:dynamodb',
    eventSourceARN: ARN,
    ...(ttl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
    dynamodb: {
      ApproximateCreationDateTime: 1796119200,
      Keys: { id: { S: id } },
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: String(seq).padStart(21, '0'),
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

function memoryStore(): ObjectStore & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    putObject({ key, body }) {
      objects.set(key, body);
      return Promise.resolve();
    },
  };
}

const now = () => 1796119200_000 + 1_000;

async function stagedRows(store: ReturnType<typeof memoryStore>, key: string | undefined) {
  return readAllStagingRows(store.objects.get(key ?? '')!, key);
}

describe('stageStreamBatch on an append table', () => {
  it('stages INSERTs only and counts the dropped MODIFY and REMOVE records', async () => {
    // Arrange
    const store = memoryStore();
    const records = [
      record('INSERT', 1, 'o1'),
      record('MODIFY', 2, 'o1'),
      record('INSERT', 3, 'o2'),
      record('REMOVE', 4, 'o2'),
    ];

    // Act
    const result = await stageStreamBatch(records, { table: appendOrders() }, { store, now });

    // Assert
    expect(result.batchItemFailures).toEqual([]);
    expect(result.dropped).toEqual({ modifies: 1, removes: 1 });
    expect(result.quarantined).toEqual([]);
    expect(result.staged?.rows).toBe(2);
    const rows = await stagedRows(store, result.staged?.objectKey);
    expect(rows.map((r) => [r.id, r._op, r.status])).toEqual([
      ['o1', 'upsert', 'new'],
      ['o2', 'upsert', 'new'],
    ]);
  });

  it('quarantines MODIFY records with their reason when the declaration says so, REMOVE still dropped', async () => {
    // Arrange
    const store = memoryStore();
    const records = [record('INSERT', 1, 'o1'), record('MODIFY', 2, 'o1'), record('REMOVE', 3, 'o1')];

    // Act
    const result = await stageStreamBatch(
      records,
      { table: appendOrders({ modifies: 'quarantine' }) },
      { store, now },
    );

    // Assert
    expect(result.dropped).toEqual({ modifies: 0, removes: 1 });
    expect(result.staged?.rows).toBe(1);
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({
      sequenceNumber: '000000000000000000002',
      errorName: 'AppendOnlyViolationError',
    });
    expect(result.quarantined[0]!.reason).toContain('append.modifies = "quarantine"');
    const body = JSON.parse(Buffer.from(store.objects.get(result.quarantined[0]!.objectKey)!).toString()) as {
      reason: string;
      error: { key: Record<string, string> };
    };
    expect(body.reason).toContain('MODIFY on an append-only table');
    expect(body.error.key).toEqual({ id: 'o1' });
  });

  it('skips TTL removals under ttlDeletes ignore as before, and leaves merge tables alone', async () => {
    // Arrange
    const store = memoryStore();
    const table = appendOrders({ removes: 'quarantine' });

    // Act
    const result = await stageStreamBatch([record('REMOVE', 5, 'o1', true)], { table }, { store, now });
    const merge = await stageStreamBatch(
      [record('INSERT', 6, 'o3'), record('MODIFY', 7, 'o3')],
      { table: parseDeclaration({ ...appendOrdersInputAsMerge() }) },
      { store, now },
    );

    // Assert
    expect(result).toMatchObject({ skipped: 1, dropped: { modifies: 0, removes: 0 }, quarantined: [] });
    expect(merge).toMatchObject({ dropped: { modifies: 0, removes: 0 }, staged: { rows: 2 } });
  });
});

function appendOrdersInputAsMerge(): TableDeclarationInput {
  const { firehose: _firehose, ...rest } = ordersInput;
  return { ...rest, mode: 'merge' };
}
