import { createHash } from 'node:crypto';

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { PoisonRecordError } from '@ddb-athena-sync/core/errors';
import {
  backfillObjectKey,
  DEFAULT_QUARANTINE_PREFIX,
  DEFAULT_STAGING_PREFIX,
  tableStagingPrefix,
} from '@ddb-athena-sync/core/staging/staging-key';
import {
  encodeStagingObject,
  STAGING_CONTENT_ENCODING,
  STAGING_CONTENT_TYPE,
  stagingMetadata,
} from '@ddb-athena-sync/core/staging/staging-object';
import type { AttributeMap } from '@ddb-athena-sync/core/stream/attribute-value';
import { buildRow, describeKey, mapImage } from '@ddb-athena-sync/core/stream/decode-record';
import type { DynamoDBStreamRecord } from '@ddb-athena-sync/core/stream/decode-record';
import { BACKFILL_SEQUENCE } from '@ddb-athena-sync/core/stream/sequence-number';
import { stageStreamBatch } from '@ddb-athena-sync/core/stream/stage-batch';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import { formatMicros } from '@ddb-athena-sync/core/stream/timestamp';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { LocalCommandError } from '../errors.js';

// What lands under quarantine/<table>/ today, and who writes it (one reader for all four):
// - stream-record: a DynamoDB Streams record the stream-writer could not map (core
//   stream/stage-batch.ts): `{table, reason, error, quarantinedAt, record}`.
// - backfill-item: an item a backfill Scan could not map (core backfill/backfill-table.ts):
//   `{table, source: 'backfill', runId, reason, error, item}`.
// - firehose-record: a record the Firehose transform reported ProcessingFailed (core
//   firehose/quarantine-records.ts): `{table, reason, error, quarantinedAt, firehoseRecordId, record}`.
//   Firehose's own error output (firehose-errors/) holds the same records; their reasons are here.
// - unreadable-object: a staged object the merger's engine could not read, moved to
//   `unreadable/<staged key>` next to `<...>.reason.json` (core merge/merge-table.ts).

export type QuarantineKind = 'stream-record' | 'backfill-item' | 'firehose-record' | 'unreadable-object';

export interface QuarantineEntry {
  /** 12 hex digits of the SHA-256 of `objectKey`: what `show` and `replay` take. */
  readonly id: string;
  readonly table: string;
  readonly kind: QuarantineKind;
  /** The item's key attributes as text, when the error could read them (not for a whole object). */
  readonly key: Readonly<Record<string, string>> | undefined;
  /** The whole reason, as written. */
  readonly reason: string;
  /** The reason without the table/key/sequence context the other columns already show. */
  readonly shortReason: string;
  readonly quarantinedAt: string | undefined;
  /** The quarantine object (the `.reason.json` for an unreadable object). */
  readonly objectKey: string;
  /** The error's fields as written (class, attribute, sequence number, ...). */
  readonly error: Readonly<Record<string, unknown>>;
  /** unreadable-object: where the object was staged, and its quarantined copy. */
  readonly stagedKey?: string;
  readonly dataKey?: string;
  /** The record or item itself (item values: shown only with --with-values). */
  readonly payload: unknown;
}

export interface QuarantineLocation {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly quarantinePrefix?: string;
  readonly stagingPrefix?: string;
}

/** A quarantine id that names nothing (a typo, or a record already replayed). */
export class QuarantineEntryNotFoundError extends LocalCommandError {
  readonly id: string;

  constructor(id: string, bucket: string) {
    super(
      `no quarantined record ${id} in bucket ${bucket} (already replayed? "quarantine list" shows what is there)`,
    );
    this.id = id;
  }
}

/** A replay that cannot stage the record: the reason it was quarantined still holds, or no staging exists. */
export class ReplayRefusedError extends LocalCommandError {}

export function quarantineId(objectKey: string): string {
  return createHash('sha256').update(objectKey).digest('hex').slice(0, 12);
}

async function readJson(s3: S3Client, bucket: string, key: string): Promise<Record<string, unknown>> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await out.Body?.transformToString('utf8')) ?? '';
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return { reason: `(the quarantine object ${key} is not JSON)` };
  }
}

function textKey(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length === 0 ? undefined : out;
}

function entryOf(objectKey: string, prefix: string, body: Record<string, unknown>): QuarantineEntry {
  const table =
    typeof body.table === 'string' ? body.table : (objectKey.slice(prefix.length).split('/')[0] ?? '?');
  const error = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as Record<
    string,
    unknown
  >;
  const reason = typeof body.reason === 'string' ? body.reason : '(no reason recorded)';
  const base = {
    id: quarantineId(objectKey),
    table,
    reason,
    // A PoisonRecordError's message is `table "t" key {..} seq ..: <why>` (core errors.ts): the why.
    shortReason: reason.replace(/^table "[^"]*"(?: key \{.*?\})?(?: seq \S+)?: /, ''),
    quarantinedAt: typeof body.quarantinedAt === 'string' ? body.quarantinedAt : undefined,
    objectKey,
    error,
    key: textKey(error.key),
  };
  if (objectKey.endsWith('.reason.json') && objectKey.includes('/unreadable/'))
    return {
      ...base,
      kind: 'unreadable-object',
      key: undefined,
      ...(typeof body.stagedKey === 'string' ? { stagedKey: body.stagedKey } : {}),
      dataKey: objectKey.slice(0, -'.reason.json'.length),
      payload: undefined,
    };
  if (body.source === 'backfill') return { ...base, kind: 'backfill-item', payload: body.item };
  if ('firehoseRecordId' in body) return { ...base, kind: 'firehose-record', payload: body.record };
  return { ...base, kind: 'stream-record', payload: body.record };
}

/** Every quarantined record under the prefix (one table's with `table`), oldest first. */
export async function listQuarantine(loc: QuarantineLocation, table?: string): Promise<QuarantineEntry[]> {
  const prefix = loc.quarantinePrefix ?? DEFAULT_QUARANTINE_PREFIX;
  const entries: QuarantineEntry[] = [];
  let token: string | undefined;
  do {
    const page = await loc.s3.send(
      new ListObjectsV2Command({
        Bucket: loc.bucket,
        Prefix: table === undefined ? prefix : `${prefix}${table}/`,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const o of page.Contents ?? []) {
      const key = o.Key;
      if (key === undefined) continue;
      // The copy of an unreadable object is described by its .reason.json; anything else not JSON is no entry.
      if (!key.endsWith('.json')) continue;
      entries.push(entryOf(key, prefix, await readJson(loc.s3, loc.bucket, key)));
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return entries.sort((a, b) => (a.quarantinedAt ?? '').localeCompare(b.quarantinedAt ?? ''));
}

export async function findQuarantined(loc: QuarantineLocation, id: string): Promise<QuarantineEntry> {
  const found = (await listQuarantine(loc)).filter((e) => e.id === id || e.objectKey === id);
  if (found.length === 0) throw new QuarantineEntryNotFoundError(id, loc.bucket);
  return found[0]!;
}

export interface ReplayResult {
  readonly entry: QuarantineEntry;
  /** The staging object the record is in now (the merger's next run merges it). */
  readonly stagedKey: string;
}

/**
 * Puts a quarantined record back into staging with the current declaration, then deletes it from
 * quarantine. Idempotent: the staging key depends only on the record (the stream-writer's key for a
 * stream record, `backfill/replay-<id>/` for a backfill item, the original key for a whole object),
 * so a replay repeated after a crash between the two steps writes the same object again, and the
 * merge of a record already merged changes nothing (the MERGE keeps the row with the higher _seq).
 * A record that still does not map is left where it is (ReplayRefusedError with the reason).
 */
export async function replayQuarantined(
  loc: QuarantineLocation,
  entry: QuarantineEntry,
  table: TableDeclaration,
  now: () => number = Date.now,
): Promise<ReplayResult> {
  const stagingPrefix = loc.stagingPrefix ?? DEFAULT_STAGING_PREFIX;
  let stagedKey: string;
  if (entry.kind === 'firehose-record')
    throw new ReplayRefusedError(
      `${entry.id} is a Firehose record of ${entry.table}: firehose tables have no staging for a merger to read; send the record again to the table's Kinesis stream (PutRecord)`,
    );
  if (entry.kind === 'unreadable-object') {
    if (entry.dataKey === undefined || entry.stagedKey === undefined)
      throw new ReplayRefusedError(`${entry.id}: its reason file names no staged key`);
    if (!entry.stagedKey.startsWith(tableStagingPrefix(table.name, stagingPrefix)))
      throw new ReplayRefusedError(
        `${entry.id}: ${entry.stagedKey} is not under the staging prefix of ${table.name}`,
      );
    await loc.s3.send(
      new CopyObjectCommand({
        Bucket: loc.bucket,
        Key: entry.stagedKey,
        CopySource: `${loc.bucket}/${entry.dataKey.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
    stagedKey = entry.stagedKey;
    await loc.s3.send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: entry.dataKey }));
  } else if (entry.kind === 'backfill-item') {
    const item = entry.payload as AttributeMap;
    let row;
    try {
      const context = { table: table.name, sequenceNumber: undefined, key: describeKey(table, item) };
      row = buildRow(mapImage(table, item, context), {
        op: 'upsert',
        sequence: BACKFILL_SEQUENCE,
        eventTime: formatMicros(BigInt(now()) * 1000n),
        source: 'backfill',
      });
    } catch (error) {
      if (error instanceof PoisonRecordError)
        throw new ReplayRefusedError(`${entry.id} still does not fit ${table.name}: ${error.message}`, {
          cause: error,
        });
      throw error;
    }
    stagedKey = backfillObjectKey({
      table: table.name,
      runId: `replay-${entry.id}`,
      segment: 0,
      part: 0,
      prefix: stagingPrefix,
    });
    await loc.s3.send(
      new PutObjectCommand({
        Bucket: loc.bucket,
        Key: stagedKey,
        Body: encodeStagingObject([row]),
        ContentType: STAGING_CONTENT_TYPE,
        ContentEncoding: STAGING_CONTENT_ENCODING,
        Metadata: stagingMetadata([row]),
      }),
    );
  } else {
    // The stream-writer's own staging code on the one record: a poison record is reported, not
    // written (the store takes only the staging object), so nothing lands in quarantine twice.
    const store: ObjectStore = {
      async putObject(o) {
        if (!o.key.startsWith(stagingPrefix)) return;
        await loc.s3.send(
          new PutObjectCommand({
            Bucket: loc.bucket,
            Key: o.key,
            Body: o.body,
            ContentType: o.contentType,
            ContentEncoding: o.contentEncoding,
            Metadata: o.metadata,
          }),
        );
      },
    };
    const result = await stageStreamBatch(
      [entry.payload as DynamoDBStreamRecord],
      { table, stagingPrefix, quarantinePrefix: loc.quarantinePrefix ?? DEFAULT_QUARANTINE_PREFIX },
      { store, now },
    );
    // Not a poison record (an S3 error): the same error the stream-writer would fail the batch with.
    if (result.error !== undefined)
      throw result.error instanceof Error
        ? result.error
        : new LocalCommandError('staging the replayed record failed', { cause: result.error });
    const still = result.quarantined[0];
    if (still !== undefined)
      throw new ReplayRefusedError(`${entry.id} still does not fit ${table.name}: ${still.reason}`);
    if (result.staged === undefined)
      throw new ReplayRefusedError(
        `${entry.id}: the declaration of ${table.name} skips this record now (nothing to stage); it stays in quarantine`,
      );
    stagedKey = result.staged.objectKey;
  }
  await loc.s3.send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: entry.objectKey }));
  return { entry, stagedKey };
}
