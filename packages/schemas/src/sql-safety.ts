import { InvalidIdentifierError, UnsafeLiteralError } from './errors.js';

/**
 * The only identifiers that ever reach SQL. Lower case, so that Athena (which lower-cases Glue
 * names) and DuckDB agree, and no quoting or escaping can be confused by what a user typed.
 */
export const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/;

/** Glue and Athena limit names to 255 bytes; we keep well inside that. */
export const IDENTIFIER_MAX_LENGTH = 128;

export function isIdentifier(value: string): boolean {
  return value.length <= IDENTIFIER_MAX_LENGTH && IDENTIFIER_PATTERN.test(value);
}

/** The identifier check: returns the identifier unchanged, or throws `InvalidIdentifierError`. */
export function assertIdentifier(value: string, what?: string): string {
  if (!isIdentifier(value)) throw new InvalidIdentifierError(value, what);
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The one escaping function for string literals, shared by every dialect (Athena/Trino and DuckDB
 * both use standard SQL quoting: a quote inside a literal is doubled, backslashes are not special).
 * Athena's MERGE cannot take parameters, so every value that reaches a statement goes through here.
 */
export function sqlStringLiteral(value: string): string {
  if (value.includes('\u0000')) throw new UnsafeLiteralError('contains NUL');
  if (LONE_SURROGATE.test(value)) throw new UnsafeLiteralError('contains a lone UTF-16 surrogate');
  return `'${value.replaceAll("'", "''")}'`;
}
