/** Base class of every error raised by @ddb-athena-sync/local-lake. */
export class LakeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Another writer committed a change that overlaps this one (same partitions read or rewritten, or
 * a file this commit depends on was removed). Nothing of this commit is visible; re-run the
 * operation on the new table state (a merge replay is a no-op thanks to the `_seq` guard).
 */
export class CommitConflictError extends LakeError {
  readonly table: string;
  readonly baseVersion: number;
  readonly currentVersion: number;

  constructor(
    table: string,
    baseVersion: number,
    currentVersion: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `commit to ${table} conflicts with version ${currentVersion} (based on ${baseVersion}): ${reason}`,
      options,
    );
    this.table = table;
    this.baseVersion = baseVersion;
    this.currentVersion = currentVersion;
  }
}

/** Non-conflicting retries ran out: too many concurrent commits in a row. */
export class CommitRetriesExhaustedError extends LakeError {
  readonly table: string;
  readonly attempts: number;

  constructor(table: string, attempts: number, options?: ErrorOptions) {
    super(
      `commit to ${table} failed after ${attempts} attempts: other writers kept committing first`,
      options,
    );
    this.table = table;
    this.attempts = attempts;
  }
}

export class TableNotFoundError extends LakeError {
  readonly table: string;

  constructor(table: string, options?: ErrorOptions) {
    super(`table ${table} does not exist`, options);
    this.table = table;
  }
}

export class TableExistsError extends LakeError {
  readonly table: string;

  constructor(table: string, options?: ErrorOptions) {
    super(`table ${table} already exists`, options);
    this.table = table;
  }
}

export class SnapshotNotFoundError extends LakeError {
  readonly table: string;
  readonly selector: string;

  constructor(table: string, selector: string, options?: ErrorOptions) {
    super(`table ${table} has no snapshot ${selector}`, options);
    this.table = table;
    this.selector = selector;
  }
}

/** A metadata JSON, manifest or Avro file that does not follow the Iceberg/Avro spec. */
export class InvalidMetadataError extends LakeError {
  readonly file: string;

  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`${file}: ${reason}`, options);
    this.file = file;
  }
}

/** A row value that does not fit its column (e.g. a partition source that is not a valid number). */
export class RowValueError extends LakeError {
  readonly table: string;
  readonly column: string;

  constructor(table: string, column: string, reason: string, options?: ErrorOptions) {
    super(`${table}.${column}: ${reason}`, options);
    this.table = table;
    this.column = column;
  }
}

/** A feature of a table written by another engine that this lake does not support. */
export class UnsupportedFeatureError extends LakeError {}

/** A staged object whose body could not be read (missing, or the S3 call failed). */
export class StagedObjectReadError extends LakeError {
  readonly bucket: string;
  readonly key: string;

  constructor(bucket: string, key: string, options?: ErrorOptions) {
    super(`cannot read staged object s3://${bucket}/${key}`, options);
    this.bucket = bucket;
    this.key = key;
  }
}

/**
 * A value that is not what its type promises (a date that does not exist, a malformed decimal).
 * The message names the type and the problem, never the value itself.
 */
export class InvalidValueError extends LakeError {
  readonly type: string;

  constructor(type: string, reason: string, options?: ErrorOptions) {
    super(`invalid ${type} value: ${reason}`, options);
    this.type = type;
  }
}

/** A column named by a declaration, a partition spec or a scan that the table's schema does not have. */
export class SchemaMismatchError extends LakeError {
  readonly table: string;
  readonly column: string;

  constructor(table: string, column: string, reason: string, options?: ErrorOptions) {
    super(`${table}.${column}: ${reason}`, options);
    this.table = table;
    this.column = column;
  }
}

/**
 * A declaration that differs from the table's current Iceberg schema in a way the lake does not
 * evolve by itself (see schema-evolution.ts): a type change, a removal or a rename. The rules are
 * core's (merge/column-changes.ts), so the error is core's too: one class whichever engine refused,
 * re-exported here for the lake's callers.
 */
export { IncompatibleSchemaChangeError } from '@ddb-athena-sync/core/errors';
