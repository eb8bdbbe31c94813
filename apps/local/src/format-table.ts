/** A value as one line of text in a result table. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
}

/** Rows as an aligned text table with a header and a row count (psql style). */
export function formatTable(
  rows: readonly Record<string, unknown>[],
  columns = rows[0] === undefined ? [] : Object.keys(rows[0]),
): string {
  if (columns.length === 0) return `(${rows.length} rows)\n`;
  const cells = rows.map((r) => columns.map((c) => cellText(r[c]).replace(/\n/g, '\\n')));
  const widths = columns.map((c, i) =>
    Math.min(60, Math.max(c.length, ...cells.map((row) => row[i]!.length))),
  );
  const clip = (s: string, w: number): string => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const lines = [
    columns.map((c, i) => clip(c, widths[i]!)).join(' | '),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
  ];
  for (const row of cells) lines.push(row.map((v, i) => clip(v, widths[i]!)).join(' | '));
  lines.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
