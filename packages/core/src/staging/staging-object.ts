import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';

import { StagingFormatError } from '../errors.js';
import type { StagingRow } from '../stream/change-row.js';
import { isStagedSequence } from '../stream/sequence-number.js';
import { STAGED_PARTITION_BOUNDS_METADATA, encodeBoundsMetadata } from '../sql/partition-bounds.js';
import type { PartitionBounds } from '../sql/partition-bounds.js';

/** Content headers of a staged object (S3 PutObject). */
export const STAGING_CONTENT_TYPE = 'application/x-ndjson';
export const STAGING_CONTENT_ENCODING = 'gzip';

/**
 * One staged object: the rows as NDJSON (one JSON object per line), gzip-compressed. Athena's
 * OpenX JSON SerDe reads it by its `.json.gz` name; DuckDB's read_json does too.
 */
export function encodeStagingObject(rows: Iterable<StagingRow>): Buffer {
  let text = '';
  for (const row of rows) text += `${JSON.stringify(row)}\n`;
  // Level 6 is zlib's default; the benchmark (issue 9) measures what it costs per record.
  return gzipSync(text);
}

/**
 * S3 user metadata of a staged object (x-amz-meta-*: lower-case names, ASCII values; S3 user
 * guide, "Working with object metadata"): its row count and the oldest `_event_time` of its rows,
 * so that the merger's metrics need a HeadObject, not a download of the object; and the bounds of
 * the partition source columns (sql/partition-bounds.ts), from which the merger restricts the
 * MERGE to the partitions the batch touches.
 */
export const STAGED_ROWS_METADATA = 'rows';
export const STAGED_OLDEST_EVENT_METADATA = 'oldest-event-time';
export { STAGED_PARTITION_BOUNDS_METADATA };

export function stagingMetadata(
  rows: readonly StagingRow[],
  bounds?: PartitionBounds,
): Record<string, string> {
  const encodedBounds = bounds === undefined ? undefined : encodeBoundsMetadata(bounds);
  let oldest: string | undefined;
  // `_event_time` is 'yyyy-MM-dd HH:mm:ss.SSSSSS' (UTC): text order is time order.
  for (const r of rows) if (oldest === undefined || r._event_time < oldest) oldest = r._event_time;
  return {
    [STAGED_ROWS_METADATA]: String(rows.length),
    ...(oldest === undefined ? {} : { [STAGED_OLDEST_EVENT_METADATA]: oldest }),
    ...(encodedBounds === undefined ? {} : { [STAGED_PARTITION_BOUNDS_METADATA]: encodedBounds }),
  };
}

const OPS = new Set(['upsert', 'delete']);
const SOURCES = new Set(['stream', 'backfill']);

function checkRow(value: unknown, objectKey: string | undefined, line: number): StagingRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StagingFormatError(objectKey, line, 'not a JSON object');
  }
  const row = value as Record<string, unknown>;
  if (!OPS.has(row._op as string))
    throw new StagingFormatError(objectKey, line, '_op must be upsert or delete');
  if (!isStagedSequence(row._seq))
    throw new StagingFormatError(
      objectKey,
      line,
      '_seq must be 40 digits, or a 17-digit stream epoch and 40 digits',
    );
  if (typeof row._event_time !== 'string')
    throw new StagingFormatError(objectKey, line, '_event_time must be a string');
  if (!SOURCES.has(row._source as string))
    throw new StagingFormatError(objectKey, line, '_source must be stream or backfill');
  return value as StagingRow;
}

type Body = Readable | AsyncIterable<Uint8Array> | Uint8Array;

/**
 * Streams the rows of a staged object without holding it in memory: gunzip, split lines, parse,
 * check the system columns. Throws `StagingFormatError` with the line number on anything else.
 */
export async function* readStagingObject(body: Body, objectKey?: string): AsyncGenerator<StagingRow> {
  const source =
    body instanceof Uint8Array
      ? Readable.from([body])
      : body instanceof Readable
        ? body
        : Readable.from(body);
  const gunzip = createGunzip();
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  const failures: unknown[] = [];
  source.on('error', (error) => gunzip.destroy(error));
  gunzip.on('error', (error) => failures.push(error));
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new StagingFormatError(objectKey, line, 'not valid JSON', { cause: error });
      }
      yield checkRow(parsed, objectKey, line);
    }
  } catch (error) {
    if (error instanceof StagingFormatError) throw error;
    throw new StagingFormatError(objectKey, line, 'not a gzip NDJSON object', { cause: error });
  } finally {
    lines.close();
  }
  if (failures.length > 0)
    throw new StagingFormatError(objectKey, line, 'not a gzip NDJSON object', { cause: failures[0] });
}

/** All rows of a staged object (small objects and tests). */
export async function readAllStagingRows(body: Body, objectKey?: string): Promise<StagingRow[]> {
  const rows: StagingRow[] = [];
  for await (const row of readStagingObject(body, objectKey)) rows.push(row);
  return rows;
}
