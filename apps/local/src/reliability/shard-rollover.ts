import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamsClient, _Record as StreamRecord, Shard } from '@aws-sdk/client-dynamodb-streams';

/**
 * A shard rollover for the poller, which DynamoDB Local does not do on its own: DynamoDB Streams
 * closes a shard and continues the stream in a child shard whose ParentShardId names it; the
 * parent's records stay readable, GetRecords on a closed shard returns no NextShardIterator once
 * its last record was read, and a reader must finish a parent before it reads the child
 * (DynamoDB developer guide, "Change data capture for DynamoDB Streams", "Reading and processing a
 * stream"; DynamoDB Streams API reference, GetRecords and Shard).
 *
 * When `rollOver()` is called, the open shard is cut after the last record the poller has read:
 * from then on DescribeStream lists it closed (EndingSequenceNumber) with a child, the parent's
 * iterators end after that record, and the child's iterators read the same real shard after it.
 * The records are DynamoDB Local's own; only the shard lineage is imitated.
 */
export class ShardRollover {
  private lastRead: string | undefined;
  private cut: { readonly shardId: string; readonly after: string } | undefined;
  readonly client: DynamoDBStreamsClient;

  constructor(private readonly real: DynamoDBStreamsClient) {
    const client = Object.create(real) as DynamoDBStreamsClient;
    (client as { send: unknown }).send = (command: unknown) => this.send(command);
    this.client = client;
  }

  /** Cuts the open shard after the last record read; false if nothing was read yet or it was cut already. */
  rollOver(): boolean {
    if (this.cut !== undefined || this.lastRead === undefined || this.openShard === undefined) return false;
    this.cut = { shardId: this.openShard, after: this.lastRead };
    return true;
  }

  get rolledOver(): boolean {
    return this.cut !== undefined;
  }

  private openShard: string | undefined;

  private childId(): string {
    return `${this.cut!.shardId}-rolled`;
  }

  private async send(command: unknown): Promise<unknown> {
    const real = this.real.send.bind(this.real) as (c: unknown) => Promise<unknown>;
    if (command instanceof DescribeStreamCommand) {
      const out = (await real(command)) as { StreamDescription?: { Shards?: Shard[] } };
      const shards = out.StreamDescription?.Shards ?? [];
      this.openShard ??= shards.find(
        (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined,
      )?.ShardId;
      if (this.cut === undefined) return out;
      const cut = this.cut;
      const listed = shards.flatMap((s): Shard[] =>
        s.ShardId !== cut.shardId
          ? [s]
          : [
              { ...s, SequenceNumberRange: { ...s.SequenceNumberRange, EndingSequenceNumber: cut.after } },
              {
                ShardId: this.childId(),
                ParentShardId: cut.shardId,
                SequenceNumberRange: { StartingSequenceNumber: (BigInt(cut.after) + 1n).toString() },
              },
            ],
      );
      return { ...out, StreamDescription: { ...out.StreamDescription, Shards: listed } };
    }
    if (command instanceof GetShardIteratorCommand) {
      const input = command.input;
      if (this.cut !== undefined && input.ShardId === this.childId()) {
        // The child starts right after the cut, on the real shard.
        const after =
          input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' && input.SequenceNumber !== undefined
            ? input.SequenceNumber
            : this.cut.after;
        const out = (await real(
          new GetShardIteratorCommand({
            StreamArn: input.StreamArn,
            ShardId: this.cut.shardId,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: after,
          }),
        )) as { ShardIterator?: string };
        return {
          ...out,
          ShardIterator: out.ShardIterator === undefined ? undefined : `child|${out.ShardIterator}`,
        };
      }
      const out = (await real(command)) as { ShardIterator?: string };
      return {
        ...out,
        ShardIterator: out.ShardIterator === undefined ? undefined : `shard|${out.ShardIterator}`,
      };
    }
    if (command instanceof GetRecordsCommand) {
      const wrapped = command.input.ShardIterator ?? '';
      const bar = wrapped.indexOf('|');
      const kind = wrapped.slice(0, bar);
      const out = (await real(
        new GetRecordsCommand({ ...command.input, ShardIterator: wrapped.slice(bar + 1) }),
      )) as { Records?: StreamRecord[]; NextShardIterator?: string };
      const records = out.Records ?? [];
      const rewrap = (next: string | undefined): string | undefined =>
        next === undefined ? undefined : `${kind}|${next}`;
      if (kind === 'child' || this.cut === undefined) {
        const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
        if (last !== undefined && kind !== 'child') this.lastRead = last;
        return { ...out, NextShardIterator: rewrap(out.NextShardIterator) };
      }
      // The parent after the cut: its records end at the cut, then the shard is closed.
      const after = BigInt(this.cut.after);
      const kept = records.filter((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0') <= after);
      const closed = kept.length < records.length || records.length === 0;
      return { ...out, Records: kept, NextShardIterator: closed ? undefined : rewrap(out.NextShardIterator) };
    }
    return real(command);
  }
}
