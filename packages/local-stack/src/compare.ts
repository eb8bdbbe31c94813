import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue as SdkAttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttributeMap } from '@ddb-athena-sync/core/stream/attribute-value';
import { mapImage } from '@ddb-athena-sync/core/stream/decode-record';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:Z|\+00(?::?00)?)?$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** Identifiers reach SQL only after the declaration identifier check (DESIGN.md). */
function ident(name: string): string {
  return `"${assertIdentifier(name, 'column')}"`;
}

/**
 * One spelling per value, so that DynamoDB items mapped by core (staging encoding) and rows read back
 * from the lake (DuckDB's JSON form) compare equal exactly when they hold the same value:
 * timestamps without trailing fractional zeros, decimals without trailing zeros, numbers as decimal
 * strings, object keys sorted.
 */
export function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return canonical(String(value));
  if (typeof value === 'string') {
    const t = TIMESTAMP.exec(value);
    if (t !== null) {
      const fraction = (t[3] ?? '').replace(/0+$/, '');
      return `${t[1]} ${t[2]}${fraction === '' ? '' : `.${fraction}`}`;
    }
    if (DECIMAL.test(value)) {
      let s = value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
      if (s === '-0') s = '0';
      return s;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export interface TableComparison {
  readonly table: string;
  readonly rowsInDynamo: number;
  readonly rowsInLake: number;
  readonly missingInLake: number;
  readonly extraInLake: number;
  readonly different: number;
  readonly converged: boolean;
  /** A few differing keys, to start an investigation from. */
  readonly examples: readonly string[];
}

/** Every item of a DynamoDB table (parallel Scan), mapped to columns exactly as the pipeline maps them. */
export async function scanAsColumns(
  ddb: DynamoDBClient,
  table: TableDeclaration,
  segments = 4,
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, SdkAttributeValue> | undefined;
      do {
        const page = await ddb.send(
          new ScanCommand({
            TableName: table.dynamodb.tableName,
            Segment: segment,
            TotalSegments: segments,
            ConsistentRead: true,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) {
          const row = mapImage(table, item as AttributeMap, {
            table: table.name,
            sequenceNumber: undefined,
            key: undefined,
          });
          out.set(keyOf(table, row), row);
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    }),
  );
  return out;
}

function keyOf(table: TableDeclaration, row: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(table.keyColumns.map((c) => canonical(row[c])));
}

/** Compares the lake's current snapshot of a table with a full Scan of its DynamoDB table. */
export async function compareTable(
  ddb: DynamoDBClient,
  lake: Pick<Lake, 'query'>,
  table: TableDeclaration,
): Promise<TableComparison> {
  const dynamo = await scanAsColumns(ddb, table);
  const columns = [
    ...table.columns.map((c) => c.name),
    ...(table.unknownAttributes === 'extra-json-column' ? ['_extra'] : []),
  ];
  const lakeRows = await lake.query(
    `SELECT ${columns.map((c) => ident(c)).join(', ')} FROM ${ident(table.name)}`,
  );
  const lakeByKey = new Map<string, Record<string, unknown>>();
  let duplicates = 0;
  for (const r of lakeRows) {
    const k = keyOf(table, r);
    if (lakeByKey.has(k)) duplicates++;
    lakeByKey.set(k, r);
  }
  let missing = 0;
  let different = 0;
  const examples: string[] = [];
  for (const [k, row] of dynamo) {
    const got = lakeByKey.get(k);
    if (got === undefined) {
      missing++;
      if (examples.length < 5) examples.push(`missing in lake: ${k}`);
      continue;
    }
    const want = JSON.stringify(canonical(Object.fromEntries(columns.map((c) => [c, row[c]]))));
    const have = JSON.stringify(canonical(Object.fromEntries(columns.map((c) => [c, got[c]]))));
    if (want !== have) {
      different++;
      if (examples.length < 5) examples.push(`different: dynamodb ${want} lake ${have}`);
    }
  }
  let extra = duplicates;
  for (const k of lakeByKey.keys()) {
    if (!dynamo.has(k)) {
      extra++;
      if (examples.length < 5) examples.push(`extra in lake: ${k}`);
    }
  }
  return {
    table: table.name,
    rowsInDynamo: dynamo.size,
    rowsInLake: lakeRows.length,
    missingInLake: missing,
    extraInLake: extra,
    different,
    converged: missing === 0 && extra === 0 && different === 0 && dynamo.size === lakeRows.length,
    examples,
  };
}
