import Table from 'cli-table3';

/** A value as one line of text in a result table. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
}

/** Numbers (and BIGINTs, which DuckDB's node API returns as bigint) are right-aligned. */
function isNumber(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint';
}

/**
 * A number written as a string: the lake's `query` returns DuckDB's JSON form, where BIGINT
 * (`count(*)`), HUGEINT and DECIMAL values are strings (`getRowObjectsJson` in @duckdb/node-api).
 */
const NUMERIC_TEXT = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** Longest cell text before it is cut with an ellipsis (a JSON column would fill the screen). */
const MAX_CELL = 60;

const clip = (s: string): string => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);

/**
 * Whether output to `stream` may carry colour: only to a terminal, and never when `NO_COLOR` is set
 * to a non-empty value (https://no-color.org: "when present and not an empty string").
 */
export function useColor(
  stream: { readonly isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}

export interface FormatTableOptions {
  /** A bold header (default: `useColor()` for stdout). Off, the text has no escapes. */
  readonly color?: boolean;
}

/** SGR bold on and off (ECMA-48): the one style a coloured table uses. */
function bold(text: string): string {
  return `\u001b[1m${text}\u001b[22m`;
}

/**
 * Rows as a boxed text table (cli-table3) with a header and a psql-style row count; numbers are
 * right-aligned, and so are the header and the numeric strings of a column holding only numbers.
 * The output depends only on the rows and the colour flag (stable for tests and pipes).
 */
export function formatTable(
  rows: readonly Record<string, unknown>[],
  columns = rows[0] === undefined ? [] : Object.keys(rows[0]),
  options: FormatTableOptions = {},
): string {
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  if (columns.length === 0) return `${count}\n`;
  const color = options.color ?? useColor();
  // A column whose values are all numbers or numeric strings (and NULLs) is a number column: its
  // header and its numeric strings are right-aligned too. Elsewhere a string stays text.
  const numericColumn = columns.map((c) => {
    const values = rows.map((r) => r[c]).filter((v) => v !== null && v !== undefined);
    return (
      values.length > 0 && values.every((v) => isNumber(v) || (typeof v === 'string' && NUMERIC_TEXT.test(v)))
    );
  });
  const table = new Table({
    head: columns.map((c, i) => ({
      content: color ? bold(clip(c)) : clip(c),
      hAlign: numericColumn[i] ? 'right' : 'left',
    })),
    // cli-table3's own styles go through @colors/colors, which decides by itself whether to paint
    // (it paints nothing when CI is set or stdout is no terminal), so `color: true` would not be
    // honoured; the header is made bold here instead (cli-table3 measures widths without escapes),
    // and its styles are off. compact: no rule between body rows (one line a row, as psql prints).
    style: { compact: true, head: [], border: [] },
    // cli-table3 accepts cell objects in `head` as in rows (its README's "Header cells" examples);
    // its typings only list strings.
  } as unknown as ConstructorParameters<typeof Table>[0]);
  for (const row of rows) {
    table.push(
      columns.map((c, i) => ({
        content: clip(cellText(row[c]).replace(/\n/g, '\\n')),
        hAlign: isNumber(row[c]) || (numericColumn[i] && typeof row[c] === 'string') ? 'right' : 'left',
      })),
    );
  }
  return `${table.toString()}\n${count}\n`;
}
