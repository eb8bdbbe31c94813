import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { stagedObjectSource, tableStagingPrefix } from '@ddb-athena-sync/core/staging/staging-key';

export interface StagingStatus {
  readonly objects: number;
  readonly bytes: number;
  readonly backfillObjects: number;
  /** Age of the oldest staged object (ms), undefined when nothing is staged. */
  readonly oldestAgeMs: number | undefined;
}

/** Lists a table's staging prefix: what the next merge would pick up. */
export async function stagingStatus(
  s3: S3Client,
  bucket: string,
  table: string,
  now = Date.now(),
): Promise<StagingStatus> {
  let objects = 0;
  let bytes = 0;
  let backfillObjects = 0;
  let oldest: number | undefined;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: tableStagingPrefix(table),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const o of page.Contents ?? []) {
      const source = o.Key === undefined ? undefined : stagedObjectSource(o.Key, table);
      if (source === undefined) continue;
      objects++;
      bytes += o.Size ?? 0;
      if (source === 'backfill') backfillObjects++;
      const t = o.LastModified?.getTime();
      if (t !== undefined) oldest = oldest === undefined ? t : Math.min(oldest, t);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return {
    objects,
    bytes,
    backfillObjects,
    oldestAgeMs: oldest === undefined ? undefined : Math.max(0, now - oldest),
  };
}
