/** Base class of every error raised by @ddb-athena-sync/core. `cause` is kept when there is one. */
export class CoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Where a bad record came from: enough to find it again, never the item's contents. */
export interface RecordContext {
  readonly table: string;
  /** Stream SequenceNumber as delivered (unpadded), when the record has one. */
  readonly sequenceNumber: string | undefined;
  /** Key attribute values rendered as text (`id=abc`), when they could be read. */
  readonly key: Readonly<Record<string, string>> | undefined;
}

function describe(ctx: RecordContext): string {
  const key =
    ctx.key === undefined
      ? ''
      : ` key {${Object.entries(ctx.key)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}}`;
  const seq = ctx.sequenceNumber === undefined ? '' : ` seq ${ctx.sequenceNumber}`;
  return `table "${ctx.table}"${key}${seq}`;
}

/**
 * A record that can never be processed, however often it is retried: it goes to quarantine with
 * its reason and the rest of the batch goes on. Handlers map this class to quarantine /
 * `ProcessingFailed`, and anything else to a retry.
 */
export class PoisonRecordError extends CoreError implements RecordContext {
  readonly table: string;
  readonly sequenceNumber: string | undefined;
  readonly key: Readonly<Record<string, string>> | undefined;

  constructor(ctx: RecordContext, problem: string, options?: ErrorOptions) {
    super(`${describe(ctx)}: ${problem}`, options);
    this.table = ctx.table;
    this.sequenceNumber = ctx.sequenceNumber;
    this.key = ctx.key;
  }
}

/** An attribute value that does not fit its declared column type. */
export class ValueMappingError extends PoisonRecordError {
  /** Path of the attribute, e.g. `items[2].quantity`. */
  readonly attribute: string;
  readonly expectedType: string;
  /** DynamoDB type of the value found (S, N, B, BOOL, NULL, SS, NS, BS, M, L). */
  readonly actualType: string;
  readonly reason: string;

  constructor(
    ctx: RecordContext,
    attribute: string,
    expectedType: string,
    actualType: string,
    reason: string,
  ) {
    super(ctx, `attribute "${attribute}" (${actualType}) does not fit ${expectedType}: ${reason}`);
    this.attribute = attribute;
    this.expectedType = expectedType;
    this.actualType = actualType;
    this.reason = reason;
  }
}

/** A key attribute is missing from the record. */
export class MissingKeyError extends PoisonRecordError {
  readonly attribute: string;

  constructor(ctx: RecordContext, attribute: string) {
    super(ctx, `key attribute "${attribute}" is missing`);
    this.attribute = attribute;
  }
}

/** The item has attributes no column declares and the table's policy is `fail`. */
export class UnknownAttributeError extends PoisonRecordError {
  readonly attributes: readonly string[];

  constructor(ctx: RecordContext, attributes: readonly string[]) {
    super(
      ctx,
      `undeclared attributes ${attributes.map((a) => `"${a}"`).join(', ')} (unknownAttributes policy is "fail")`,
    );
    this.attributes = attributes;
  }
}

/** The record's envelope is not a DynamoDB Streams / Kinesis change record. */
export class MalformedRecordError extends PoisonRecordError {
  readonly reason: string;

  constructor(ctx: RecordContext, reason: string, options?: ErrorOptions) {
    super(ctx, `malformed record: ${reason}`, options);
    this.reason = reason;
  }
}

/** A staging object that is not gzip NDJSON of staging rows. */
export class StagingFormatError extends CoreError {
  readonly objectKey: string | undefined;
  readonly line: number | undefined;

  constructor(
    objectKey: string | undefined,
    line: number | undefined,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `staging object ${objectKey ?? '(unnamed)'}${line === undefined ? '' : ` line ${line}`}: ${reason}`,
      options,
    );
    this.objectKey = objectKey;
    this.line = line;
  }
}

/**
 * The table declaration a function read at cold start (the S3 object Terraform wrote, named by
 * TABLE_DECLARATION_S3_URI) is not the one Terraform hashed into TABLE_DECLARATION_SHA256: the object
 * was changed outside Terraform, or the function runs with another deployment's environment. The
 * function must not run on a declaration nobody deployed, so it fails before its first record.
 */
export class DeclarationHashMismatchError extends CoreError {
  readonly table: string;
  readonly location: string;
  readonly expected: string;
  readonly actual: string;

  constructor(table: string, location: string, expected: string, actual: string) {
    super(
      `table "${table}": the declaration at ${location} has SHA-256 ${actual}, but TABLE_DECLARATION_SHA256 is ${expected}: re-apply Terraform (it writes the object and the hash together)`,
    );
    this.table = table;
    this.location = location;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The declaration object named by TABLE_DECLARATION_S3_URI could not be read at cold start. */
export class DeclarationReadError extends CoreError {
  readonly table: string;
  readonly location: string;

  constructor(table: string, location: string, options?: ErrorOptions) {
    super(`table "${table}": cannot read its declaration from ${location}`, options);
    this.table = table;
    this.location = location;
  }
}

/**
 * A declaration that differs from the table in a way schema evolution does not apply by itself
 * (merge/column-changes.ts): a type change, a removal or a rename. Nothing was changed; the message
 * names the table and every column, and what to do. The merger fails the run and the batch stays
 * staged until the declaration or the table is fixed.
 */
export class IncompatibleSchemaChangeError extends CoreError {
  readonly table: string;
  readonly columns: readonly string[];

  constructor(
    table: string,
    problems: readonly { column: string; message: string }[],
    options?: ErrorOptions,
  ) {
    super(
      `table ${table}: the declaration cannot be applied by adding columns:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
      options,
    );
    this.table = table;
    this.columns = problems.map((p) => p.column);
  }
}

/** The catalog (Glue) could not tell a table's columns: permissions, throttling, an outage. */
export class CatalogReadError extends CoreError {
  readonly table: string;

  constructor(table: string, options?: ErrorOptions) {
    super(`cannot read the columns of ${table} from the catalog`, options);
    this.table = table;
  }
}
