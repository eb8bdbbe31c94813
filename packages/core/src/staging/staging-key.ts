import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import { padSequenceNumber } from '../stream/sequence-number.js';

/** Default prefixes inside the lake bucket. Staging never lives under an Iceberg table location. */
export const DEFAULT_STAGING_PREFIX = 'staging/';
export const DEFAULT_QUARANTINE_PREFIX = 'quarantine/';

const SHARD = /^[A-Za-z0-9_.-]{1,128}$/;

function normalizePrefix(prefix: string): string {
  if (prefix !== '' && !/^[A-Za-z0-9_.\-/]+\/$/.test(prefix)) {
    throw new RangeError(
      `prefix ${JSON.stringify(prefix)} must be empty or end with "/" and use only [A-Za-z0-9_.-/]`,
    );
  }
  return prefix;
}

/** The prefix under which every staged object of a table lives: `staging/<table>/`. */
export function tableStagingPrefix(table: string, prefix = DEFAULT_STAGING_PREFIX): string {
  return `${normalizePrefix(prefix)}${assertIdentifier(table, 'table name')}/`;
}

export interface StreamObjectKeyInput {
  readonly table: string;
  /** Shard (or another stable name of the stream partition) the batch came from. */
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
  /** Event time of the batch's first record: with the sequence numbers, fixed across retries. */
  readonly firstEventTime: Date;
  readonly prefix?: string;
}

/**
 * `staging/<table>/<yyyy>/<mm>/<dd>/<hh>/<shardId>-<firstSeq>-<lastSeq>.json.gz`. Everything in the
 * key is fixed by the batch's records, so a retried batch overwrites its own object instead of
 * adding a second copy.
 */
export function streamObjectKey(input: StreamObjectKeyInput): string {
  if (!SHARD.test(input.shardId))
    throw new RangeError(`shard id ${JSON.stringify(input.shardId)} has characters outside [A-Za-z0-9_.-]`);
  const iso = input.firstEventTime.toISOString();
  const [yyyy, mm, dd, hh] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
  const first = padSequenceNumber(input.firstSequenceNumber);
  const last = padSequenceNumber(input.lastSequenceNumber);
  return `${tableStagingPrefix(input.table, input.prefix)}${yyyy}/${mm}/${dd}/${hh}/${input.shardId}-${first}-${last}.json.gz`;
}

export interface BackfillObjectKeyInput {
  readonly table: string;
  /** One id per backfill run (e.g. its start time, `20240501T120000Z`). */
  readonly runId: string;
  readonly segment: number;
  readonly part: number;
  readonly prefix?: string;
}

/** `staging/<table>/backfill/<runId>/<segment>-<part>.json.gz`: merged before any stream object. */
export function backfillObjectKey(input: BackfillObjectKeyInput): string {
  if (!SHARD.test(input.runId))
    throw new RangeError(`run id ${JSON.stringify(input.runId)} has characters outside [A-Za-z0-9_.-]`);
  const seg = String(input.segment).padStart(6, '0');
  const part = String(input.part).padStart(6, '0');
  return `${tableStagingPrefix(input.table, input.prefix)}backfill/${input.runId}/${seg}-${part}.json.gz`;
}

/**
 * `staging/<table>/compacted/<batchId>.json.gz`: many small stream objects of an append table folded
 * into one (merge/compact-staged.ts); the name is fixed by the compaction's journaled batch id, so a
 * compaction replayed after a crash overwrites its own output.
 */
export function compactedObjectKey(table: string, batchId: string, prefix = DEFAULT_STAGING_PREFIX): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(batchId))
    throw new RangeError(`batch id ${JSON.stringify(batchId)} is not a key segment`);
  return `${tableStagingPrefix(table, prefix)}compacted/${batchId}.json.gz`;
}

/** Which kind of staged object a key names, or undefined for keys that are not staged objects. */
export function stagedObjectSource(
  key: string,
  table: string,
  prefix = DEFAULT_STAGING_PREFIX,
): 'stream' | 'backfill' | undefined {
  const base = tableStagingPrefix(table, prefix);
  if (!key.startsWith(base) || !key.endsWith('.json.gz')) return undefined;
  const rest = key.slice(base.length);
  if (rest.startsWith('backfill/')) return 'backfill';
  // Compacted stream objects of append tables (merge/compact-staged.ts).
  if (/^compacted\/[A-Za-z0-9_-]+\.json\.gz$/.test(rest)) return 'stream';
  return /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/[^/]+\.json\.gz$/.test(rest) ? 'stream' : undefined;
}

export interface QuarantineKeyInput {
  readonly table: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly eventTime: Date;
  readonly prefix?: string;
}

/** `quarantine/<table>/<yyyy>/<mm>/<dd>/<shardId>-<seq>.json`: one object per poison record. */
export function quarantineKey(input: QuarantineKeyInput): string {
  if (!SHARD.test(input.shardId))
    throw new RangeError(`shard id ${JSON.stringify(input.shardId)} has characters outside [A-Za-z0-9_.-]`);
  const iso = input.eventTime.toISOString();
  const base = `${normalizePrefix(input.prefix ?? DEFAULT_QUARANTINE_PREFIX)}${assertIdentifier(input.table, 'table name')}/`;
  // A record too broken to have a sequence number is named by whatever id it has (e.g. eventID).
  const seq = /^\d{1,40}$/.test(input.sequenceNumber)
    ? padSequenceNumber(input.sequenceNumber)
    : input.sequenceNumber.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128) || 'unknown';
  return `${base}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${input.shardId}-${seq}.json`;
}
