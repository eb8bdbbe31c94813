/**
 * A value as it travels in a staging row. The encoding per column type is documented in
 * @ddb-athena-sync/schemas/column-type: values that JSON could not carry exactly (bigint, decimal,
 * timestamp, date, binary, json) are strings, so `JSON.parse` never loses precision.
 */
export type StagedValue =
  string | number | boolean | null | readonly StagedValue[] | { readonly [field: string]: StagedValue };

export type ChangeOp = 'upsert' | 'delete';
export type ChangeSource = 'stream' | 'backfill';

/** System columns every staging row carries. */
export interface ChangeMeta {
  readonly _op: ChangeOp;
  /** Stream SequenceNumber left-padded to 40 digits ("0" x 40 for backfill rows). Compare as strings. */
  readonly _seq: string;
  /** When the change happened (ApproximateCreationDateTime), `YYYY-MM-DD HH:MM:SS.ffffff` UTC. */
  readonly _event_time: string;
  readonly _source: ChangeSource;
}

/**
 * One change of one item: the key columns and, for upserts, every declared column (null when the
 * attribute is absent). For deletes only the key columns carry values. One line of NDJSON in staging.
 */
export type StagingRow = ChangeMeta & { readonly [column: string]: StagedValue };
