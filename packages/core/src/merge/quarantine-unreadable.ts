import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

import { DEFAULT_QUARANTINE_PREFIX, tableStagingPrefix } from '../staging/staging-key.js';

/** Where a table's staged objects are and where its unreadable ones go. */
export interface UnreadableLocation {
  readonly bucket: string;
  readonly table: { readonly name: string };
  readonly stagingPrefix?: string;
  readonly quarantinePrefix?: string;
}

/** What `.reason.json` says besides the table and key. */
export interface UnreadableReason {
  readonly reason: string;
  /** Class, message and whatever names the failure: no log sees it (the message may quote a value). */
  readonly error: Readonly<Record<string, unknown>>;
  /** Read when the reason is written, after the copy. */
  readonly now: () => Date;
}

/**
 * Copies a staged object that cannot be read (by the compaction or by the engine) to
 * `<quarantine>/<table>/unreadable/<its key under the table's staging prefix>`, then writes the
 * `.reason.json` next to it. Returns the copy's key. The caller deletes the staged object (or lets
 * the batch's cleanup do it): copy and reason first, so a crash in between only repeats the move.
 */
export async function copyToUnreadable(
  s3: S3Client,
  where: UnreadableLocation,
  key: string,
  why: UnreadableReason,
): Promise<string> {
  const prefix = where.quarantinePrefix ?? DEFAULT_QUARANTINE_PREFIX;
  const base = tableStagingPrefix(where.table.name, where.stagingPrefix);
  const target = `${prefix}${where.table.name}/unreadable/${key.slice(base.length)}`;
  await s3.send(
    new CopyObjectCommand({
      Bucket: where.bucket,
      Key: target,
      CopySource: `${where.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: where.bucket,
      Key: `${target}.reason.json`,
      ContentType: 'application/json',
      Body: `${JSON.stringify(
        {
          table: where.table.name,
          stagedKey: key,
          reason: why.reason,
          error: why.error,
          quarantinedAt: why.now().toISOString(),
        },
        null,
        2,
      )}\n`,
    }),
  );
  return target;
}
