import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamsClient, _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';

/**
 * Every record a stream holds right now, shard by shard from TRIM_HORIZON, as GetRecords returns
 * them. For capturing test fixtures from DynamoDB Local; the local stack's poller is the real reader.
 */
export async function readWholeStream(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  maxPagesPerShard = 10,
): Promise<SdkStreamRecord[]> {
  const desc = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: SdkStreamRecord[] = [];
  for (const shard of desc.StreamDescription?.Shards ?? []) {
    if (shard.ShardId === undefined) continue;
    const it = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = it.ShardIterator;
    for (let i = 0; i < maxPagesPerShard && iterator !== undefined; i++) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
