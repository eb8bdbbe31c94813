import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { stagedObjectSource, tableStagingPrefix } from '../staging/staging-key.js';
import { ATHENA_MAX_QUERY_BYTES } from '../sql/render-merge.js';
import type { MergeSizeModel } from '../sql/render-merge.js';
import type { StagedObject } from './engine.js';

export interface BatchLimits {
  /** At most this many objects per MERGE. */
  readonly maxFiles: number;
  /** At most this many staged bytes (compressed) per MERGE. */
  readonly maxBytes: number;
  /** The rendered Athena MERGE stays at or under this many bytes (Athena's limit: 262,144). */
  readonly maxQueryBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxFiles: 1000,
  maxBytes: 512 * 1024 * 1024,
  maxQueryBytes: ATHENA_MAX_QUERY_BYTES,
};

export interface PlannedBatch {
  readonly objects: readonly StagedObject[];
  /** Objects of the listing left for a later batch. */
  readonly remaining: number;
  /** Which limit cut the batch, if one did. */
  readonly cutBy: 'files' | 'bytes' | 'query' | undefined;
}

/**
 * Lists every staged object of a table (one listing: this is what batch F is planned from).
 * Keys that are not staged objects (see staging-key.ts) are ignored, never merged or deleted.
 */
export async function listStagedObjects(
  s3: S3Client,
  bucket: string,
  table: TableDeclaration,
  stagingPrefix: string | undefined,
): Promise<StagedObject[]> {
  const prefix = tableStagingPrefix(table.name, stagingPrefix);
  const out: StagedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      const source = stagedObjectSource(o.Key, table.name, stagingPrefix);
      if (source === undefined) continue;
      out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0), source });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

/**
 * The merge order: every backfill object before any stream object (backfill rows carry `_seq` 0, and
 * must be in the table before a stream delete can remove their key: DESIGN.md "Backfill"), then
 * stream objects oldest first by LastModified, key order within one timestamp.
 */
export function mergeOrder(objects: readonly StagedObject[]): StagedObject[] {
  return [...objects].sort((a, b) => {
    if (a.source !== b.source) return a.source === 'backfill' ? -1 : 1;
    if (a.source === 'stream') {
      const t = a.lastModified.getTime() - b.lastModified.getTime();
      if (t !== 0) return t;
    }
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

/**
 * Batch F: the longest prefix of the merge order that fits the limits.
 *
 * Why a prefix, and why the cut backs off to a LastModified boundary: a deleted row leaves no trace
 * in the table (no tombstone), so the only way to resurrect it is to merge an older upsert of that
 * key in a later MERGE than the newer delete. Within one shard the stream writer PUTs a batch's
 * object only after the previous batch's object was PUT, so an older change's object is listed
 * whenever a newer one is (S3 list-after-write is strongly consistent) and has an earlier or equal
 * LastModified. A prefix in LastModified order therefore never takes a newer object while leaving an
 * older one of the same key behind, except inside a group with equal LastModified (S3 lists it at
 * one-second precision), so the cut is never made inside such a group unless the group alone
 * exceeds the limits. A batch that committed but was not yet cleaned up is never re-planned here:
 * the journal replays it alone, before any new listing (merge-table.ts).
 */
export function planBatch(
  listing: readonly StagedObject[],
  limits: BatchLimits,
  size: MergeSizeModel,
  uriOf: (key: string) => string,
): PlannedBatch {
  const ordered = mergeOrder(listing);
  let bytes = 0;
  let query = size.fixedBytes;
  let taken = 0;
  let cutBy: PlannedBatch['cutBy'];
  for (const o of ordered) {
    const q = size.bytesPerFile(uriOf(o.key));
    if (taken + 1 > limits.maxFiles) cutBy = 'files';
    else if (taken > 0 && bytes + o.size > limits.maxBytes) cutBy = 'bytes';
    else if (query + q > limits.maxQueryBytes) cutBy = 'query';
    if (cutBy !== undefined) break;
    taken++;
    bytes += o.size;
    query += q;
  }
  if (cutBy !== undefined && taken > 0) {
    const next = ordered[taken]!;
    const last = ordered[taken - 1]!;
    if (next.source === 'stream' && last.source === 'stream' && sameSecond(next, last)) {
      let start = taken - 1;
      while (start > 0 && ordered[start - 1]!.source === 'stream' && sameSecond(ordered[start - 1]!, last))
        start--;
      if (start > 0) taken = start;
    }
  }
  if (taken === 0 && ordered.length > 0)
    throw new RangeError(`staged object ${ordered[0]!.key} alone exceeds the batch limits`);
  return { objects: ordered.slice(0, taken), remaining: ordered.length - taken, cutBy };
}

function sameSecond(a: StagedObject, b: StagedObject): boolean {
  return Math.floor(a.lastModified.getTime() / 1000) === Math.floor(b.lastModified.getTime() / 1000);
}
