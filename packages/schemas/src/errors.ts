/** Base class of every error raised by @ddb-athena-sync/schemas. */
export class SchemaError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in a declaration, located by its path (e.g. `columns[2].type`). */
export interface DeclarationIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A table declaration failed validation. Every problem is reported at once, each with its path,
 * so that a user fixes a declaration in one pass.
 */
export class DeclarationError extends SchemaError {
  readonly table: string | undefined;
  readonly issues: readonly DeclarationIssue[];

  constructor(table: string | undefined, issues: readonly DeclarationIssue[]) {
    const where = table === undefined ? 'table declaration' : `table declaration "${table}"`;
    super(`${where} is invalid:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.table = table;
    this.issues = issues;
  }
}

/** An identifier that may not reach SQL (see `assertIdentifier`). */
export class InvalidIdentifierError extends SchemaError {
  readonly identifier: string;

  constructor(identifier: string, what = 'identifier') {
    super(
      `${what} ${JSON.stringify(identifier)} must match ^[a-z_][a-z0-9_]*$ and be at most 128 characters`,
    );
    this.identifier = identifier;
  }
}

/** A column type string that does not parse (e.g. `decimal(40,2)` or `array<`). */
export class ColumnTypeError extends SchemaError {
  readonly type: string;

  constructor(type: string, reason: string) {
    super(`column type ${JSON.stringify(type)}: ${reason}`);
    this.type = type;
  }
}

/** A string that may not become a SQL literal (NUL or a lone surrogate: no engine keeps those faithfully). */
export class UnsafeLiteralError extends SchemaError {
  constructor(reason: string) {
    super(`string literal rejected: ${reason}`);
  }
}

/** A table name that no declaration has. */
export class UnknownTableError extends SchemaError {
  readonly table: string;
  readonly known: readonly string[];

  constructor(table: string, known: readonly string[]) {
    super(`unknown table "${table}" (declared: ${known.join(', ')})`);
    this.table = table;
    this.known = known;
  }
}

/** One problem found in a declarations file, located by its path in the file (e.g. `tables[2].columns[1].type`). */
export interface TablesFileIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A declarations file could not be read, did not parse, or declares invalid tables. Every problem
 * of every table is listed at once, each with the file and its path in the file.
 */
export class TablesFileError extends SchemaError {
  readonly file: string;
  readonly issues: readonly TablesFileIssue[];

  constructor(file: string, issues: readonly TablesFileIssue[], options?: ErrorOptions) {
    const noun = issues.length === 1 ? 'problem' : 'problems';
    super(
      `${file}: ${issues.length} ${noun}:\n${issues.map((i) => `  - ${file}: ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
      options,
    );
    this.file = file;
    this.issues = issues;
  }
}
