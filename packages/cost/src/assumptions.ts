/**
 * Everything the model assumes that is not a price. Each value is a guess stated openly; the benchmarks
 * of issue 9 (stream-writer records per second, merge times) are what should replace the timing guesses.
 * Module defaults come from infra/modules/{merge-table,firehose-table}/variables.tf.
 */
export interface Assumptions {
  /** Event source mapping batch size (merge-table default 1000). */
  streamWriterBatchSize: number;
  /** Event source mapping batching window, seconds (merge-table default 5). */
  streamWriterBatchWindowSec: number;
  /** Stream-writer memory, MB (merge-table default 512). */
  streamWriterMemoryMb: number;
  /** Fixed time per stream-writer invocation (S3 PUT round trip, start-up), ms. */
  streamWriterMsPerInvocation: number;
  /** Decode + map + gzip time per change record, ms. */
  streamWriterMsPerRecord: number;
  /** gzip NDJSON bytes of a staging row / its uncompressed bytes. */
  stagingCompressionRatio: number;
  /** Bytes a staging row adds to the item (_op, 40-digit _seq, _event_time, _source, JSON keys). */
  stagingRowOverheadBytes: number;
  /** Merger memory, MB (merge-table default 512). */
  mergerMemoryMb: number;
  /** Merger run that finds nothing staged (lease, LIST, release), ms. */
  mergerEmptyRunMs: number;
  /** Merger time per MERGE query, mostly waiting for Athena, ms. */
  mergerMsPerQuery: number;
  /** Staging objects named in one MERGE: about 250 bytes per quoted `"$path"` in a 262,144-byte query. */
  mergeFilesPerQuery: number;
  /** Merger timeout, seconds (merge-table default 300): the MERGE queries of one run must fit in it. */
  mergerTimeoutSec: number;
  /** DynamoDB control-table writes per merger run (lease acquire + release). */
  controlWritesPerRun: number;
  /** Extra control-table writes per committed batch (journal committed + cleaned). */
  journalWritesPerMerge: number;
  /** Iceberg metadata objects written per commit (manifest, manifest list, metadata JSON). */
  icebergMetadataPutsPerCommit: number;
  /** Iceberg metadata objects read per query (metadata JSON, manifest list, manifests). */
  icebergMetadataGetsPerQuery: number;
  /** Data files read per touched partition by a MERGE (after compaction, about one or two). */
  dataFilesPerTouchedPartition: number;
  /** Partitions of the Iceberg table: `bucket(16, id)` as in the design. */
  partitionBuckets: number;
  /** Bytes per row of the target's key columns plus `_seq` that a MERGE reads (Parquet, compressed). */
  targetKeyBytesPerRow: number;
  /** Parquet bytes of a row / DynamoDB item bytes. */
  parquetRatio: number;
  /** Maintenance schedule (OPTIMIZE + VACUUM), seconds (merge-table default hourly). */
  maintenanceIntervalSec: number;
  /** Merger time of one maintenance run that has work, ms. */
  maintenanceRunMs: number;
  /** DynamoDB partition size that adds a stream shard, bytes (10 GB). */
  dynamodbPartitionBytes: number;
  /** Write units per second per partition that add a stream shard. */
  dynamodbPartitionWcu: number;
  /** Bytes a Kinesis record for DynamoDB adds to the images (event metadata, keys, type descriptors). */
  kinesisRecordOverheadBytes: number;
  /** Firehose buffering size, MB (firehose-table default 64). */
  firehoseBufferMb: number;
  /** Firehose buffering interval cap, seconds (API maximum 900). */
  firehoseMaxBufferSec: number;
  /** Transform Lambda buffer (firehose-table: BufferSizeInMBs 1, BufferIntervalInSeconds 60). */
  transformBufferMb: number;
  transformBufferSec: number;
  /** Transform Lambda memory, MB, and timing. */
  transformMemoryMb: number;
  transformMsPerInvocation: number;
  transformMsPerRecord: number;
  /**
   * Append mode: the stream-writer's batching window for append tables, seconds (the event source
   * mapping's maximum, 300; merge-table sets it for mode append): fewer, larger staged objects.
   */
  appendBatchWindowSec: number;
  /** Append mode: compressed bytes of one compaction output (core DEFAULT_COMPACTION_LIMITS, 16 MiB). */
  compactedObjectBytes: number;
  /** Append mode: S3 GET round trip of one staged object during compaction, ms (a guess, not measured). */
  compactionGetMs: number;
  /** Append mode: GETs the compaction runs at once (core compact-staged.ts: 32). */
  compactionConcurrency: number;
  /**
   * Append mode: staged NDJSON bytes (uncompressed) the compaction checks per second: gunzip, JSON
   * parse and row check. Measured by the append benchmark (docs/BENCHMARKS.md, "Append mode").
   */
  compactionCheckBytesPerSec: number;
  /** Append mode: PUT of one compaction output, ms (a guess). */
  compactionPutMs: number;
  /** The merger's safety margin before its timeout, seconds (apps/merger SAFETY_MS). */
  mergerSafetySec: number;
  /** Time a batch needs to start, seconds (merger MIN_BATCH_BUDGET_MS default). */
  mergerMinBatchBudgetSec: number;
}

const MB = 1024 * 1024;

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  streamWriterBatchSize: 1000,
  streamWriterBatchWindowSec: 5,
  streamWriterMemoryMb: 512,
  streamWriterMsPerInvocation: 60,
  streamWriterMsPerRecord: 0.05,
  stagingCompressionRatio: 0.25,
  stagingRowOverheadBytes: 120,
  mergerMemoryMb: 512,
  mergerEmptyRunMs: 300,
  mergerMsPerQuery: 8000,
  mergeFilesPerQuery: 1000,
  mergerTimeoutSec: 300,
  controlWritesPerRun: 2,
  journalWritesPerMerge: 2,
  icebergMetadataPutsPerCommit: 3,
  icebergMetadataGetsPerQuery: 4,
  dataFilesPerTouchedPartition: 2,
  partitionBuckets: 16,
  targetKeyBytesPerRow: 48,
  parquetRatio: 0.35,
  maintenanceIntervalSec: 3600,
  maintenanceRunMs: 20000,
  dynamodbPartitionBytes: 10 * 1024 * MB,
  dynamodbPartitionWcu: 1000,
  kinesisRecordOverheadBytes: 400,
  firehoseBufferMb: 64,
  firehoseMaxBufferSec: 900,
  transformBufferMb: 1,
  transformBufferSec: 60,
  transformMemoryMb: 256,
  transformMsPerInvocation: 40,
  transformMsPerRecord: 0.05,
  appendBatchWindowSec: 300,
  compactedObjectBytes: 16 * MB,
  compactionGetMs: 20,
  compactionConcurrency: 32,
  compactionCheckBytesPerSec: 40 * 1000 * 1000,
  compactionPutMs: 200,
  mergerSafetySec: 20,
  mergerMinBatchBudgetSec: 30,
};
