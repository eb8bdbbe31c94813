import type { Assumptions } from './assumptions.js';
import type { DerivedProfile, TableProfile } from './cost-types.js';
import type { PriceBook } from './price-book.js';

/**
 * Quantities every design shares. Stream shards: DynamoDB splits a table into partitions of about
 * 10 GB or 1,000 write units per second, and its stream has a shard per partition; each shard gets its
 * own Lambda invocations, so shards raise the stream-writer's invocation count.
 */
export function deriveProfile(profile: TableProfile, book: PriceBook, a: Assumptions): DerivedProfile {
  const secondsPerMonth = book.monthHours * 3600;
  const tableBytes = profile.items * profile.itemBytes;
  const writeUnitsPerSec = profile.writesPerSec * Math.ceil(profile.itemBytes / book.units.bytesPerKb);
  const streamShards = Math.max(
    1,
    Math.ceil(tableBytes / a.dynamodbPartitionBytes),
    Math.ceil(writeUnitsPerSec / a.dynamodbPartitionWcu),
  );
  return {
    secondsPerMonth,
    writesPerMonth: profile.writesPerSec * secondsPerMonth,
    tableBytes,
    streamShards,
  };
}
