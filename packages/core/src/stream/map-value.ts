import { formatColumnType } from '@ddb-athena-sync/schemas/column-type';
import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';
import type { Conversion } from '@ddb-athena-sync/schemas/declaration';

import { ValueMappingError } from '../errors.js';
import type { RecordContext } from '../errors.js';
import { attributeType, binaryToBase64 } from './attribute-value.js';
import type { AttributeType, AttributeValue } from './attribute-value.js';
import type { StagedValue } from './change-row.js';
import {
  formatDecimal,
  formatScaled,
  MAX_SIGNIFICANT_DIGITS,
  parseDecimal,
  significantDigits,
  toBigInt,
  toScaledBigInt,
} from './decimal.js';
import type { Decimal } from './decimal.js';
import { formatMicros, MAX_MICROS, MIN_MICROS, parseIso8601Micros } from './timestamp.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Microseconds per unit for the epoch conversions; nanoseconds are truncated toward -infinity. */
const EPOCH_UNITS: Record<Exclude<Conversion, 'iso8601'>, { multiply: bigint; divide: bigint }> = {
  'epoch-seconds': { multiply: 1_000_000n, divide: 1n },
  'epoch-millis': { multiply: 1000n, divide: 1n },
  'epoch-micros': { multiply: 1n, divide: 1n },
  'epoch-nanos': { multiply: 1n, divide: 1000n },
};

/**
 * DynamoDB nests lists and maps at most 32 levels deep (DynamoDB developer guide, "Quotas":
 * "Nested attribute depth"). Anything deeper is not a DynamoDB item, and mapping it recursively
 * could overflow the stack: a RangeError the batch would retry forever instead of quarantining.
 */
export const MAX_NESTING_DEPTH = 32;

export interface MapContext extends RecordContext {
  /** Attribute path for error messages, e.g. `items[2].quantity`. */
  readonly attribute: string;
  readonly conversion?: Conversion | undefined;
}

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate). DynamoDB Local accepts a lone
 * surrogate in an S value, but it has no UTF-8 encoding: the staged object would be unreadable to
 * every engine, and one such object would stop every later merge of the table.
 * `String.prototype.isWellFormed` is ES2024 (Node 20+); the regex is the same test
 * (\p{Surrogate} with the u flag matches only unpaired surrogates).
 */
function isWellFormed(text: string): boolean {
  const native = (text as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(text) : !/\p{Surrogate}/u.test(text);
}

const NOT_WELL_FORMED = 'string is not well-formed Unicode (a lone surrogate): no engine could read it';

class Mapper {
  constructor(private readonly ctx: MapContext) {}

  /** The S value itself, or a typed error when it is not well-formed Unicode. */
  text(raw: string, type: ColumnType, attribute: string): string {
    return isWellFormed(raw) ? raw : this.fail(type, 'S', NOT_WELL_FORMED, attribute);
  }

  fail(
    type: ColumnType,
    actual: AttributeType | 'invalid',
    reason: string,
    attribute = this.ctx.attribute,
  ): never {
    throw new ValueMappingError(this.ctx, attribute, formatColumnType(type), actual, reason);
  }

  /**
   * A method, not a closure built in every `map` call: `map` runs once per value of every record,
   * and a per-call arrow function is an allocation (plus a defineProperty under tsx/esbuild's
   * keepNames) on the hot path of the stream-writer (issue 9 benchmark).
   */
  wrongKind(type: ColumnType, tag: AttributeType, attribute: string): never {
    return this.fail(type, tag, `a ${type.kind} column cannot hold a DynamoDB ${tag} value`, attribute);
  }

  number(value: string, type: ColumnType, attribute: string): Decimal {
    const d = parseDecimal(value);
    if (d === undefined) return this.fail(type, 'N', `"N" value is not a number`, attribute);
    if (significantDigits(d) > MAX_SIGNIFICANT_DIGITS) {
      return this.fail(type, 'N', `more than ${MAX_SIGNIFICANT_DIGITS} significant digits`, attribute);
    }
    return d;
  }

  map(av: AttributeValue, type: ColumnType, attribute: string, depth = 0): StagedValue {
    const tag = attributeType(av);
    if (tag === undefined) return this.fail(type, 'invalid', 'not a DynamoDB AttributeValue', attribute);
    if (tag === 'NULL') return null;
    if (depth >= MAX_NESTING_DEPTH && (tag === 'M' || tag === 'L'))
      return this.fail(type, tag, `nested deeper than ${MAX_NESTING_DEPTH} levels`, attribute);
    const raw = (av as Record<string, unknown>)[tag];

    switch (type.kind) {
      case 'json':
        return stringifyJson(this.toJson(av, type, attribute, depth));
      case 'string':
        return tag === 'S' && typeof raw === 'string'
          ? this.text(raw, type, attribute)
          : this.wrongKind(type, tag, attribute);
      case 'boolean':
        return tag === 'BOOL' && typeof raw === 'boolean' ? raw : this.wrongKind(type, tag, attribute);
      case 'binary': {
        if (tag !== 'B') return this.wrongKind(type, tag, attribute);
        const b64 = binaryToBase64(raw as string | Uint8Array);
        return b64 ?? this.fail(type, tag, 'binary value is not valid base64', attribute);
      }
      case 'bigint':
      case 'int': {
        if (tag !== 'N' || typeof raw !== 'string') return this.wrongKind(type, tag, attribute);
        const n = toBigInt(this.number(raw, type, attribute));
        if (n === undefined) return this.fail(type, tag, 'has a fractional part', attribute);
        if (type.kind === 'int') {
          if (n < BigInt(INT32_MIN) || n > BigInt(INT32_MAX))
            return this.fail(type, tag, 'out of the 32-bit range', attribute);
          return Number(n);
        }
        if (n < INT64_MIN || n > INT64_MAX) return this.fail(type, tag, 'out of the 64-bit range', attribute);
        return n.toString();
      }
      case 'double':
      case 'float': {
        if (tag !== 'N' || typeof raw !== 'string') return this.wrongKind(type, tag, attribute);
        const value = Number(formatDecimal(this.number(raw, type, attribute)));
        if (!Number.isFinite(value)) return this.fail(type, tag, `out of the ${type.kind} range`, attribute);
        return type.kind === 'float' ? Math.fround(value) : value;
      }
      case 'decimal': {
        if (tag !== 'N' || typeof raw !== 'string') return this.wrongKind(type, tag, attribute);
        const scaled = toScaledBigInt(this.number(raw, type, attribute), type.scale);
        if (scaled === undefined)
          return this.fail(type, tag, `more than ${type.scale} fractional digits`, attribute);
        const digits = (scaled < 0n ? -scaled : scaled).toString().length;
        if (scaled !== 0n && digits > type.precision) {
          return this.fail(type, tag, `more than ${type.precision - type.scale} integer digits`, attribute);
        }
        return formatScaled(scaled, type.scale);
      }
      case 'timestamp':
        return formatMicros(this.timestampMicros(tag, raw, type, attribute));
      case 'date': {
        if (tag !== 'S' || typeof raw !== 'string') return this.wrongKind(type, tag, attribute);
        const micros = parseIso8601Micros(raw);
        if (micros === undefined) return this.fail(type, tag, 'not an ISO 8601 date', attribute);
        return formatMicros(micros).slice(0, 10);
      }
      case 'array': {
        const items = this.listItems(av);
        if (items === undefined) return this.wrongKind(type, tag, attribute);
        return items.map((item, i) => this.map(item, type.element, `${attribute}[${i}]`, depth + 1));
      }
      case 'struct': {
        if (tag !== 'M') return this.wrongKind(type, tag, attribute);
        const m = raw as Readonly<Record<string, AttributeValue>>;
        const out: Record<string, StagedValue> = {};
        for (const field of type.fields) {
          const v = m[field.name];
          out[field.name] =
            v === undefined ? null : this.map(v, field.type, `${attribute}.${field.name}`, depth + 1);
        }
        return out;
      }
    }
  }

  timestampMicros(tag: AttributeType, raw: unknown, type: ColumnType, attribute: string): bigint {
    const conversion = this.ctx.conversion;
    if (conversion === undefined)
      return this.fail(type, tag, 'timestamp column has no conversion', attribute);
    if (conversion === 'iso8601') {
      if (tag !== 'S' || typeof raw !== 'string')
        return this.fail(type, tag, 'iso8601 needs an S value', attribute);
      const micros = parseIso8601Micros(raw);
      return micros ?? this.fail(type, tag, 'not an ISO 8601 timestamp', attribute);
    }
    if (tag !== 'N' || typeof raw !== 'string')
      return this.fail(type, tag, `${conversion} needs an N value`, attribute);
    const d = this.number(raw, type, attribute);
    const unit = EPOCH_UNITS[conversion];
    // value * multiply / divide, floored, computed exactly: scale the decimal to an integer first.
    const scale = Math.max(0, -d.exponent);
    const scaled = toScaledBigInt(d, scale)!;
    const numerator = scaled * unit.multiply;
    const denominator = unit.divide * 10n ** BigInt(scale);
    let micros = numerator / denominator;
    if (numerator % denominator !== 0n && numerator < 0n) micros -= 1n;
    if (micros < MIN_MICROS || micros > MAX_MICROS)
      return this.fail(type, tag, 'outside years 0001-9999', attribute);
    return micros;
  }

  listItems(av: AttributeValue): readonly AttributeValue[] | undefined {
    if ('L' in av) return av.L;
    if ('SS' in av) return av.SS.map((S) => ({ S }));
    if ('NS' in av) return av.NS.map((N) => ({ N }));
    if ('BS' in av) return av.BS.map((B) => ({ B }));
    return undefined;
  }

  /** Plain JSON for a `json` column: numbers exact (as JSON number text), binary as base64, sets as arrays. */
  toJson(av: AttributeValue, type: ColumnType, attribute: string, depth = 0): unknown {
    const tag = attributeType(av);
    if (depth >= MAX_NESTING_DEPTH && (tag === 'M' || tag === 'L'))
      return this.fail(type, tag, `nested deeper than ${MAX_NESTING_DEPTH} levels`, attribute);
    switch (tag) {
      case 'S': {
        const raw = (av as Record<string, unknown>)[tag];
        return typeof raw === 'string' ? this.text(raw, type, attribute) : raw;
      }
      case 'BOOL':
        return (av as Record<string, unknown>)[tag];
      case 'NULL':
        return null;
      case 'N':
        return new RawJsonNumber(formatDecimal(this.number((av as { N: string }).N, type, attribute)));
      case 'B': {
        const b64 = binaryToBase64((av as { B: string | Uint8Array }).B);
        return b64 ?? this.fail(type, tag, 'binary value is not valid base64', attribute);
      }
      case 'SS':
      case 'NS':
      case 'BS':
      case 'L':
        return this.listItems(av)!.map((item, i) => this.toJson(item, type, `${attribute}[${i}]`, depth + 1));
      case 'M': {
        const out: Record<string, unknown> = {};
        // Sorted keys: DynamoDB returns map attributes in no fixed order, and the same item must
        // give the same text through the stream and through Kinesis.
        const entries = Object.entries((av as { M: Record<string, AttributeValue> }).M).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        );
        for (const [k, v] of entries) {
          // A map key is text too (the path in the error is the parent's: the key is the problem).
          this.text(k, type, attribute);
          out[k] = this.toJson(v, type, `${attribute}.${k}`, depth + 1);
        }
        return out;
      }
      default:
        return this.fail(type, 'invalid', 'not a DynamoDB AttributeValue', attribute);
    }
  }
}

/** A number kept as its exact decimal text inside JSON (JSON.stringify would go through a double). */
class RawJsonNumber {
  constructor(readonly text: string) {}
}

/** JSON.stringify for the plain values `toJson` builds, writing RawJsonNumber text verbatim. */
function stringifyJson(value: unknown): string {
  if (value instanceof RawJsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Maps one DynamoDB attribute value to the staging value of its column (encoding documented in
 * @ddb-athena-sync/schemas/column-type). Throws `ValueMappingError` naming the table, key, sequence
 * number and attribute when the value does not fit. `NULL` maps to null for every type.
 */
export function mapAttributeValue(value: AttributeValue, type: ColumnType, ctx: MapContext): StagedValue {
  return new Mapper(ctx).map(value, type, ctx.attribute);
}

/** JSON text of a whole attribute map (for the `_extra` column), numbers exact. */
export function attributesToJson(
  attributes: Readonly<Record<string, AttributeValue>>,
  ctx: MapContext,
): string {
  const mapper = new Mapper(ctx);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(attributes).sort()) out[k] = mapper.toJson(attributes[k]!, { kind: 'json' }, k);
  return stringifyJson(out);
}
