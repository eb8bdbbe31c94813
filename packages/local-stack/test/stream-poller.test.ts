import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { _Record as StreamRecord, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';

import { MemoryCheckpointStore } from '../src/checkpoint-store.js';
import type { FailedBatch } from '../src/batch-response.js';
import { StreamPoller } from '../src/stream-poller.js';

// DynamoDB Local never splits or closes a shard, so shard lineage and closed shards are exercised
// against this small in-memory stream (the adapter boundary: DescribeStream / GetShardIterator /
// GetRecords). Everything else about the poller also runs against DynamoDB Local in the e2e tests.
interface FakeShard {
  id: string;
  parent?: string;
  records: StreamRecord[];
  closed: boolean;
}

function record(seq: number, id = `k${seq}`): StreamRecord {
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: String(seq).padStart(21, '0'),
      Keys: { id: { S: id } },
      ApproximateCreationDateTime: new Date(),
    },
  };
}

function fakeStreams(shards: FakeShard[]): { client: DynamoDBStreamsClient; reads: string[] } {
  const reads: string[] = [];
  const client = {
    send(command: unknown) {
      if (command instanceof DescribeStreamCommand) {
        return Promise.resolve({
          StreamDescription: {
            Shards: shards.map((s) => ({
              ShardId: s.id,
              ...(s.parent === undefined ? {} : { ParentShardId: s.parent }),
            })),
          },
        });
      }
      if (command instanceof GetShardIteratorCommand) {
        const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
        const shard = shards.find((s) => s.id === ShardId)!;
        let pos = 0;
        if (ShardIteratorType === 'AFTER_SEQUENCE_NUMBER')
          pos = shard.records.findIndex((r) => r.dynamodb!.SequenceNumber === SequenceNumber) + 1;
        if (ShardIteratorType === 'LATEST') pos = shard.records.length;
        return Promise.resolve({ ShardIterator: `${ShardId}|${pos}` });
      }
      if (command instanceof GetRecordsCommand) {
        const [id, p] = command.input.ShardIterator!.split('|');
        const shard = shards.find((s) => s.id === id)!;
        const pos = Number(p);
        const page = shard.records.slice(pos, pos + (command.input.Limit ?? 1000));
        reads.push(id!);
        const next = pos + page.length;
        return Promise.resolve({
          Records: page,
          ...(shard.closed && next >= shard.records.length ? {} : { NextShardIterator: `${id}|${next}` }),
        });
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBStreamsClient;
  return { client, reads };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const seqs = (batches: StreamRecord[][]): number[] =>
  batches.flat().map((r) => Number(r.dynamodb!.SequenceNumber));
const fast = { pollIntervalMs: 5, shardRefreshMs: 10, maximumBatchingWindowMs: 0, retryBackoffMs: () => 1 };

describe('StreamPoller', () => {
  it('reads a parent shard to its end before any record of its child', async () => {
    const parent: FakeShard = { id: 'shard-parent', records: [1, 2, 3].map((n) => record(n)), closed: true };
    const child: FakeShard = {
      id: 'shard-child',
      parent: 'shard-parent',
      records: [4, 5].map((n) => record(n)),
      closed: false,
    };
    // The child is listed first, as DescribeStream may do.
    const { client } = fakeStreams([child, parent]);
    const delivered: StreamRecord[][] = [];
    const poller = new StreamPoller({
      ...fast,
      streams: client,
      streamArn: 'arn',
      batchSize: 2,
      invoke: (records) => Promise.resolve(void delivered.push([...records])),
    });

    await poller.start();
    await until(() => seqs(delivered).length === 5);
    await poller.stop();

    expect(seqs(delivered)).toEqual([1, 2, 3, 4, 5]);
    expect(delivered.map((b) => b.length)).toEqual([2, 1, 2]);
  });

  it('resumes from the lowest failed record of a partial batch response', async () => {
    const { client } = fakeStreams([{ id: 's', records: [1, 2, 3, 4].map((n) => record(n)), closed: false }]);
    const delivered: StreamRecord[][] = [];
    let first = true;
    const poller = new StreamPoller({
      ...fast,
      streams: client,
      streamArn: 'arn',
      batchSize: 4,
      invoke: (records) => {
        delivered.push([...records]);
        if (!first) return Promise.resolve({ batchItemFailures: [] });
        first = false;
        // Two failures reported: Lambda resumes at the lowest one (seq 2).
        return Promise.resolve({
          batchItemFailures: [
            { itemIdentifier: records[3]!.dynamodb!.SequenceNumber },
            { itemIdentifier: records[1]!.dynamodb!.SequenceNumber },
          ],
        });
      },
    });

    await poller.start();
    await until(() => delivered.length === 2);
    await poller.stop();

    expect(delivered.map((b) => seqs([b]))).toEqual([
      [1, 2, 3, 4],
      [2, 3, 4],
    ]);
  });

  it('bisects a failing batch, gives up on the poison record after the retries, and moves on', async () => {
    const { client } = fakeStreams([
      { id: 's', records: [1, 2, 3, 4, 5, 6].map((n) => record(n)), closed: false },
    ]);
    const ok: number[] = [];
    const failed: FailedBatch[] = [];
    const checkpoints = new MemoryCheckpointStore();
    const poller = new StreamPoller({
      ...fast,
      streams: client,
      streamArn: 'arn',
      batchSize: 6,
      maximumRetryAttempts: 3,
      checkpoints,
      onFailure: (batch) => Promise.resolve(void failed.push(batch)),
      invoke: (records) => {
        if (records.some((r) => r.dynamodb!.SequenceNumber!.endsWith('4')))
          return Promise.reject(new Error('poison'));
        ok.push(...seqs([[...records]]));
        return Promise.resolve();
      },
    });

    await poller.start();
    await until(() => ok.includes(6));
    await poller.stop();

    expect(failed.map((f) => [f.firstSequenceNumber, f.lastSequenceNumber].map(Number))).toEqual([[4, 4]]);
    expect(failed[0]!.reason).toContain('poison');
    expect(ok.sort()).toEqual([1, 2, 3, 5, 6]);
    expect(poller.stats.bisects).toBeGreaterThan(0);
    expect((await checkpoints.load('arn')).get('s')?.sequenceNumber).toBe(record(6).dynamodb!.SequenceNumber);
  });

  it('after a kill, a new poller redelivers from the checkpoint: nothing is lost', async () => {
    const shard: FakeShard = { id: 's', records: [1, 2, 3].map((n) => record(n)), closed: false };
    const { client } = fakeStreams([shard]);
    const checkpoints = new MemoryCheckpointStore();
    const delivered: number[] = [];
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((r) => (release = r));
    const first = new StreamPoller({
      ...fast,
      streams: client,
      streamArn: 'arn',
      batchSize: 2,
      checkpoints,
      invoke: async (records) => {
        if (records.some((r) => r.dynamodb!.SequenceNumber!.endsWith('3'))) await stuck;
        delivered.push(...seqs([[...records]]));
      },
    });
    await first.start();
    await until(() => delivered.length === 2);

    const killed = first.kill();
    release();
    await killed;
    shard.records.push(record(4));
    const second = new StreamPoller({
      ...fast,
      streams: client,
      streamArn: 'arn',
      batchSize: 2,
      checkpoints,
      invoke: (records) => Promise.resolve(void delivered.push(...seqs([[...records]]))),
    });
    await second.start();
    await until(() => delivered.includes(4));
    await second.stop();

    // Seq 3 was in flight at the kill: delivered again (at least once), then 4.
    expect(delivered).toEqual([1, 2, 3, 3, 4]);
  });
});
