import fc from 'fast-check';
import { parse } from 'lossless-json';

import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';

/** A table with the types whose encodings can go wrong between engines. */
export function hostileTable(name: string, mode: 'merge' | 'append' = 'merge'): TableDeclaration {
  return parseDeclaration({
    name,
    dynamodb: { tableName: name, partitionKey: 'id' },
    columns: [
      { name: 'id', type: 'string' },
      { name: 'label', type: 'string' },
      { name: 'big', type: 'decimal(38,0)' },
      { name: 'price', type: 'decimal(38,9)' },
      { name: 'qty', type: 'bigint' },
      { name: 'at', type: 'timestamp', conversion: 'epoch-millis' },
      { name: 'day', type: 'date', conversion: 'iso8601' },
      { name: 'ok', type: 'boolean' },
      { name: 'tags', type: 'array<string>' },
      { name: 'dims', type: 'struct<w:decimal(10,2),label:string,nums:array<bigint>>' },
    ],
    mode,
    partitioning: ['bucket(4, id)'],
    unknownAttributes: 'ignore',
  });
}

/** Keys that need quoting anywhere they go: quotes, a backslash, Cyrillic, an emoji, a SQL comment. */
const KEYS = ["k'1", 'k"2', 'ключ\\3', '🙂', '--x'];

const TEXT = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    "it's",
    '"quoted"',
    'back\\slash',
    "'; DROP TABLE x; --",
    'tab\tnew\nline',
    'ünïcødé ✓',
    '$path',
  ),
);

const TEN_38 = 10n ** 38n - 1n;

/** Plain-notation decimal with `scale` digits after the point, as the stream writer stages it. */
function decimalText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

const TIMESTAMP = fc.oneof(
  fc.constantFrom(
    '0001-01-01 00:00:00.000000',
    '1969-12-31 23:59:59.999999',
    '1970-01-01 00:00:00.000000',
    '2000-02-29 12:34:56.000001',
    '9999-12-31 23:59:59.999999',
  ),
  fc
    .date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2200-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .chain((d) =>
      fc
        .integer({ min: 0, max: 999 })
        .map(
          (micros) => `${d.toISOString().replace('T', ' ').slice(0, 23)}${String(micros).padStart(3, '0')}`,
        ),
    ),
);

const DATE = fc.oneof(
  fc.constantFrom('0001-01-01', '1970-01-01', '9999-12-31'),
  fc
    .date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2200-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10)),
);

const BIGINT = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);

const values = fc.record({
  label: fc.option(TEXT, { nil: null }),
  big: fc.option(
    fc
      .oneof(fc.constantFrom(TEN_38, -TEN_38, 0n), fc.bigInt({ min: -TEN_38, max: TEN_38 }))
      .map((v) => decimalText(v, 0)),
    { nil: null },
  ),
  price: fc.option(
    fc.bigInt({ min: -TEN_38, max: TEN_38 }).map((v) => decimalText(v, 9)),
    { nil: null },
  ),
  qty: fc.option(fc.oneof(fc.constantFrom(String(-(2n ** 63n)), String(2n ** 63n - 1n)), BIGINT), {
    nil: null,
  }),
  at: fc.option(TIMESTAMP, { nil: null }),
  day: fc.option(DATE, { nil: null }),
  ok: fc.option(fc.boolean(), { nil: null }),
  tags: fc.option(fc.array(TEXT, { maxLength: 3 }), { nil: null }),
  dims: fc.option(
    fc.record({
      w: fc.option(
        fc.bigInt({ min: -(10n ** 10n - 1n), max: 10n ** 10n - 1n }).map((v) => decimalText(v, 2)),
        { nil: null },
      ),
      label: fc.option(TEXT, { nil: null }),
      nums: fc.option(fc.array(BIGINT, { maxLength: 3 }), { nil: null }),
    }),
    { nil: null },
  ),
});

export interface Change {
  readonly id: string;
  readonly op: 'upsert' | 'delete';
  readonly values: Record<string, unknown>;
}

const change: fc.Arbitrary<Change> = fc.record({
  id: fc.constantFrom(...KEYS),
  op: fc.constantFrom<'upsert' | 'delete'>('upsert', 'upsert', 'delete'),
  values,
});

/** One to three batches of one to six changes over five keys: keys repeat within and across batches. */
export const batchesArbitrary = fc.array(fc.array(change, { minLength: 1, maxLength: 6 }), {
  minLength: 1,
  maxLength: 3,
});

/** Staging rows of a batch, `_seq` increasing from `firstSeq`. */
export function stagingRows(changes: readonly Change[], firstSeq: number): StagingRow[] {
  return changes.map((c, i) => {
    const data =
      c.op === 'delete' ? Object.fromEntries(Object.keys(c.values).map((k) => [k, null])) : c.values;
    return {
      id: c.id,
      ...(data as Record<string, never>),
      _op: c.op,
      _seq: String(firstSeq + i).padStart(40, '0'),
      _event_time: '2024-05-01 11:59:00.000000',
      _source: 'stream',
    };
  });
}

/** Text of a scalar as an engine returned it (string, number, boolean or bigint). */
function str(v: unknown): string {
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
      ? String(v)
      : JSON.stringify(v);
}

/** Canonical text of a decimal: no trailing fraction zeros, no "-0". */
function canonicalDecimal(text: string): string {
  let t = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  t = t.replace(/^(-?)0+(?=\d)/, '$1');
  return t === '-0' ? '0' : t;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` whatever precision the engine printed. */
function canonicalTimestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text);
  if (m === null) return text;
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}`;
}

function canonicalNested(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(canonicalNested);
  if (typeof value === 'object' && value.constructor === Object)
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, canonicalNested(v)]),
    );
  // Numbers in nested values: a lossless-json number, a JS number or a string of digits.
  const text = str(value);
  return /^-?\d+(\.\d+)?$/.test(text) ? canonicalDecimal(text) : value;
}

export type CanonicalRow = Record<string, unknown>;

/** One row as both engines must agree on it. `row` holds each column as the engine returned it. */
export function canonicalRow(row: Record<string, unknown>, nestedAsJson: boolean): CanonicalRow {
  const nested = (v: unknown): unknown =>
    canonicalNested(
      v === null || v === undefined ? null : nestedAsJson ? parse(str(v), undefined, (n) => n) : v,
    );
  const text = (v: unknown): string | null => (v === null || v === undefined ? null : str(v));
  return {
    id: row.id,
    label: text(row.label),
    big: row.big == null ? null : canonicalDecimal(str(row.big)),
    price: row.price == null ? null : canonicalDecimal(str(row.price)),
    qty: text(row.qty),
    at: row.at == null ? null : canonicalTimestamp(str(row.at)),
    day: text(row.day),
    ok: row.ok == null ? null : str(row.ok) === 'true',
    tags: nested(row.tags),
    dims: nested(row.dims),
    _seq: row._seq,
    _updated_at: row._updated_at == null ? null : canonicalTimestamp(str(row._updated_at)),
  };
}

/** Sorted by id with plain code-unit order (the engines' collations differ; the rows must not). */
export function sortRows(rows: CanonicalRow[]): CanonicalRow[] {
  return [...rows].sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
}
