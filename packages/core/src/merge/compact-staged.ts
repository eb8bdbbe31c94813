import { createHash } from 'node:crypto';

import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { StagingFormatError } from '../errors.js';
import {
  combineBounds,
  encodeBoundsMetadata,
  rowBounds,
  STAGED_PARTITION_BOUNDS_METADATA,
} from '../sql/partition-bounds.js';
import type { PartitionBounds } from '../sql/partition-bounds.js';
import { compactedObjectKey } from '../staging/staging-key.js';
import {
  readAllStagingRows,
  STAGED_OLDEST_EVENT_METADATA,
  STAGED_ROWS_METADATA,
  STAGING_CONTENT_ENCODING,
  STAGING_CONTENT_TYPE,
  stagingMetadata,
} from '../staging/staging-object.js';
import type { StagedObject } from './engine.js';
import { journalCleaned, journalCommitted, journalMerging } from './journal.js';
import type { JournalTarget } from './journal.js';
import { copyToUnreadable } from './quarantine-unreadable.js';

/**
 * Compaction of an append table's staged objects (DESIGN.md, "Mode append"): at the seed's volume a
 * day stages about 210,000 small objects (one per stream shard per batching window), more than the
 * merger can name in its Athena statements (1,000 `"$path"`s each) within its time budget. The merger
 * first folds them into few objects of about `maxInputBytes`, then appends those.
 *
 * Folding needs no recompression: a gzip file is a series of members (RFC 1952, section 2.2), and a
 * concatenation of gzip files is one gzip file whose content is the concatenation of theirs. Node's
 * zlib, Java's GZIPInputStream (Trino's and Athena's JSON readers) and DuckDB read every member. Each
 * input is still decoded once, to check that it is staging NDJSON: an input that is not goes to
 * quarantine with its reason (like the merger's unreadable objects), so it cannot spoil the others.
 *
 * Crash safety, under the merger's journal (journal.ts), with the same two states as a batch:
 *
 * 1. `merging` names the inputs, written BEFORE anything is read; the output's key is fixed by the
 *    batch id (a hash of the input keys), so a replay overwrites the same object;
 * 2. the output is PUT (atomic: S3 PutObject is all or nothing);
 * 3. `committed`, written AFTER the PUT and BEFORE any input is deleted;
 * 4. the inputs are deleted, then the entry is cleared.
 *
 * A crash before 3 leaves every input staged (the replay builds the output again from them, and no
 * append ran on the output: the merger lists for an append only once the journal is empty); a crash
 * after 3 leaves the output and a `committed` entry whose inputs are deleted by the next run before it
 * lists anything. A listing therefore never holds inputs and output together, and never neither.
 */

/** Batch ids of compactions start with this, so that the journal's replay knows what to redo. */
export const COMPACTION_BATCH_PREFIX = 'compact-';

export interface CompactionLimits {
  /** Compact only when at least this many small objects are staged (default 64). */
  readonly minObjects: number;
  /** Inputs of one output, in compressed bytes (default 16 MiB): the output is about this big. */
  readonly maxInputBytes: number;
  /** Inputs of one output (default 2,000): the journal names every one in a 400 KB item. */
  readonly maxInputs: number;
}

export const DEFAULT_COMPACTION_LIMITS: CompactionLimits = {
  minObjects: 64,
  maxInputBytes: 16 * 1024 * 1024,
  maxInputs: 2000,
};

export function isCompactionBatch(batchId: string): boolean {
  return batchId.startsWith(COMPACTION_BATCH_PREFIX);
}

/** The batch id of a compaction of `keys`: the same inputs always make the same id and output key. */
export function compactionBatchId(keys: readonly string[]): string {
  const hash = createHash('sha256');
  for (const k of [...keys].sort()) hash.update(`${k}\n`);
  return `${COMPACTION_BATCH_PREFIX}${hash.digest('hex').slice(0, 32)}`;
}

function isCompacted(key: string): boolean {
  return key.includes('/compacted/');
}

/**
 * The compactions worth doing in a listing: groups of small stream objects (not backfill objects, not
 * earlier outputs), oldest first, each at most `maxInputBytes` and `maxInputs`; none when fewer than
 * `minObjects` small objects are staged. A group of one is left as it is.
 */
export function planCompaction(
  listing: readonly StagedObject[],
  limits: CompactionLimits = DEFAULT_COMPACTION_LIMITS,
): StagedObject[][] {
  const small = listing
    .filter((o) => o.source === 'stream' && !isCompacted(o.key) && o.size < limits.maxInputBytes)
    .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (a.key < b.key ? -1 : 1));
  if (small.length < limits.minObjects) return [];
  const groups: StagedObject[][] = [];
  let group: StagedObject[] = [];
  let bytes = 0;
  for (const o of small) {
    if (group.length > 0 && (bytes + o.size > limits.maxInputBytes || group.length >= limits.maxInputs)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(o);
    bytes += o.size;
  }
  if (group.length > 1) groups.push(group);
  return groups;
}

export interface CompactionOptions {
  readonly table: TableDeclaration;
  readonly bucket: string;
  readonly stagingPrefix?: string;
  readonly quarantinePrefix?: string;
  readonly journal: JournalTarget;
  /** Crash points for tests; progress for logs. */
  readonly onStep?: (step: CompactionStep, detail: { readonly batchId: string }) => void | Promise<void>;
}

export type CompactionStep =
  'compaction-journaled' | 'compaction-written' | 'compaction-committed' | 'compaction-cleaned';

export interface CompactionReport {
  readonly batchId: string;
  readonly output: string | undefined;
  readonly inputs: number;
  readonly rows: number;
  readonly bytes: number;
  /** Inputs that were not staging NDJSON, moved to quarantine with their reason. */
  readonly quarantined: readonly string[];
}

async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Body === undefined ? undefined : await Body.transformToByteArray();
  } catch (error) {
    // An input deleted by a run that crashed after `committed` is not replayed here (the journal's
    // committed branch deletes, it does not compact), so a missing input means nothing to fold.
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/**
 * One compaction of `inputs` (planCompaction's group, or the journal's entry on replay) into one
 * object, under the protocol described above. The caller holds the lease; every journal write is
 * fenced by it.
 */
export async function compactStaged(
  deps: { readonly s3: S3Client; readonly dynamodb: DynamoDBClient; readonly now: () => Date },
  options: CompactionOptions,
  batchId: string,
  inputKeys: readonly string[],
  replay: boolean,
): Promise<CompactionReport> {
  const { s3 } = deps;
  const keys = [...inputKeys].sort();
  if (!replay) await journalMerging(deps.dynamodb, options.journal, batchId, keys);
  await options.onStep?.('compaction-journaled', { batchId });

  const parts: Uint8Array[] = [];
  const quarantined: string[] = [];
  let rows = 0;
  let oldest: string | undefined;
  // The output's partition bounds span its inputs' (from their rows), so the append of compacted
  // objects is restricted like that of the objects themselves (sql/partition-bounds.ts).
  const bounds: PartitionBounds[] = [];
  const queue = [...keys.entries()];
  const read = new Map<number, Uint8Array>();
  // GETs in parallel (each a round trip), folded in key order so the output is the same on replay.
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [index, key] = next;
      const bytes = await getBytes(s3, options.bucket, key);
      if (bytes !== undefined) read.set(index, bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, keys.length) }, worker));
  for (const [index, key] of keys.entries()) {
    const bytes = read.get(index);
    if (bytes === undefined) continue;
    try {
      const staged = await readAllStagingRows(bytes, key);
      const meta = stagingMetadata(staged);
      rows += staged.length;
      const o = meta[STAGED_OLDEST_EVENT_METADATA];
      if (o !== undefined && (oldest === undefined || o < oldest)) oldest = o;
      bounds.push(rowBounds(options.table, staged));
      parts.push(bytes);
    } catch (error) {
      if (!(error instanceof StagingFormatError)) throw error;
      quarantined.push(await quarantineInput(deps, options, key, error));
    }
  }

  let output: string | undefined;
  const body = Buffer.concat(parts);
  const encodedBounds = encodeBoundsMetadata(combineBounds(options.table, bounds));
  if (parts.length > 0) {
    output = compactedObjectKey(options.table.name, batchId, options.stagingPrefix);
    await s3.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: output,
        Body: body,
        ContentType: STAGING_CONTENT_TYPE,
        ContentEncoding: STAGING_CONTENT_ENCODING,
        Metadata: {
          [STAGED_ROWS_METADATA]: String(rows),
          ...(oldest === undefined ? {} : { [STAGED_OLDEST_EVENT_METADATA]: oldest }),
          ...(encodedBounds === undefined ? {} : { [STAGED_PARTITION_BOUNDS_METADATA]: encodedBounds }),
        },
      }),
    );
  }
  await options.onStep?.('compaction-written', { batchId });
  await journalCommitted(deps.dynamodb, options.journal, batchId, deps.now());
  await options.onStep?.('compaction-committed', { batchId });
  await deleteKeys(s3, options.bucket, keys);
  await journalCleaned(deps.dynamodb, options.journal, batchId);
  await options.onStep?.('compaction-cleaned', { batchId });
  return { batchId, output, inputs: keys.length, rows, bytes: body.byteLength, quarantined };
}

/** Deletes every key (DeleteObject of a missing key succeeds, so a replay simply deletes again). */
export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  const queue = [...keys];
  const worker = async (): Promise<void> => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift())
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  };
  await Promise.all(Array.from({ length: Math.min(32, keys.length) }, worker));
}

/** Copies an input that is not staging NDJSON to quarantine with its reason (deleted with the others). */
async function quarantineInput(
  deps: { readonly s3: S3Client; readonly now: () => Date },
  options: CompactionOptions,
  key: string,
  error: StagingFormatError,
): Promise<string> {
  return copyToUnreadable(deps.s3, options, key, {
    reason: 'compaction found a staged object that is not gzip NDJSON staging rows',
    // StagingFormatError names the object and line, never a value.
    error: { name: error.name, message: error.message, line: error.line },
    now: () => deps.now(),
  });
}
