/**
 * DynamoDB Streams SequenceNumbers are decimal strings of 21 to 40 digits: too long for bigint or
 * decimal(38). Left-padded to 40 digits they order correctly as strings, in SQL and in JS alike.
 */
export const SEQUENCE_WIDTH = 40;

/** The `_seq` of backfill rows: lower than any stream change, so every stream change wins. */
export const BACKFILL_SEQUENCE = '0'.repeat(SEQUENCE_WIDTH);

const DIGITS = /^\d{1,40}$/;

export function isSequenceNumber(value: unknown): value is string {
  return typeof value === 'string' && DIGITS.test(value);
}

/** Left-pads to 40 digits; throws RangeError for anything that is not 1-40 decimal digits. */
export function padSequenceNumber(sequenceNumber: string): string {
  if (!isSequenceNumber(sequenceNumber)) {
    throw new RangeError(
      `sequence number must be 1-40 decimal digits, got ${JSON.stringify(sequenceNumber)}`,
    );
  }
  return sequenceNumber.padStart(SEQUENCE_WIDTH, '0');
}

/** Numeric order of two sequence numbers of any width (negative, zero, positive). */
export function compareSequenceNumbers(a: string, b: string): number {
  const pa = padSequenceNumber(a);
  const pb = padSequenceNumber(b);
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/**
 * Width of the stream epoch that prefixes a stream row's `_seq`: the stream label's
 * yyyyMMddHHmmssSSS. A recreated stream (view type changed, stream disabled and re-enabled) has a
 * new ARN and label, and its sequence numbers are not documented to be higher than the old
 * stream's; changes are therefore ordered by (stream epoch, sequence number), and `_seq` stays one
 * string whose text order is that order, in every engine's plain comparison.
 */
export const STREAM_EPOCH_WIDTH = 17;

/**
 * The epoch of the stream an event came from: `eventSourceARN` ends with `/stream/<label>`, the
 * label being the stream's creation time, ISO 8601 with milliseconds, e.g. `2015-05-11T21:21:33.291`
 * (DynamoDB Streams API reference, Stream: StreamLabel; DescribeStream). Without a readable label
 * (hand-built records: Lambda always sets eventSourceARN) the epoch is all zeros, below every
 * real stream.
 */
export function streamEpoch(eventSourceARN: unknown): string {
  const label =
    typeof eventSourceARN === 'string' ? /\/stream\/([^/]+)$/.exec(eventSourceARN)?.[1] : undefined;
  const m =
    label === undefined
      ? undefined
      : /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(label);
  if (m === null || m === undefined) return '0'.repeat(STREAM_EPOCH_WIDTH);
  return `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6]}${(m[7] ?? '').padEnd(3, '0')}`;
}

/** `_seq` of a stream change: stream epoch, then the sequence number padded to 40 digits. */
export function changeSequence(eventSourceARN: unknown, sequenceNumber: string): string {
  return `${streamEpoch(eventSourceARN)}${padSequenceNumber(sequenceNumber)}`;
}

/** A staged `_seq`: 40 digits (backfill, rows staged before stream epochs) or epoch + 40 digits. */
export function isStagedSequence(value: unknown): value is string {
  return typeof value === 'string' && /^(\d{17})?\d{40}$/.test(value);
}
