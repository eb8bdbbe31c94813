import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { formatColumnType } from '@ddb-athena-sync/schemas/column-type';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

/**
 * The harness's own mapping from a DynamoDB item to the row the lake must hold, written apart from
 * core's `mapImage` so that a mistake in the product's mapper cannot hide in both sides of a
 * comparison. It knows only the reliability table's six columns, and `assertReferenceMatches`
 * fails loudly when the declaration changes under it.
 *
 * Both sides end as one text per row: an item through `expectedRow`, a lake row (DuckDB's JSON
 * form) through `observedRow`. Each column gets one spelling: strings as they are, bigint as a
 * decimal integer, decimal(12,2) as its unscaled integer and scale, a string set sorted (DynamoDB
 * sets have no order: "Data types", DynamoDB developer guide), a json map with its keys sorted and
 * its numbers as their exact text.
 */
export const REFERENCE_COLUMNS = [
  { name: 'id', type: 'string', source: 'id' },
  { name: 'name', type: 'string', source: 'name' },
  { name: 'n', type: 'bigint', source: 'n' },
  { name: 'price', type: 'decimal(12,2)', source: 'price' },
  { name: 'tags', type: 'array<string>', source: 'tags' },
  { name: 'doc', type: 'json', source: 'doc' },
] as const;

export class ReferenceMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceMappingError';
  }
}

/** Throws unless the declaration's data columns are exactly the ones this mapping knows. */
export function assertReferenceMatches(table: TableDeclaration): void {
  const declared = table.columns.map((c) => `${c.name}:${formatColumnType(c.type)}:${c.source}`);
  const known = REFERENCE_COLUMNS.map((c) => `${c.name}:${c.type}:${c.source}`);
  if (
    JSON.stringify(declared) !== JSON.stringify(known) ||
    table.columns.some((c) => c.conversion !== undefined)
  )
    throw new ReferenceMappingError(
      `the reference mapping knows ${known.join(', ')}; table ${table.name} declares ${declared.join(', ')}`,
    );
}

const DECIMAL_TEXT = /^(-?)(\d*)(?:\.(\d*))?$/;

/** A decimal of scale 2 as its unscaled integer, exact (no float on the way). */
function scaled2(text: string): string {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) throw new ReferenceMappingError('not a decimal');
  const fraction = (m[3] ?? '').padEnd(2, '0');
  if (/[^0]/.test(fraction.slice(2))) throw new ReferenceMappingError('more than 2 decimal places');
  const unscaled = BigInt(`${m[2] === '' ? '0' : m[2]}${fraction.slice(0, 2)}`);
  return (m[1] === '-' ? -unscaled : unscaled).toString();
}

/** Exact integer text, whatever spelling (a JSON number, a string, a bigint). */
function integerText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ReferenceMappingError('an inexact integer');
    return String(value);
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value).toString();
  throw new ReferenceMappingError('not an integer');
}

/** A JSON value with numbers kept as their text: `{ num: text }`. */
type Lossless = null | boolean | string | { num: string } | Lossless[] | { obj: [string, Lossless][] };

/** A small JSON reader that keeps number text exact (JSON.parse would round 38-digit numbers). */
function parseLossless(text: string): Lossless {
  let i = 0;
  const ws = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const value = (): Lossless => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries: [string, Lossless][] = [];
      ws();
      if (text[i] === '}') return (i++, { obj: entries });
      for (;;) {
        ws();
        const k = value();
        if (typeof k !== 'string') throw new ReferenceMappingError('a JSON key that is not a string');
        ws();
        if (text[i++] !== ':') throw new ReferenceMappingError('bad JSON');
        entries.push([k, value()]);
        ws();
        const d = text[i++];
        if (d === '}') return { obj: entries };
        if (d !== ',') throw new ReferenceMappingError('bad JSON');
      }
    }
    if (c === '[') {
      i++;
      const items: Lossless[] = [];
      ws();
      if (text[i] === ']') return (i++, items);
      for (;;) {
        items.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return items;
        if (d !== ',') throw new ReferenceMappingError('bad JSON');
      }
    }
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(text.slice(i));
    if (m === null) throw new ReferenceMappingError('bad JSON');
    i += m[0].length;
    if (m[0] === 'true' || m[0] === 'false') return m[0] === 'true';
    if (m[0] === 'null') return null;
    return { num: m[0] };
  };
  const out = value();
  ws();
  if (i !== text.length) throw new ReferenceMappingError('bad JSON');
  return out;
}

/** One spelling of a lossless JSON value: keys sorted, integers without leading zeros. */
function losslessText(v: Lossless): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(losslessText).join(',')}]`;
  if ('num' in v) return /^-?\d+$/.test(v.num) ? BigInt(v.num).toString() : v.num;
  const sorted = [...v.obj].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${sorted.map(([k, x]) => `${JSON.stringify(k)}:${losslessText(x)}`).join(',')}}`;
}

/** A DynamoDB value of the json column (the reliability table's maps hold S and N only). */
function attributeJson(av: AttributeValue): Lossless {
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return { num: av.N };
  if (av.M !== undefined) return { obj: Object.entries(av.M).map(([k, x]) => [k, attributeJson(x)]) };
  throw new ReferenceMappingError('a json attribute of a kind the reference mapping does not know');
}

function rowText(values: readonly unknown[]): string {
  return JSON.stringify(values);
}

/** The row DynamoDB's item stands for, in the harness's spelling. */
export function expectedRow(item: Readonly<Record<string, AttributeValue>>): string {
  const s = (a: string): string | null => item[a]?.S ?? null;
  const tags = item.tags?.SS;
  return rowText([
    s('id'),
    s('name'),
    item.n?.N === undefined ? null : integerText(item.n.N),
    item.price?.N === undefined ? null : scaled2(item.price.N),
    tags === undefined ? null : [...tags].sort(),
    item.doc === undefined ? null : losslessText(attributeJson(item.doc)),
  ]);
}

/** A scalar as text (numbers and bigints by value); anything else is not a scalar of these columns. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  throw new ReferenceMappingError('a structured value where a scalar was expected');
}

/** A lake row (DuckDB's JSON form of the six columns) in the same spelling. */
export function observedRow(row: Readonly<Record<string, unknown>>): string {
  const str = (v: unknown): string | null => (v === null || v === undefined ? null : text(v));
  const tags = row.tags;
  const doc = row.doc;
  return rowText([
    str(row.id),
    str(row.name),
    row.n === null || row.n === undefined ? null : integerText(row.n),
    row.price === null || row.price === undefined ? null : scaled2(text(row.price)),
    tags === null || tags === undefined ? null : (tags as unknown[]).map(String).sort(),
    doc === null || doc === undefined
      ? null
      : losslessText(parseLossless(typeof doc === 'string' ? doc : JSON.stringify(doc))),
  ]);
}
