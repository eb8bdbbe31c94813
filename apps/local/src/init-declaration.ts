// `ddb-athena-sync init`: a starter declaration for an existing DynamoDB table, from what DynamoDB
// tells (DescribeTable: key schema and key attribute types; DescribeTimeToLive: the TTL attribute)
// and what a small Scan shows (the other attributes and their types). Everything inferred from the
// sample is a guess, said so in the column's description, for the user to check before deploying.
import { DescribeTableCommand, DescribeTimeToLiveCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseDeclaration, SYSTEM_COLUMNS } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { isIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import { LocalCommandError } from './errors.js';

/** DescribeTable found no table of that name (or the caller may not describe it). */
export class InitTableError extends LocalCommandError {
  readonly table: string;

  constructor(table: string, reason: string, options?: ErrorOptions) {
    super(`init: DynamoDB table "${table}": ${reason}`, options);
    this.table = table;
  }
}

export interface InitOptions {
  readonly dynamodb: DynamoDBClient;
  /** The DynamoDB table to describe. */
  readonly tableName: string;
  /** The Iceberg table's name (default: the DynamoDB name made an identifier). */
  readonly name?: string;
  /** Items to sample (one Scan page of at most this many; default 100). */
  readonly sampleSize?: number;
  readonly mode?: 'merge' | 'firehose';
}

export interface InitResult {
  readonly declaration: TableDeclarationInput;
  readonly sampled: number;
  /** Column names whose type is a guess from the sample. */
  readonly guessed: readonly string[];
}

/** A lower-case identifier for an attribute or table name: `firstName` -> `first_name`, `1x` -> `_1x`. */
export function toIdentifier(name: string): string {
  let id = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 120);
  if (id === '' || /^[0-9]/.test(id)) id = `_${id}`;
  if ((SYSTEM_COLUMNS as readonly string[]).includes(id)) id = `${id}_value`;
  return id;
}

/** What the sample showed for one attribute (or struct field, or list element). */
interface Observed {
  count: number;
  kinds: Set<string>;
  /** N values: all integers, and all of them within bigint. */
  allIntegers: boolean;
  /** Map attributes: their fields, by name. */
  fields: Map<string, Observed>;
  /** List and set attributes: their elements. */
  elements: Observed | undefined;
}

const observed = (): Observed => ({
  count: 0,
  kinds: new Set(),
  allIntegers: true,
  fields: new Map(),
  elements: undefined,
});

const BIGINT_MAX = 9223372036854775807n;

function isBigint(text: string): boolean {
  if (!/^-?\d+$/.test(text)) return false;
  const v = BigInt(text);
  return v <= BIGINT_MAX && v >= -BIGINT_MAX - 1n;
}

function observe(into: Observed, value: AttributeValue): void {
  into.count++;
  if (value.S !== undefined) into.kinds.add('S');
  else if (value.N !== undefined) {
    into.kinds.add('N');
    if (!isBigint(value.N)) into.allIntegers = false;
  } else if (value.BOOL !== undefined) into.kinds.add('BOOL');
  else if (value.B !== undefined) into.kinds.add('B');
  else if (value.NULL !== undefined) into.kinds.add('NULL');
  else if (value.M !== undefined) {
    into.kinds.add('M');
    for (const [k, v] of Object.entries(value.M)) {
      const field = into.fields.get(k) ?? observed();
      into.fields.set(k, field);
      observe(field, v);
    }
  } else if (value.L !== undefined) {
    into.kinds.add('L');
    into.elements ??= observed();
    for (const v of value.L) observe(into.elements, v);
  } else if (value.SS !== undefined || value.NS !== undefined || value.BS !== undefined) {
    into.kinds.add('SET');
    into.elements ??= observed();
    for (const s of value.SS ?? []) observe(into.elements, { S: s });
    for (const n of value.NS ?? []) observe(into.elements, { N: n });
    for (const b of value.BS ?? []) observe(into.elements, { B: b });
  }
}

/** The column type the observations suggest, or `json` when they do not agree on one. */
function typeOf(o: Observed, depth = 0): string {
  const kinds = new Set([...o.kinds].filter((k) => k !== 'NULL'));
  if (kinds.size === 0) return 'string';
  if (kinds.size > 1 || depth > 4) return 'json';
  const [kind] = kinds;
  switch (kind) {
    case 'S':
      return 'string';
    case 'N':
      return o.allIntegers ? 'bigint' : 'double';
    case 'BOOL':
      return 'boolean';
    case 'B':
      return 'binary';
    case 'M': {
      const names = [...o.fields.keys()];
      // A struct needs identifier field names, and fields that are not all different per item.
      if (names.length === 0 || names.length > 100 || !names.every(isIdentifier)) return 'json';
      return `struct<${names.map((n) => `${n}:${typeOf(o.fields.get(n)!, depth + 1)}`).join(',')}>`;
    }
    case 'L':
    case 'SET': {
      const element =
        o.elements === undefined || o.elements.count === 0 ? 'string' : typeOf(o.elements, depth + 1);
      return element === 'json' ? 'json' : `array<${element}>`;
    }
    default:
      return 'json';
  }
}

/**
 * Describes `tableName` and samples it, and returns a starter declaration (checked by
 * `parseDeclaration`, so it is valid as written; its guesses are for the user to confirm).
 */
export async function initDeclaration(options: InitOptions): Promise<InitResult> {
  const { dynamodb, tableName } = options;
  let described;
  try {
    described = (await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    throw new InitTableError(tableName, `DescribeTable failed: ${(error as Error).name}`, { cause: error });
  }
  if (described?.KeySchema === undefined)
    throw new InitTableError(tableName, 'DescribeTable returned no key schema');
  const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const ttlStatus = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  const ttlAttribute =
    ttlStatus === 'ENABLED' || ttlStatus === 'ENABLING'
      ? ttl.TimeToLiveDescription?.AttributeName
      : undefined;

  const hash = described.KeySchema.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = described.KeySchema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (hash === undefined) throw new InitTableError(tableName, 'the key schema has no partition key');
  const keyTypes = new Map(
    (described.AttributeDefinitions ?? []).map((a) => [a.AttributeName!, a.AttributeType!]),
  );

  // One Scan page: enough to see the attributes a table's items usually have, cheap on any table
  // (a Scan reads at most Limit items before it stops; DynamoDB developer guide, "Scan: Limit").
  const sampleSize = options.sampleSize ?? 100;
  const page = await dynamodb.send(new ScanCommand({ TableName: tableName, Limit: sampleSize }));
  const items = page.Items ?? [];
  const attributes = new Map<string, Observed>();
  for (const item of items)
    for (const [name, value] of Object.entries(item)) {
      const o = attributes.get(name) ?? observed();
      attributes.set(name, o);
      observe(o, value);
    }

  const columns: {
    name: string;
    type: string;
    source?: string;
    conversion?: 'epoch-seconds';
    description?: string;
  }[] = [];
  const guessed: string[] = [];
  const used = new Set<string>();
  const column = (attribute: string): { name: string; source?: string } => {
    let name = toIdentifier(attribute);
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    return name === attribute ? { name } : { name, source: attribute };
  };
  const keyType = (attribute: string): string => {
    const t = keyTypes.get(attribute);
    if (t === 'B') return 'binary';
    if (t === 'S') return 'string';
    // A number key: bigint unless the sample shows fractions (DynamoDB numbers are decimals).
    return attributes.get(attribute)?.allIntegers === false ? 'decimal(38,9)' : 'bigint';
  };
  for (const key of [hash, ...(range === undefined ? [] : [range])]) {
    const type = keyType(key);
    columns.push({
      ...column(key),
      type,
      ...(keyTypes.get(key) === 'N' ? { description: `guess: key of type N, ${type} from the sample` } : {}),
    });
    if (keyTypes.get(key) === 'N') guessed.push(columns.at(-1)!.name);
  }
  const seen = items.length;
  for (const [attribute, o] of [...attributes].sort(([a], [b]) => a.localeCompare(b))) {
    if (attribute === hash || attribute === range) continue;
    const c = column(attribute);
    if (attribute === ttlAttribute) {
      // TTL attributes hold epoch seconds (DynamoDB developer guide, "Time to Live": a Number in
      // Unix epoch time format in seconds).
      columns.push({
        ...c,
        type: 'timestamp',
        conversion: 'epoch-seconds',
        description: 'the TTL attribute (epoch seconds)',
      });
      continue;
    }
    const type = typeOf(o);
    const kinds = [...o.kinds].sort().join('/');
    columns.push({
      ...c,
      type,
      description: `guess: ${kinds} in ${o.count} of ${seen} sampled items`.slice(0, 255),
    });
    guessed.push(c.name);
  }
  if (ttlAttribute !== undefined && !attributes.has(ttlAttribute)) {
    columns.push({
      ...column(ttlAttribute),
      type: 'timestamp',
      conversion: 'epoch-seconds',
      description: 'the TTL attribute (epoch seconds); no sampled item had it',
    });
  }

  const mode = options.mode ?? 'merge';
  const declaration: TableDeclarationInput = {
    name: options.name ?? toIdentifier(tableName),
    description: `Starter declaration written by ddb-athena-sync init from DescribeTable and ${seen} sampled items: check every "guess".`,
    dynamodb: {
      tableName,
      partitionKey: hash,
      ...(range === undefined ? {} : { sortKey: range }),
      ...(ttlAttribute === undefined ? {} : { ttlAttribute }),
    },
    columns,
    mode,
    ...(mode === 'firehose' ? { firehose: { appendOnly: false } } : {}),
    // Unsampled attributes are kept, not lost, until the declaration names them.
    unknownAttributes: 'extra-json-column',
  };
  parseDeclaration(declaration);
  return { declaration, sampled: seen, guessed };
}
