import { readdirSync, readFileSync } from 'node:fs';

import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration, TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';

/**
 * The bad-input corpus (issue 8): one JSON file per case in test/fixtures/bad-inputs/, each naming
 * the path the input enters by, the input, and what must come out. Inputs that would make the files
 * unreadable (400 KB strings, 20,000 nested maps, deliberately corrupted base64) are written as small
 * directives and expanded here (see `expand`).
 */
export type EntryPath = 'stream-record' | 'firehose-record' | 'declaration' | 'staging-object' | 'object-key';

export interface Expected {
  /**
   * quarantined: a typed PoisonRecordError and a quarantine object (stream-writer);
   * processing-failed: a typed error and `ProcessingFailed` (firehose-transform);
   * rejected: a typed error thrown (declarations, staging objects, keys);
   * staged / ignored / sanitised / escaped: edge cases that must NOT be rejected, and how they are kept safe.
   */
  readonly outcome:
    'quarantined' | 'processing-failed' | 'rejected' | 'staged' | 'ignored' | 'sanitised' | 'escaped';
  readonly error?: string;
  /** Fields of the error (toMatchObject). */
  readonly fields?: Record<string, unknown>;
  readonly messageIncludes?: string;
  /** Firehose: the reason in the per-record outcome. */
  readonly reason?: string;
  /** Declarations: the paths of the issues reported. */
  readonly issuePaths?: readonly string[];
  /** Staging objects: rows read before the error. */
  readonly rowsBefore?: number;
  /** Stream: the staged row of an accepted case (toMatchObject). */
  readonly row?: Record<string, unknown>;
  /** Object keys: the key produced. */
  readonly key?: string;
}

export interface CorpusCase {
  readonly name: string;
  readonly description: string;
  readonly path: EntryPath;
  readonly table?: CorpusTableName;
  readonly input: unknown;
  readonly expected: Expected;
  /**
   * A known, reported bug: the case states the correct outcome and its test runs as `it.fails`, so
   * it starts failing (and this field must go) the day the bug is fixed.
   */
  readonly openBug?: string;
}

const DIR = new URL('../fixtures/bad-inputs/', import.meta.url);

/** Base64 of `text` with junk characters inserted after the 8th character (Node's decoder skips them). */
function base64WithJunk(text: string): string {
  const clean = Buffer.from(text, 'utf8').toString('base64');
  return `${clean.slice(0, 8)}*!${clean.slice(8)}`;
}

/**
 * Expands the directives of a fixture:
 * `{"$repeat": {"text", "times"}}` -> the text repeated; `{"$nest": {"depth", "key", "leaf"}}` -> `depth`
 * levels of `{"M": {key: ...}}` around `leaf`; `{"$base64Text": s}` -> base64 of s;
 * `{"$base64WithJunk": value}` -> base64 of the JSON of value with junk inside.
 */
export function expand(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expand);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  const [only] = Object.keys(v);
  if (Object.keys(v).length === 1 && only?.startsWith('$')) {
    const arg = v[only] as Record<string, unknown>;
    switch (only) {
      case '$repeat':
        return String(arg.text).repeat(Number(arg.times));
      case '$nest': {
        let out = expand(arg.leaf);
        for (let i = 0; i < Number(arg.depth); i++) out = { M: { [String(arg.key)]: out } };
        return out;
      }
      case '$base64Text':
        return Buffer.from(v[only] as string, 'utf8').toString('base64');
      case '$base64WithJunk':
        return base64WithJunk(JSON.stringify(expand(arg)));
      default:
        throw new Error(`unknown fixture directive ${only}`);
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
}

/** Every case of the corpus, inputs expanded, sorted by name. */
export function loadCorpus(): CorpusCase[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const raw = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Omit<CorpusCase, 'name'>;
      return {
        ...raw,
        name: file.replace(/\.json$/, ''),
        input: expand(raw.input),
        expected: expand(raw.expected) as Expected,
      };
    });
}

export function casesFor(path: EntryPath): CorpusCase[] {
  return loadCorpus().filter((c) => c.path === path);
}

/** Outcomes in which the input gets a typed error (the issue's "each gets a typed error"). */
export const ERROR_OUTCOMES: ReadonlySet<Expected['outcome']> = new Set([
  'quarantined',
  'processing-failed',
  'rejected',
]);

const typedColumns: TableDeclarationInput['columns'] = [
  { name: 'id', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'qty', type: 'int' },
  { name: 'total', type: 'bigint' },
  { name: 'price', type: 'decimal(12,2)' },
  { name: 'ratio', type: 'double' },
  { name: 'ok', type: 'boolean' },
  { name: 'raw', type: 'binary' },
  { name: 'at', type: 'timestamp', conversion: 'epoch-millis' },
  { name: 'day', type: 'date', conversion: 'iso8601' },
  { name: 'doc', type: 'json' },
  { name: 'tags', type: 'array<string>' },
  { name: 'nums', type: 'array<bigint>' },
  { name: 'dims', type: 'struct<w:decimal(10,2),label:string>' },
];

function typed(overrides: Partial<TableDeclarationInput>): TableDeclaration {
  return parseDeclaration({
    name: 'typed',
    dynamodb: { tableName: 'typed', partitionKey: 'id', ttlAttribute: 'expires_at' },
    columns: typedColumns,
    mode: 'merge',
    partitioning: ['bucket(4, id)'],
    ...overrides,
  });
}

/** The tables the corpus runs against: every column type, under each unknown-attribute policy and mode. */
export const corpusTables = {
  typed: typed({ unknownAttributes: 'ignore' }),
  typed_fail: typed({ unknownAttributes: 'fail' }),
  typed_extra: typed({ unknownAttributes: 'extra-json-column' }),
  typed_firehose: typed({
    mode: 'firehose',
    firehose: { appendOnly: false, removes: 'delete' },
    unknownAttributes: 'ignore',
  }),
} as const;
export type CorpusTableName = keyof typeof corpusTables;

export function tableOf(c: CorpusCase): TableDeclaration {
  if (c.table === undefined) throw new Error(`case ${c.name} names no table`);
  return corpusTables[c.table];
}

export const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/typed/stream/2026-11-27T08:00:00.000';
/** 2026-11-27 08:20:00 UTC. */
export const EVENT_SECONDS = 1795767600;

/** A well-formed Lambda DynamoDB Streams record of the `typed` table. */
export function goodStreamRecord(
  id: string,
  sequenceNumber: string,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): Record<string, unknown> {
  const keys = { id: { S: id } };
  const image = {
    id: { S: id },
    name: { S: `name of ${id}` },
    total: { N: '42' },
    price: { N: '9.99' },
    tags: { SS: ['a', 'b'] },
  };
  return {
    eventID: `event-${id}-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: EVENT_SECONDS,
      Keys: keys,
      ...(eventName === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
      SequenceNumber: sequenceNumber,
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/**
 * The stream record of a case: either `{record}` verbatim, or `{keys?, newImage?, eventName?}`
 * completed into a well-formed record with sequence number 500 (keys default to the image's `id`).
 */
export function caseStreamRecord(c: CorpusCase): unknown {
  const input = c.input as {
    record?: unknown;
    keys?: unknown;
    newImage?: Record<string, unknown>;
    eventName?: string;
  };
  if ('record' in input) return input.record;
  const eventName = input.eventName ?? 'INSERT';
  const keys = input.keys ?? { id: input.newImage?.id };
  return {
    eventID: `event-${c.name}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: EVENT_SECONDS,
      Keys: keys,
      ...(eventName === 'REMOVE' ? {} : { NewImage: input.newImage }),
      SequenceNumber: '500',
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** A Kinesis-format change of the `typed` table, as Firehose hands it over (base64 JSON). */
export function goodKinesisData(id: string, eventID: string): string {
  const change = {
    awsRegion: 'us-east-1',
    eventID,
    eventName: 'INSERT',
    userIdentity: null,
    recordFormat: 'application/json',
    tableName: 'typed',
    dynamodb: {
      ApproximateCreationDateTime: EVENT_SECONDS * 1000,
      Keys: { id: { S: id } },
      NewImage: { id: { S: id }, name: { S: `name of ${id}` }, total: { N: '42' } },
      SizeBytes: 50,
    },
    eventSource: 'aws:dynamodb',
  };
  return Buffer.from(JSON.stringify(change), 'utf8').toString('base64');
}

/** The Firehose `data` of a case: `{data}` verbatim or `{change}` encoded. */
export function caseFirehoseData(c: CorpusCase): unknown {
  const input = c.input as { data?: unknown; change?: unknown };
  if ('change' in input) return Buffer.from(JSON.stringify(input.change), 'utf8').toString('base64');
  return input.data;
}
