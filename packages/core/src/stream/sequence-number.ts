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
