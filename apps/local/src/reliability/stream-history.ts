import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamsClient, _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';

import type { WriteRecord } from './history-oracle.js';
import { expectedRow } from './reference-mapping.js';

/**
 * Every record of the table's stream, read on its own from TRIM_HORIZON (independent of the
 * poller under test): DescribeStream for the shards, then GetRecords on each until a page comes
 * back empty (the workload has ended and the poller caught up) or the shard is closed (no
 * NextShardIterator). DynamoDB Streams API reference, "GetRecords".
 */
export async function readStreamHistory(
  streams: DynamoDBStreamsClient,
  streamArn: string,
): Promise<WriteRecord[]> {
  const shards: string[] = [];
  let start: string | undefined;
  do {
    const page = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
    );
    for (const s of page.StreamDescription?.Shards ?? []) if (s.ShardId !== undefined) shards.push(s.ShardId);
    start = page.StreamDescription?.LastEvaluatedShardId;
  } while (start !== undefined);
  const out: WriteRecord[] = [];
  for (const shardId of shards) {
    const it = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = it.ShardIterator;
    while (iterator !== undefined) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      for (const r of records) out.push(writeOf(r));
      if (records.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

function writeOf(r: StreamRecord): WriteRecord {
  const key = r.dynamodb?.Keys?.id?.S;
  const seq = r.dynamodb?.SequenceNumber;
  if (key === undefined || seq === undefined)
    throw new Error('a stream record without a key or sequence number');
  if (r.eventName === 'REMOVE') return { key, seq: BigInt(seq), op: 'delete' };
  const image = r.dynamodb?.NewImage;
  if (image === undefined) throw new Error(`stream record ${seq} of ${key} has no NewImage`);
  return { key, seq: BigInt(seq), op: 'upsert', row: expectedRow(image) };
}
